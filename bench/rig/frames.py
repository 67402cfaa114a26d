"""Frames for bench/pipeline.py, written as classic pcap files with the
stdlib struct module (no scapy needed).

A frame's size is its length as DPDK sees it (mbuf pkt_len: Ethernet
header to the end of the payload, no FCS), the same length testpmd's
--txpkts means. Every frame is Ethernet / IPv4 / UDP with a valid IPv4
header checksum and a zero UDP checksum; the UDP source port varies from
frame to frame so that encapsulations that hash the inner flow (VXLAN's
outer source port) see several flows.
"""

import struct

ETH_HDR = 14
IP_HDR = 20
UDP_HDR = 8
MIN_FRAME = ETH_HDR + IP_HDR + UDP_HDR


def mac_bytes(mac):
    b = bytes(int(x, 16) for x in mac.split(':'))
    if len(b) != 6:
        raise ValueError(f'not a MAC address: {mac!r}')
    return b


def ip_checksum(header):
    total = sum(struct.unpack(f'!{len(header) // 2}H', header))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return (~total) & 0xffff


def udp_frame(size, src_mac, dst_mac, src_ip='10.0.0.1', dst_ip='10.0.0.2', sport=1024, dport=4000):
    """One Ethernet/IPv4/UDP frame of exactly `size` bytes (no FCS)."""
    if size < MIN_FRAME:
        raise ValueError(f'a frame of {size} B cannot hold Ethernet/IPv4/UDP ({MIN_FRAME} B)')
    payload = size - MIN_FRAME
    ip_len = IP_HDR + UDP_HDR + payload
    src = bytes(int(x) for x in src_ip.split('.'))
    dst = bytes(int(x) for x in dst_ip.split('.'))
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, ip_len, 0, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', ip_checksum(ip)) + ip[12:]
    udp = struct.pack('!HHHH', sport, dport, UDP_HDR + payload, 0)
    body = bytes((i * 7) & 0xff for i in range(payload))
    return mac_bytes(dst_mac) + mac_bytes(src_mac) + b'\x08\x00' + ip + udp + body


def write_pcap(path, frames):
    """Classic pcap (microsecond timestamps, LINKTYPE_ETHERNET)."""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack('<IIII', 0, i, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    """The frames of a classic pcap file (for the self-check)."""
    data = open(path, 'rb').read()
    magic, = struct.unpack('<I', data[:4])
    if magic != 0xa1b2c3d4:
        raise ValueError(f'{path}: not a little-endian microsecond pcap')
    off, out = 24, []
    while off < len(data):
        _, _, incl, _ = struct.unpack('<IIII', data[off:off + 16])
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


def stream(path, size, src_mac, dst_mac, count=32):
    """`count` frames of `size` bytes from src_mac to dst_mac (a source
    replayed with infinite_rx; the whole file stays in memory)."""
    write_pcap(path, [udp_frame(size, src_mac, dst_mac, sport=1024 + i) for i in range(count)])


def hello(path, src_mac, dst_mac='ff:ff:ff:ff:ff:ff'):
    """One frame from src_mac: lets the switch learn that MAC."""
    write_pcap(path, [udp_frame(64, src_mac, dst_mac, src_ip='10.0.0.2', dst_ip='10.0.0.1')])


if __name__ == '__main__':
    # Self-check: the frames decode as written (scapy, when importable,
    # agrees on lengths, checksum and addresses).
    import os
    import sys
    import tempfile
    d = tempfile.mkdtemp()
    p = os.path.join(d, 's.pcap')
    for size in (60, 64, 512, 1500):
        stream(p, size, '02:00:00:00:01:01', '02:00:00:00:02:02', count=3)
        frames = read_pcap(p)
        assert [len(f) for f in frames] == [size] * 3, (size, [len(f) for f in frames])
        assert ip_checksum(frames[0][14:34]) == 0
    try:
        from scapy.all import rdpcap, IP, Ether  # noqa: F401
    except ImportError:
        print('frames: ok (scapy not importable; struct checks only)')
    else:
        pk = rdpcap(p)
        assert len(pk[0]) == 1500 and pk[0][Ether].dst == '02:00:00:00:02:02'
        chk = pk[0][IP].chksum
        del pk[0][IP].chksum
        assert IP(bytes(pk[0][IP]))[IP].chksum == chk
        print('frames: ok (scapy agrees)')
    os.remove(p)
    os.rmdir(d)
    sys.exit(0)
