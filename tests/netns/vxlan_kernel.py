#!/usr/bin/python3
"""netns-vxlan-kernel: taasd mirrors a VM's frames by VXLAN to a real Linux
VXLAN receiver, resolving the collector's MAC by ARP (DESIGN.md §5).

The rig is netns_rig.py's: a collector namespace (192.0.2.1, vx0: vxlan id
5000), a VM namespace, two veth pairs to taasd's net_af_packet ports.

The underlay has no next_hop_mac: taasd must ARP for 192.0.2.1. Once the
collector kernel has learned 192.0.2.10 (it does when it answers taasd's
ARP request) the VM sends a fixed set of frames; the test asserts that vx0
(the kernel's decapsulation) delivered exactly those frames, byte-equal and
in order, that the outer headers follow §5, that taasd's ARP request was
seen on the wire, that production traffic left the uplink unchanged but for
its 802.1Q tag, and taasd's counters (--stats-out).

Both captures run with dumpcap -p (no promiscuous mode) and the test checks
that neither interface is promiscuous: a vxlan device hands every
decapsulated frame to packet sockets whatever its inner destination MAC.

--self-test runs the same receiver and the same checks without taasd: the
script itself sends the ARP request and hand-built VXLAN frames from the
root-side veth end. It proves the receiver before blaming taasd.

Exit 0 pass, 1 fail, 77 skip (not root, or no `ip`/`dumpcap`).
"""

import argparse
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netns_rig import (COLLECTOR_IP, NETWORK_VLAN, TAASD_IP, UNICAST_DST, VM_SRC_MACS, VNI,  # noqa: E402
                       VXLAN_PORT, Fail, Rig, Taasd, VmSender, csum16, intent_text, ip_bytes, log, mac_bytes,
                       mac_str, read_pcap, with_rig)

SAME_FLOW = [(3, 4), (8, 9)]          # frames of one TCP flow: one UDP source port (§5)


# ---------------------------------------------------------------- the frames

def build_frames():
    """What the VM sends: sizes from 42 (an unpadded ARP, as VMs send them)
    to 1514, IPv4 and IPv6, UDP/TCP/ICMP, broadcast, multicast, unicast.
    Source MACs are none of the namespaces' interface MACs. TCP segments
    carry SYN or PSH so that no GRO could merge them."""
    from scapy.all import ARP, Ether, ICMP, IP, IPv6, ICMPv6EchoRequest, TCP, UDP, Raw
    s1, s2, s3 = VM_SRC_MACS
    bc = 'ff:ff:ff:ff:ff:ff'

    def pad_to(pkt, size):
        n = size - len(pkt)
        assert n >= 0, (pkt.summary(), len(pkt), size)
        return pkt / Raw(bytes((i * 7 + size) & 0xff for i in range(n)))

    frames = [
        Ether(dst=bc, src=s1) / ARP(op=1, hwsrc=s1, psrc='10.0.0.1', pdst='10.0.0.2'),
        pad_to(Ether(dst=bc, src=s1) / IP(src='0.0.0.0', dst='255.255.255.255') / UDP(sport=68, dport=67), 342),
        pad_to(Ether(dst=UNICAST_DST, src=s1) / IP(src='10.0.0.1', dst='10.0.0.2') / ICMP(id=7, seq=1), 98),
        Ether(dst=UNICAST_DST, src=s2) / IP(src='10.0.0.3', dst='10.0.0.2') /
        TCP(sport=40001, dport=80, flags='S', seq=1000, options=[('MSS', 1460), ('SAckOK', b''), ('NOP', None)]),
        pad_to(Ether(dst=UNICAST_DST, src=s2) / IP(src='10.0.0.3', dst='10.0.0.2', flags='DF') /
               TCP(sport=40001, dport=80, flags='PA', seq=1001, ack=5), 1514),
        pad_to(Ether(dst=UNICAST_DST, src=s3) / IP(src='10.0.0.4', dst='10.0.0.2') / UDP(sport=5000, dport=5001), 1514),
        pad_to(Ether(dst=UNICAST_DST, src=s3) / IPv6(src='fd00::4', dst='fd00::2') / UDP(sport=5002, dport=5003), 200),
        pad_to(Ether(dst='33:33:00:00:00:01', src=s1) / IPv6(src='fe80::1', dst='ff02::1') /
               ICMPv6EchoRequest(id=9, seq=2), 118),
        pad_to(Ether(dst=UNICAST_DST, src=s2) / IPv6(src='fd00::3', dst='fd00::2') /
               TCP(sport=40002, dport=443, flags='S', seq=7), 86),
        pad_to(Ether(dst=UNICAST_DST, src=s2) / IPv6(src='fd00::3', dst='fd00::2') /
               TCP(sport=40002, dport=443, flags='PA', seq=8, ack=1), 1514),
        pad_to(Ether(dst=bc, src=s3) / IP(src='10.0.0.4', dst='10.0.0.255') / ICMP(type=8, id=3), 60),
        pad_to(Ether(dst=UNICAST_DST, src=s1) / IP(src='10.0.0.1', dst='10.0.0.2', ttl=3) /
               UDP(sport=6000, dport=6001), 1001),
    ]
    out = [bytes(f) for f in frames]
    assert len(set(out)) == len(out)
    return out

# --------------------------------------------------------------- the checks

def check_vx0(sent, got):
    errors = []
    if got != sent:
        errors.append(f'vx0 delivered {len(got)} frames, the VM sent {len(sent)}; they differ:')
        for i in range(max(len(sent), len(got))):
            a = sent[i] if i < len(sent) else None
            b = got[i] if i < len(got) else None
            if a == b:
                continue
            desc = lambda fr: 'nothing' if fr is None else f'{len(fr)} B {fr[:34].hex()}'
            note = ''
            if a is not None and b is not None and len(a) == len(b):
                first = next(j for j in range(len(a)) if a[j] != b[j])
                note = f' (first difference at byte {first})'
            elif a is not None and b in sent:
                note = f' (got sent frame #{sent.index(b)} here: order or loss)'
            errors.append(f'  #{i}: sent {desc(a)}\n       got  {desc(b)}{note}')
            if len(errors) > 12:
                break
    return errors


def check_underlay(frames, sent, ua_mac, ca_mac, expect_production):
    """The collector veth's view: ARP, the VXLAN frames themselves, and
    taasd's production flood (802.1Q) toward the trunk."""
    errors, info = [], []
    ua, ca, bc = mac_bytes(ua_mac), mac_bytes(ca_mac), b'\xff' * 6
    arp_requests, vxlan_inner, production, other = [], [], [], []
    sports, sport_of = set(), []
    for i, fr in enumerate(frames):
        etype = fr[12:14]
        if etype == b'\x08\x06' and fr[6:12] == ua:
            arp_requests.append(fr)
        elif etype == b'\x08\x06' and fr[6:12] == ca:
            pass                                   # the collector's answers
        elif etype == b'\x81\x00':
            vid = struct.unpack('!H', fr[14:16])[0] & 0xfff
            production.append((vid, fr[:12] + fr[16:]))
        elif etype == b'\x08\x00' and len(fr) >= 50 and fr[23] == 17 and fr[36:38] == struct.pack('!H', VXLAN_PORT):
            e = []
            ip = fr[14:34]
            if fr[0:6] != ca or fr[6:12] != ua:
                e.append(f'Ethernet {mac_str(fr[6:12])} -> {mac_str(fr[0:6])}, expected {ua_mac} -> {ca_mac}')
            if ip[0] != 0x45 or ip[12:16] != ip_bytes(TAASD_IP) or ip[16:20] != ip_bytes(COLLECTOR_IP):
                e.append(f'IP header {ip.hex()}: expected IHL 5, {TAASD_IP} -> {COLLECTOR_IP}')
            if ip[1] != 0 or ip[8] != 64 or not (ip[6] & 0x40) or csum16(ip) != 0xffff:
                e.append(f'IP TOS {ip[1]:#x}, TTL {ip[8]}, flags {ip[6] >> 5:#x}, checksum ok={csum16(ip) == 0xffff}'
                         ': expected DSCP 0, TTL 64, DF, a correct checksum')
            total, = struct.unpack('!H', ip[2:4])
            sport, _, ulen, ucsum = struct.unpack('!HHHH', fr[34:42])
            sports.add(sport)
            sport_of.append(sport)
            if total != len(fr) - 14 or ulen != total - 20:
                e.append(f'lengths: IP {total}, UDP {ulen} for a {len(fr)}-byte frame')
            if not 49152 <= sport <= 65535 or ucsum != 0:
                e.append(f'UDP source port {sport} (want 49152-65535), checksum {ucsum:#x} (want 0)')
            if fr[42:50] != b'\x08\0\0\0' + struct.pack('!I', VNI << 8):
                e.append(f'VXLAN header {fr[42:50].hex()}, expected 08000000{VNI << 8:08x}')
            if e:
                errors.append(f'underlay frame #{i} (VXLAN): ' + '; '.join(e))
            vxlan_inner.append(fr[50:])
        else:
            other.append(fr)

    # taasd's ARP request for the gateway, from its uplink MAC.
    good = [fr for fr in arp_requests
            if fr[0:6] in (bc, ca) and fr[14:22] == bytes.fromhex('0001080006040001')
            and fr[22:28] == ua and fr[28:32] == ip_bytes(TAASD_IP) and fr[38:42] == ip_bytes(COLLECTOR_IP)]
    if not good:
        errors.append(f'no ARP request "who-has {COLLECTOR_IP} tell {TAASD_IP}" from {ua_mac} on the underlay '
                      f'({len(arp_requests)} ARP frames from that MAC)')
    else:
        info.append(f'{len(good)} ARP request(s) for {COLLECTOR_IP} from {ua_mac}')
    if vxlan_inner != sent:
        errors.append(f'the underlay carried {len(vxlan_inner)} VXLAN frames whose inner frames are not '
                      f'the {len(sent)} sent ones, in order')
    else:
        for a, b in SAME_FLOW:
            if sport_of[a] != sport_of[b]:
                errors.append(f'frames {a} and {b} are one TCP flow but left with UDP source ports '
                              f'{sport_of[a]} and {sport_of[b]}: the port is a hash of the inner flow')
    info.append(f'{len(vxlan_inner)} VXLAN frames, UDP source ports {sorted(sports)}')
    if expect_production:
        wrong_vid = [vid for vid, _ in production if vid != NETWORK_VLAN]
        untagged = [fr for _, fr in production]
        if wrong_vid or untagged != sent:
            errors.append(f'production flood toward the uplink: {len(production)} tagged frames (VIDs '
                          f'{sorted(set(v for v, _ in production))}), expected the {len(sent)} sent frames '
                          f'with VLAN {NETWORK_VLAN} and otherwise unchanged')
        else:
            info.append(f'{len(production)} production frames, VLAN {NETWORK_VLAN}, unchanged')
    elif production:
        errors.append(f'{len(production)} tagged frames on the underlay in self-test')
    if other:
        info.append(f'{len(other)} other frames on the underlay (not judged): ' +
                    ', '.join(f'{len(fr)} B {fr[:16].hex()}' for fr in other[:5]))
    return errors, info


def check_stats(path, n, nbytes, underlay, ca_mac, ua_mac):
    errors = []
    try:
        with open(path) as f:
            st = json.load(f)
    except (OSError, ValueError) as e:
        return [f'--stats-out {path}: {e}'], None
    svc = st.get('tap_services', {}).get('ts_vx')
    if svc is None:
        return [f'stats: no tap_services.ts_vx in {json.dumps(st)[:400]}'], st
    if svc.get('packets') != n:
        errors.append(f'stats: tap_services.ts_vx.packets = {svc.get("packets")}, expected {n}')
    dropped = svc.get('dropped', {})
    if dropped.get('no_neighbor') != 0:
        errors.append(f'stats: tap_services.ts_vx.dropped.no_neighbor = {dropped.get("no_neighbor")}, expected 0 '
                      '(every frame was sent after the collector had learned taasd)')
    nonzero = {k: v for k, v in dropped.items() if v}
    if nonzero:
        errors.append(f'stats: tap_services.ts_vx.dropped = {nonzero}, expected none')
    flow = st.get('tap_flows', {}).get('tf_vm1', {})
    if flow.get('packets') != n:
        errors.append(f'stats: tap_flows.tf_vm1.packets = {flow.get("packets")}, expected {n}')
    vm1 = st.get('ports', {}).get('vm1', {})
    if vm1.get('rx_packets') != n or vm1.get('rx_bytes') != nbytes:
        errors.append(f'stats: ports.vm1 rx {vm1.get("rx_packets")} packets / {vm1.get("rx_bytes")} bytes, '
                      f'expected {n} / {nbytes}')
    # Every frame on the collector's veth, seen from both ends.
    ca = mac_bytes(ca_mac)
    tx = [fr for fr in underlay if fr[6:12] != ca]
    rx = [fr for fr in underlay if fr[6:12] == ca]
    up = st.get('ports', {}).get('uplink', {})
    want = {'tx_packets': len(tx), 'tx_bytes': sum(map(len, tx)), 'rx_packets': len(rx), 'rx_bytes': sum(map(len, rx))}
    have = {k: up.get(k) for k in want}
    if have != want:
        errors.append(f'stats: ports.uplink {have}, but the wire carried {want}')
    if up.get('mac', ua_mac) != ua_mac:
        errors.append(f'stats: ports.uplink.mac {up.get("mac")}, the interface has {ua_mac}')
    hops = [h for h in st.get('neighbors', [{}]) if h.get('ip') == COLLECTOR_IP]
    if not hops or hops[0].get('mac') != ca_mac or hops[0].get('static'):
        errors.append(f'stats: neighbors {hops}: {COLLECTOR_IP} must be learned (static false) at {ca_mac}')
    return errors, st

DEFECTS = {  # planted defects the self-test must catch, each alone
    'no-arp': 'no ARP request', 'outer-mac': 'outer destination MAC not the collector\'s',
    'vni': 'VNI 5001', 'ttl': 'outer TTL 63', 'sport': 'UDP source port 4789',
    'udp-csum': 'outer UDP checksum 0x1234', 'corrupt': 'one inner byte flipped',
    'drop': 'frame 3 left out', 'reorder': 'frames 2 and 3 swapped', 'extra': 'frame 0 sent twice',
}


def selftest_inject(rig, sent, defect=None):
    """Plays taasd: ARP for the collector, then VXLAN frames, from <ua>."""
    from scapy.all import conf
    ua = mac_bytes(rig.ua_mac)
    order = list(range(len(sent)))
    if defect == 'drop':
        del order[3]
    elif defect == 'reorder':
        order[2], order[3] = order[3], order[2]
    elif defect == 'extra':
        order.insert(1, 0)
    s = conf.L2socket(iface=rig.ua)
    try:
        arp = (b'\xff' * 6 + ua + b'\x08\x06' + bytes.fromhex('0001080006040001') + ua + ip_bytes(TAASD_IP) +
               b'\0' * 6 + ip_bytes(COLLECTOR_IP))
        if defect != 'no-arp':
            s.send(arp + b'\0' * (60 - len(arp)))
        rig.wait_neighbor(TAASD_IP, 3)
        for i in order:
            inner = bytearray(sent[i])
            if defect == 'corrupt' and i == 4:
                inner[700] ^= 0x20
            ttl = 63 if defect == 'ttl' else 64
            ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + 8 + 8 + len(inner), i, 0x4000, ttl, 17, 0,
                                       ip_bytes(TAASD_IP), ip_bytes(COLLECTOR_IP)))
            ip[10:12] = struct.pack('!H', 0xffff - csum16(bytes(ip)))
            sport = VXLAN_PORT if defect == 'sport' else 49152 + min([i] + [a for a, b in SAME_FLOW if b == i])
            udp = struct.pack('!HHHH', sport, VXLAN_PORT, 8 + 8 + len(inner), 0x1234 if defect == 'udp-csum' else 0)
            vx = b'\x08\0\0\0' + struct.pack('!I', (VNI + (defect == 'vni')) << 8)
            dst = b'\x02\0\0\0\0\xfe' if defect == 'outer-mac' else mac_bytes(rig.ca_mac)
            s.send(dst + ua + b'\x08\x00' + bytes(ip) + udp + vx + bytes(inner))
    finally:
        s.close()

def run_test(args, tmp, defect=None):
    sent = build_frames()
    underlay_pcap = os.path.join(tmp, 'underlay.pcap')
    rig = Rig(tmp)
    taasd = None
    try:
        rig.up()
        vx_cap = rig.start_capture(rig.ns_c, 'vx0', os.path.join(tmp, 'vx0.pcap'))
        ul_cap = rig.start_capture(rig.ns_c, rig.ca, underlay_pcap)
        rig.assert_not_promiscuous()
        if args.self_test:
            selftest_inject(rig, sent, defect)
        else:
            taasd = Taasd(args.taasd, tmp, rig, intent_text(rig))
            taasd.wait_resolved(rig, args.resolve_timeout, args.settle)
            VmSender(rig).send(sent)

        rx = rig.wait_vx0(len(sent), 2 if args.self_test else 10)
        log(f'vx0 received {rx} frames, {len(sent)} sent')
        rig.assert_not_promiscuous()
        errors = taasd.stop() if taasd else []
        Rig.stop(vx_cap)
        Rig.stop(ul_cap)

        got = read_pcap(os.path.join(tmp, 'vx0.pcap'))
        errors += check_vx0(sent, got)
        underlay = read_pcap(underlay_pcap)
        uerr, info = check_underlay(underlay, sent, rig.ua_mac, rig.ca_mac,
                                    expect_production=taasd is not None)
        errors += uerr
        for line in info:
            log('underlay: ' + line)
        if taasd is not None:
            serr, st = check_stats(taasd.stats, len(sent), sum(map(len, sent)), underlay, rig.ca_mac, rig.ua_mac)
            errors += serr
            if st is not None:
                log('stats: tap_services.ts_vx = ' + json.dumps(st.get('tap_services', {}).get('ts_vx')))
                log('stats: ports.uplink = ' + json.dumps(st.get('ports', {}).get('uplink')))
        if errors:
            raise Fail('\n'.join(errors))
        log(f'PASS: {len(got)} frames ({min(map(len, sent))}-{max(map(len, sent))} B) decapsulated by the '
            f'kernel on vx0, byte-equal and in order' + ('' if taasd is None else ', counters agree'))
        return 0
    except Fail as e:
        if taasd is None:
            raise
        raise taasd.failure(e, ul_cap, underlay_pcap) from None
    finally:
        rig.down()

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--taasd', help='the taasd binary')
    ap.add_argument('--self-test', action='store_true', help='check the receiver without taasd')
    ap.add_argument('--resolve-timeout', type=float, default=30.0)
    ap.add_argument('--settle', type=float, default=1.0, help='seconds between ARP seen and first send')
    ap.add_argument('--keep', action='store_true', help='keep the temporary directory')
    args = ap.parse_args()
    if not args.self_test and not args.taasd:
        ap.error('--taasd PATH or --self-test')
    return with_rig(self_test if args.self_test else run_test, args)


def self_test(args, tmp):
    log('== self-test: a faithful sender must pass')
    run_test(args, tmp)
    missed = []
    for defect, what in DEFECTS.items():
        log(f'== self-test: planted defect {defect} ({what}) must fail')
        try:
            run_test(args, tmp, defect)
            missed.append(defect)
        except Fail as e:
            log('   caught: ' + ' / '.join(str(e).splitlines()[:2]))
    if missed:
        raise Fail(f'planted defects not caught: {missed}')
    log(f'PASS: self-test, the receiver works and all {len(DEFECTS)} planted defects were caught')
    return 0


if __name__ == '__main__':
    sys.exit(main())
