#!/usr/bin/python3
"""Judges taasd's ARP / IPv6 neighbour discovery wire code with scapy.

argv[1] is the neighbor-dump executable.

1. `neighbor-dump OUT.pcap` writes one frame per builder call and prints what
   each call asked for; scapy decodes every frame and checks the ARP fields,
   the NS / NA fields and options, hop limit 255, the ICMPv6 checksum (against
   the one scapy recomputes), the 802.1Q tag and the Ethernet addresses.
2. scapy builds ARP requests / replies and NS / NA (tagged and untagged, with
   and without the link-layer option) plus frames that must be refused, writes
   them to a pcap, and `neighbor-dump --parse` prints what parse_neighbor_msg
   returned for each; the two are compared.
"""

import ipaddress
import struct
import subprocess
import sys
import tempfile

from scapy.all import (ARP, ICMP, IP, Dot1Q, Ether, ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS,
                       ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, IPv6, IPv6ExtHdrHopByHop,
                       Padding, rdpcap)
from scapy.utils6 import in6_getnsma, in6_getnsmac, in6_isaddrllallnodes
from scapy.pton_ntop import inet_pton
import socket

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def ip_eq(a, b):
    return ipaddress.ip_address(a) == ipaddress.ip_address(b)


def recomputed(pkt, layer, field):
    """The checksum scapy computes for `layer` when the stored one is dropped."""
    copy = pkt.copy()
    delattr(copy[layer], field)
    return getattr(Ether(bytes(copy))[layer], field)


def ns_group(target):
    """Solicited-node address and its Ethernet address, computed by scapy."""
    group = in6_getnsma(inet_pton(socket.AF_INET6, target))
    return socket.inet_ntop(socket.AF_INET6, group), in6_getnsmac(group)


# --------------------------------------------------------------- builders


def check_tag(tag, pkt, vlan):
    if vlan:
        check(Dot1Q in pkt and pkt[Dot1Q].vlan == vlan and pkt[Dot1Q].prio == 0,
              f"{tag}: 802.1Q VID {vlan}, PCP 0")
        check(pkt.type == 0x8100 and Dot1Q not in pkt[Dot1Q].payload, f"{tag}: one 802.1Q tag")
    else:
        check(Dot1Q not in pkt, f"{tag}: untagged")


def check_arp(tag, raw, pkt, row):
    builder, vlan, src, ip_a, ip_b, to, _ = row
    check(len(raw) == (64 if vlan else 60), f"{tag}: ARP frame length {len(raw)}")
    check(ARP in pkt, f"{tag}: no ARP layer")
    if ARP not in pkt:
        return
    a = pkt[ARP]
    check((a.hwtype, a.ptype, a.hwlen, a.plen) == (1, 0x0800, 6, 4), f"{tag}: ARP hardware/protocol")
    check(a.hwsrc == src and a.psrc == ip_a and a.pdst == ip_b, f"{tag}: ARP hwsrc/psrc/pdst")
    pad = bytes(a.payload)
    check(isinstance(a.payload, Padding) and pad == bytes(len(pad)), f"{tag}: zero padding")
    if builder == "arp-request":
        check(a.op == 1, f"{tag}: op {a.op}")
        check(a.hwdst == "00:00:00:00:00:00", f"{tag}: hwdst {a.hwdst}")
        check(pkt.dst == (to if to != "-" else "ff:ff:ff:ff:ff:ff"), f"{tag}: Ethernet dst {pkt.dst}")
    else:
        check(a.op == 2, f"{tag}: op {a.op}")
        check(a.hwdst == to and pkt.dst == to, f"{tag}: hwdst / Ethernet dst")


def check_nd(tag, raw, pkt, row):
    builder, vlan, src, ip_a, ip_b, to, solicited = row
    check(IPv6 in pkt, f"{tag}: no IPv6 layer")
    if IPv6 not in pkt:
        return
    ip6 = pkt[IPv6]
    check(ip6.hlim == 255, f"{tag}: hop limit {ip6.hlim}")
    check(ip6.nh == 58 and ip6.tc == 0 and ip6.fl == 0, f"{tag}: next header / tc / flow label")
    check(ip6.plen == len(bytes(ip6.payload)), f"{tag}: IPv6 payload length")
    check(ip_eq(ip6.src, ip_a), f"{tag}: IPv6 src {ip6.src}")
    if builder == "ns":
        check(ICMPv6ND_NS in pkt, f"{tag}: no ICMPv6ND_NS")
        if ICMPv6ND_NS not in pkt:
            return
        ns = pkt[ICMPv6ND_NS]
        check(ns.code == 0 and ns.res == 0 and ip_eq(ns.tgt, ip_b), f"{tag}: NS code/res/tgt")
        group, group_mac = ns_group(ip_b)
        want_dst, want_mac = (ip_b, to) if to != "-" else (group, group_mac)
        check(ip_eq(ip6.dst, want_dst), f"{tag}: IPv6 dst {ip6.dst}, want {want_dst}")
        check(pkt.dst == want_mac, f"{tag}: Ethernet dst {pkt.dst}, want {want_mac}")
        if ip_eq(ip_a, "::"):
            check(ICMPv6NDOptSrcLLAddr not in pkt and len(bytes(ns.payload)) == 0,
                  f"{tag}: DAD probe must carry no option")
        else:
            check(ICMPv6NDOptSrcLLAddr in pkt and pkt[ICMPv6NDOptSrcLLAddr].len == 1 and
                  pkt[ICMPv6NDOptSrcLLAddr].lladdr == src, f"{tag}: source link-layer option")
        check(recomputed(pkt, ICMPv6ND_NS, "cksum") == ns.cksum, f"{tag}: ICMPv6 checksum")
    else:
        check(ICMPv6ND_NA in pkt, f"{tag}: no ICMPv6ND_NA")
        if ICMPv6ND_NA not in pkt:
            return
        na = pkt[ICMPv6ND_NA]
        to_multicast = ipaddress.ip_address(ip_b).is_multicast
        want_s = 1 if solicited and not to_multicast else 0
        check((na.R, na.S, na.O) == (0, want_s, 1), f"{tag}: R/S/O {na.R}/{na.S}/{na.O}")
        check(na.code == 0 and na.res == 0 and ip_eq(na.tgt, ip_a), f"{tag}: NA code/res/tgt")
        check(ip_eq(ip6.dst, ip_b) and pkt.dst == to, f"{tag}: IPv6 / Ethernet dst")
        if to_multicast:
            check(in6_isaddrllallnodes(ip6.dst), f"{tag}: all-nodes destination")
        check(ICMPv6NDOptDstLLAddr in pkt and pkt[ICMPv6NDOptDstLLAddr].len == 1 and
              pkt[ICMPv6NDOptDstLLAddr].lladdr == src, f"{tag}: target link-layer option")
        check(recomputed(pkt, ICMPv6ND_NA, "cksum") == na.cksum, f"{tag}: ICMPv6 checksum")


def check_builders(dump, d):
    out = subprocess.run([dump, f"{d}/built.pcap"], check=True, capture_output=True,
                         text=True).stdout
    rows = []
    for line in out.splitlines():
        builder, vlan, src, ip_a, ip_b, to, solicited = line.split()
        rows.append((builder, int(vlan), src, ip_a, ip_b, to, solicited == "1"))
    frames = rdpcap(f"{d}/built.pcap")
    check(len(rows) >= 8 and len(frames) == len(rows), f"{len(frames)} frames, {len(rows)} rows")
    seen = set()
    for i, (f, row) in enumerate(zip(frames, rows)):
        tag = f"built frame {i + 1} ({row[0]}, vlan {row[1]})"
        seen.add((row[0], row[1] != 0))
        raw = bytes(f)
        pkt = Ether(raw)
        check(bytes(pkt) == raw, f"{tag}: scapy does not rebuild the frame identically")
        check(pkt.src == row[2], f"{tag}: Ethernet src {pkt.src}")
        check_tag(tag, pkt, row[1])
        if row[0].startswith("arp"):
            check_arp(tag, raw, pkt, row)
        else:
            check_nd(tag, raw, pkt, row)
    want = {(b, t) for b in ("arp-request", "arp-reply", "ns", "na") for t in (False, True)}
    check(want <= seen, f"builders not covered tagged and untagged: {want - seen}")
    return len(rows)


# --------------------------------------------------------------- parser

OUR_MAC, PEER_MAC, OTHER_MAC = "02:00:5e:10:00:01", "52:54:00:12:34:56", "02:11:22:33:44:55"
OUR4, PEER4 = "192.0.2.1", "192.0.2.77"
OUR6, PEER6 = "fe80::200:5eff:fe10:1", "2001:db8::5054:ff:fe12:3456"


def eth(src, dst, vlan):
    e = Ether(src=src, dst=dst)
    return e / Dot1Q(vlan=vlan) if vlan else e


def ns(vlan=0, src_ip=OUR6, tgt=PEER6, opt=OUR_MAC, hlim=255, dst=None, **kw):
    group, group_mac = ns_group(tgt)
    p = eth(OUR_MAC, group_mac, vlan) / IPv6(src=src_ip, dst=dst or group, hlim=hlim)
    p = p / ICMPv6ND_NS(tgt=tgt, **kw)
    return p / ICMPv6NDOptSrcLLAddr(lladdr=opt) if opt else p


def na(vlan=0, S=1, O=1, R=0, opt=OUR_MAC, eth_src=OUR_MAC, dst=PEER6, **kw):
    p = eth(eth_src, PEER_MAC, vlan) / IPv6(src=OUR6, dst=dst, hlim=255)
    p = p / ICMPv6ND_NA(tgt=OUR6, R=R, S=S, O=O, **kw)
    return p / ICMPv6NDOptDstLLAddr(lladdr=opt) if opt else p


def arp(vlan=0, op=1, hwsrc=OUR_MAC, eth_src=OUR_MAC, **kw):
    return eth(eth_src, "ff:ff:ff:ff:ff:ff", vlan) / ARP(op=op, hwsrc=hwsrc, psrc=OUR4,
                                                           pdst=PEER4, **kw)


def patched(pkt, off, data):
    """The bytes of `pkt` with `data` written at `off` (fields scapy would
    otherwise reinterpret, such as the ARP hardware type)."""
    raw = bytearray(bytes(pkt))
    raw[off:off + len(data)] = data
    return bytes(raw)


def expect(kind, vlan, eth_src, sender_mac, sender_ip, target_ip, solicited=0):
    return (kind, vlan, eth_src, sender_mac, sender_ip, target_ip, solicited)


NONE = None
A4 = (OUR4, PEER4)

CASES = [
    ("ARP request", arp(), expect("arp-request", 0, OUR_MAC, OUR_MAC, *A4)),
    ("ARP request tagged, sha != Ethernet src", arp(200, hwsrc=OTHER_MAC),
     expect("arp-request", 200, OUR_MAC, OTHER_MAC, *A4)),
    ("ARP reply padded", arp(op=2, hwdst=PEER_MAC) / Padding(load=bytes(18)),
     expect("arp-reply", 0, OUR_MAC, OUR_MAC, *A4)),
    ("ARP reply tagged 4094", arp(4094, op=2, hwdst=PEER_MAC),
     expect("arp-reply", 4094, OUR_MAC, OUR_MAC, *A4)),
    ("NS with option", ns(opt=OTHER_MAC), expect("ns", 0, OUR_MAC, OTHER_MAC, OUR6, PEER6)),
    ("NS tagged, no option, unicast", ns(10, opt=None, dst=PEER6),
     expect("ns", 10, OUR_MAC, OUR_MAC, OUR6, PEER6)),
    ("NS DAD", ns(src_ip="::", opt=None), expect("ns", 0, OUR_MAC, OUR_MAC, "::", PEER6)),
    ("NA S O with option", na(), expect("na", 0, OUR_MAC, OUR_MAC, OUR6, OUR6, 1)),
    ("NA tagged, no option, no flags", na(300, S=0, O=0, opt=None, eth_src=OTHER_MAC),
     expect("na", 300, OTHER_MAC, OTHER_MAC, OUR6, OUR6, 0)),
    ("NA R S, option != Ethernet src", na(5, R=1, O=0, opt=OTHER_MAC),
     expect("na", 5, OUR_MAC, OTHER_MAC, OUR6, OUR6, 1)),
    ("NA unsolicited to all-nodes", na(S=0, dst="ff02::1"),
     expect("na", 0, OUR_MAC, OUR_MAC, OUR6, OUR6, 0)),
    # Refused.
    ("NS hop limit 64", ns(hlim=64), NONE),
    ("NS bad checksum", ns(cksum=0x1234), NONE),
    ("NS code 1", ns(code=1), NONE),
    ("NS multicast target", ns(tgt="ff02::1"), NONE),
    ("NS DAD with option", ns(src_ip="::"), NONE),
    ("NA to all-nodes with S", na(dst="ff02::1"), NONE),
    ("NA behind hop-by-hop header",
     eth(OUR_MAC, PEER_MAC, 0) / IPv6(src=OUR6, dst=PEER6, hlim=255) / IPv6ExtHdrHopByHop() /
     ICMPv6ND_NA(tgt=OUR6, S=1) / ICMPv6NDOptDstLLAddr(lladdr=OUR_MAC), NONE),
    ("ICMPv6 echo request", eth(OUR_MAC, PEER_MAC, 0) / IPv6(src=OUR6, dst=PEER6, hlim=255) /
     ICMPv6EchoRequest(), NONE),
    ("IPv4 ICMP", eth(OUR_MAC, PEER_MAC, 0) / IP(src=OUR4, dst=PEER4) / ICMP(), NONE),
    ("ARP htype 6", patched(arp(), 15, b"\x06"), NONE),
    ("ARP op 3", arp(op=3), NONE),
    ("ARP ptype IPv6", patched(arp(), 16, b"\x86\xdd"), NONE),
    ("ARP hlen 8", patched(arp(), 18, b"\x08"), NONE),
    ("ARP in QinQ", Ether(src=OUR_MAC, dst="ff:ff:ff:ff:ff:ff") / Dot1Q(vlan=1) / Dot1Q(vlan=2) /
     ARP(psrc=OUR4, pdst=PEER4), NONE),
    ("ARP in 802.1ad", Ether(src=OUR_MAC, dst="ff:ff:ff:ff:ff:ff", type=0x88A8) / Dot1Q(vlan=2) /
     ARP(psrc=OUR4, pdst=PEER4), NONE),
]


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, raw in enumerate(frames):
            f.write(struct.pack("<IIII", i, 0, len(raw), len(raw)))
            f.write(raw)


def check_parser(dump, d):
    frames = [bytes(p) for _, p, _ in CASES]
    # Truncated by one byte: the ICMPv6 payload no longer fits.
    frames.append(frames[4][:-1])
    cases = CASES + [("NS truncated", None, NONE)]
    write_pcap(f"{d}/scapy.pcap", frames)
    out = subprocess.run([dump, "--parse", f"{d}/scapy.pcap"], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    check(len(out) == len(cases), f"parser printed {len(out)} lines for {len(cases)} frames")
    for (name, _, want), line in zip(cases, out):
        got = line.split()
        kind = got[0]
        if want is None:
            check(kind == "none", f"{name}: parsed as {line}, want none")
            continue
        vlan, eth_src, sender_mac, sender_ip, target_ip, solicited = got[1:]
        w_kind, w_vlan, w_eth, w_mac, w_sip, w_tip, w_s = want
        check(kind == w_kind, f"{name}: kind {kind}, want {w_kind}")
        check(int(vlan) == w_vlan, f"{name}: vlan {vlan}, want {w_vlan}")
        check(eth_src == w_eth, f"{name}: eth_src {eth_src}, want {w_eth}")
        check(sender_mac == w_mac, f"{name}: sender_mac {sender_mac}, want {w_mac}")
        check(ip_eq(sender_ip, w_sip), f"{name}: sender_ip {sender_ip}, want {w_sip}")
        check(ip_eq(target_ip, w_tip), f"{name}: target_ip {target_ip}, want {w_tip}")
        check(int(solicited) == w_s, f"{name}: solicited {solicited}, want {w_s}")
    return len(cases)


def main():
    dump = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        built = check_builders(dump, d)
        parsed = check_parser(dump, d)
    for f in failures:
        print("FAIL:", f)
    print(f"{built} built frames, {parsed} parsed frames, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
