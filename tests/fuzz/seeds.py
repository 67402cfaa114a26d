#!/usr/bin/env python3
"""Writes the seed corpora of the libFuzzer harnesses (tests/fuzz/corpus/).

usage: seeds.py [CORPUS_DIR]     (default: the corpus/ folder next to this file)

The corpora are committed; run this again after changing it (it only adds
and overwrites its own files, named <kind>-<what>). Frames are built here
with struct, no scapy: fuzz_packet only needs them to be plausible starting
points, its invariants judge the output.
"""
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")


def write(harness, name, data):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- fuzz_vlan_filter ----------------------------------------------------------

VLAN = {
    "taas-example": "9,18,27-36", "one": "100", "zero": "0", "max": "4095", "all": "0-4095",
    "single-range": "5-5", "spaces": " 9 , 18 ", "range-spaces": "27 - 29", "repeats": "18,9,9",
    "overlap": "1-3,2-4", "leading-zeros": "007", "tab": "\t7\t", "empty": "", "blank": " ",
    "double-comma": "9,,18", "trailing-comma": "9,", "leading-comma": ",9", "too-big": "4096",
    "five-digits": "10000", "negative": "-1", "letter": "a", "semicolon": "9;18", "inner-space": "1 0",
    "reversed": "36-27", "open-range": "1-", "dash": "-", "two-dashes": "1-2-3", "range-too-big": "1-4096",
    "hex": "0x10", "plus": "+5", "nul": "1\x002", "many": ",".join(str(v) for v in range(0, 4096, 97)),
}
for name, text in VLAN.items():
    write("fuzz_vlan_filter", "vlan-" + name, text)

# --- fuzz_intent ---------------------------------------------------------------

BASE = open(os.path.join(HERE, "base_intent.yaml"), encoding="utf-8").read()
e2e = os.path.join(ROOT, "tests", "e2e")
for case in sorted(os.listdir(e2e)):
    path = os.path.join(e2e, case, "intent.yaml")
    if os.path.isfile(path):
        write("fuzz_intent", "e2e-" + case, open(path, "rb").read())
write("fuzz_intent", "base", BASE)
FLOWS = BASE.index("tap_flows:")
SERVICES = BASE.index("tap_services:")
write("fuzz_intent", "base-no-flows", BASE[:FLOWS])
write("fuzz_intent", "base-no-services", BASE[:SERVICES])
write("fuzz_intent", "base-renamed-service", BASE.replace("name: ts_er2,", "name: ts_er2_renamed,"))
write("fuzz_intent", "base-more-flows", BASE + "  - {name: f_new, source_port: vm2, tap_service: ts_vx, "
      "direction: OUT, vlan_filter: \"1-99, 101-4095\"}\n  - {name: f_new2, source_port: vm3, tap_service: "
      "ts_er1, direction: IN, erspan_session_id: 7}\n")
write("fuzz_intent", "base-unknown-service", BASE + "  - {name: f_int, source_port: vm2, tap_service: ts_int, "
      "direction: BOTH}\n")
write("fuzz_intent", "base-new-port", BASE.replace("tap_services:", "  - {name: vm4, device: d4, role: vm, "
      "network: net-b}\ntap_services:"))
write("fuzz_intent", "anchors", "version: 1\nnetworks: [&n {name: a, vlan: 1}]\nports:\n"
      "  - {name: p, device: d, role: vm, network: a}\n  - *n\n")
write("fuzz_intent", "two-docs", "version: 1\n---\nversion: 1\n")
write("fuzz_intent", "flow-map", "{version: 1, networks: [{name: a, vlan: 5}]}")
write("fuzz_intent", "stray-comma", "version: 1\n,\n")
write("fuzz_intent", "empty", "")

# --- fuzz_control --------------------------------------------------------------


def req(op, args=None, rid=1):
    r = {"v": 1, "id": rid, "op": op}
    if args is not None:
        r["args"] = args
    return json.dumps(r, separators=(",", ":"))


CONTROL = {
    "health": req("health"),
    "health-string-id": req("health", rid="q1"),
    "service-list": req("tap_service.list"),
    "flow-list": req("tap_flow.list"),
    "port-list": req("port.list"),
    "port-show": req("port.show", {"ref": "vm1"}),
    "export": req("export"),
    "stats": req("stats"),
    "service-show-uuid": req("tap_service.show", {"ref": "22222222-2222-4222-8222-222222222202"}),
    "flow-show": req("tap_flow.show", {"ref": "f_er2"}),
    "service-create-port": req("tap_service.create", {"name": "ts_new", "port": "mon2"}),
    "service-create-erspan": req("tap_service.create", {
        "id": "0F576381-E461-4807-BB11-5D57624B30A0", "name": "ts_e3", "description": "d",
        "remote_ip": "2001:db8::7", "encap": "erspan3",
        "erspan": {"index": 7, "hwid": 1, "granularity": "100ns", "platform_subheader": True, "platform_id": 7}}),
    "service-create-internal": req("tap_service.create", {
        "name": "ts_int", "port": "mon2", "remote_ip": "198.51.100.9", "remote_mac": "02:00:00:00:00:0a",
        "encap": "vxlan", "vni": 9, "udp_port": 8472}),
    "flow-create": req("tap_flow.create", {"name": "f_new", "source_port": "vm2", "tap_service": "ts_local",
                                           "direction": "OUT", "vlan_filter": "9,18,27-36"}),
    "flow-create-session": req("tap_flow.create", {"name": "f_s", "source_port": "vm3", "tap_service": "ts_er1",
                                                   "direction": "IN", "erspan_session_id": 9}),
    "service-update": req("tap_service.update", {"ref": "ts_er1", "name": "ts_er1b", "description": "x"}),
    "flow-update": req("tap_flow.update", {"ref": "f_local", "description": "\t"}),
    "service-delete": req("tap_service.delete", {"ref": "ts_er1"}),
    "flow-delete": req("tap_flow.delete", {"ref": "33333333-3333-4333-8333-333333333304"}),
    "apply-same": req("apply", {"intent": BASE, "file": "same.yaml"}),
    "apply-fewer-flows": req("apply", {"intent": BASE[:FLOWS]}),
    "apply-other-ports": req("apply", {"intent": BASE.replace("d-mon2", "d-other")}),
    "bad-version": '{"v":2,"id":42,"op":"health"}',
    "bad-op": '{"v":1,"op":"tap_service.frobnicate"}',
    "bad-args-type": '{"v":1,"id":"x","op":"tap_service.create","args":{"name":1}}',
    "bad-duplicate-key": '{"v":1,"v":1,"op":"health"}',
    "bad-deep": '{"v":1,"op":"health","args":' + "[" * 70 + "]" * 70 + "}",
    "bad-stray-comma": ",",
    "bad-yaml-only": "{v: 1, op: health}",
    "bad-unicode": '{"v":1,"id":"\\ud83d\\ude00","op":"health"}',
    "bad-unknown-key": '{"v":1,"op":"health","extra":1}',
    "bad-id-float": '{"v":1,"id":1.5,"op":"health"}',
    "seq-create-flow-delete": "\n".join([
        req("tap_service.create", {"name": "ts_a", "port": "mon2"}, 1),
        req("tap_flow.create", {"name": "f_a", "source_port": "vm1", "tap_service": "ts_a", "direction": "BOTH"}, 2),
        req("tap_service.delete", {"ref": "ts_a"}, 3), req("tap_flow.list", None, 4)]),
    "seq-rename-show": "\n".join([req("tap_flow.update", {"ref": "f_er1", "name": "f_x"}, 1),
                                  req("tap_flow.show", {"ref": "f_x"}, 2), req("export", None, 3)]),
    "seq-apply-then-create": "\n".join([req("apply", {"intent": BASE[:FLOWS]}, 1),
                                        req("tap_flow.create", {"name": "f_b", "source_port": "vm1",
                                                                "tap_service": "ts_vx", "direction": "IN"}, 2)]),
}
for name, text in CONTROL.items():
    write("fuzz_control", name, text)

# --- fuzz_packet ---------------------------------------------------------------

PORT = {"vm1": 0, "vm2": 1, "vm3": 2, "uplink": 3, "mon1": 6, "mon2": 7}
UPLINK_MAC = bytes([0x02, 0x74, 0x61, 0x61, 0x00, 0x03])  # start_ports' MAC for port index 3
MON2_MAC = bytes([0x02, 0x74, 0x61, 0x61, 0x00, 0x05])
BCAST = b"\xff" * 6


def mac(last):
    return bytes([0x02, 0, 0, 0, 0, last])


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def eth(dst, src, etype, payload, tags=()):
    head = dst + src
    for tpid, vid in tags:
        head += struct.pack("!HH", tpid, vid)
    return head + struct.pack("!H", etype) + payload


def ipv4(proto, l4, src=bytes([10, 0, 0, 1]), dst=bytes([10, 0, 0, 2])):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + l4


def ipv6(nh, l4, src, dst, hlim=64):
    return struct.pack("!IHBB", 0x60000000, len(l4), nh, hlim) + src + dst + l4


def udp(n):
    return struct.pack("!HHHH", 1234, 5678, 8 + n, 0) + bytes((i * 7) & 0xff for i in range(n))


def tcp(n):
    return struct.pack("!HHIIBBHHH", 443, 40000, 1, 0, 0x50, 0x18, 512, 0, 0) + b"\x5a" * n


V6A = bytes.fromhex("20010db8000000000000000000000001")  # 2001:db8::1, the IPv6 gateway
V6ME = bytes.fromhex("20010db8000000000000000000000010")  # 2001:db8::10, taasd
V6H1 = bytes.fromhex("fd000000000000000000000000000001")
V6H2 = bytes.fromhex("fd000000000000000000000000000002")


def arp(op, smac, sip, tip, tmac=b"\0" * 6):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + smac + bytes(sip) + tmac + bytes(tip)


def nd(kind, src_ip, dst_ip, target, lladdr, flags=0):
    opt = struct.pack("!BB", 1 if kind == 135 else 2, 1) + lladdr
    body = struct.pack("!BBHB3x", kind, 0, 0, flags) + target + opt
    pseudo = src_ip + dst_ip + struct.pack("!I3xB", len(body), 58)
    body = body[:2] + struct.pack("!H", csum(pseudo + body)) + body[4:]
    return ipv6(58, body, src_ip, dst_ip, 255)


def seed(name, frame, port, rig=0, chain=False, intro=False, split=0, cut=0):
    control = PORT[port] | rig << 3 | (0x10 if chain else 0) | (0x20 if intro else 0)
    write("fuzz_packet", "frame-" + name, bytes([control, split]) + struct.pack("!H", cut) + frame)


v4udp = eth(BCAST, mac(1), 0x0800, ipv4(17, udp(32)))
v4tcp = eth(mac(2), mac(1), 0x0800, ipv4(6, tcp(20)))
v6udp = eth(mac(2), mac(1), 0x86dd, ipv6(17, udp(40), V6H1, V6H2))
v6tcp = eth(mac(0x99), mac(1), 0x86dd, ipv6(6, tcp(8), V6H1, V6H2))
dot1q = eth(mac(2), mac(1), 0x0800, ipv4(17, udp(10)), [(0x8100, 100)])
qinq = eth(mac(2), mac(1), 0x86dd, ipv6(17, udp(10), V6H1, V6H2), [(0x88a8, 10), (0x8100, 100)])
up_v4 = eth(mac(1), mac(0x99), 0x0800, ipv4(17, udp(32)), [(0x8100, 100)])
up_bcast = eth(BCAST, mac(0x98), 0x0800, ipv4(6, tcp(0)), [(0x8100, 200)])
up_qinq = eth(mac(1), mac(0x99), 0x0800, ipv4(17, udp(12)), [(0x8100, 100), (0x8100, 7)])
up_unknown_vlan = eth(mac(1), mac(0x99), 0x0800, ipv4(17, udp(12)), [(0x8100, 999)])
big = eth(mac(2), mac(1), 0x0800, ipv4(17, udp(1472)))  # 1514 B
jumbo = eth(BCAST, mac(3), 0x86dd, ipv6(17, udp(2900), V6H1, V6H2))  # > one mbuf: a chain

for rig in (0, 1):
    r = "AB"[rig]
    seed(r + "-vm1-ipv4-udp-bcast", v4udp, "vm1", rig)
    seed(r + "-vm1-ipv4-tcp-to-vm2", v4tcp, "vm1", rig, intro=True)
    seed(r + "-vm1-ipv6-udp-to-vm2", v6udp, "vm1", rig, intro=True)
    seed(r + "-vm1-ipv6-tcp-to-uplink", v6tcp, "vm1", rig, intro=True)
    seed(r + "-vm3-ipv4-udp", eth(BCAST, mac(3), 0x0800, ipv4(17, udp(100))), "vm3", rig)
    seed(r + "-vm1-8021q", dot1q, "vm1", rig)
    seed(r + "-vm2-qinq", qinq, "vm2", rig)
    seed(r + "-uplink-ipv4", up_v4, "uplink", rig, intro=True)
    seed(r + "-uplink-bcast-b", up_bcast, "uplink", rig)
    seed(r + "-uplink-qinq", up_qinq, "uplink", rig)
    seed(r + "-uplink-unknown-vlan", up_unknown_vlan, "uplink", rig)
    seed(r + "-uplink-untagged", v4udp, "uplink", rig)
    seed(r + "-mon1", v4udp, "mon1", rig)
    seed(r + "-vm2-hairpin", eth(mac(2), mac(2), 0x0800, ipv4(17, udp(4))), "vm2", rig, intro=True)
    seed(r + "-vm1-1514", big, "vm1", rig)
    seed(r + "-vm3-1514-chain", big, "vm3", rig, chain=True, split=60)
    seed(r + "-vm1-jumbo-chain", jumbo, "vm1", rig, chain=True)
    seed(r + "-vm1-chain-split-13", v4udp, "vm1", rig, chain=True, split=13)
    seed(r + "-vm1-chain-split-16", dot1q, "vm2", rig, chain=True, split=16)
    seed(r + "-uplink-chain-split-20", up_v4, "uplink", rig, chain=True, split=20)
    seed(r + "-vm1-small-60", eth(mac(2), mac(1), 0x0800, ipv4(17, udp(18))), "vm1", rig, intro=True)

# Truncated at the lengths where parsers change their mind: inside and at
# the end of each header, for untagged, 802.1Q and QinQ frames, from a VM
# and from the trunk.
for cut in (1, 6, 12, 13, 14, 15, 16, 17, 18, 19, 22, 33, 34, 37, 41, 42, 53, 54, 61, 62):
    seed("cut%02d-vm1-ipv4" % cut, v4udp, "vm1", 0, cut=cut)
    seed("cut%02d-uplink-qinq" % cut, up_qinq, "uplink", cut % 2, cut=cut)
for cut in (17, 18, 21, 22, 57, 58):
    seed("cut%02d-vm2-qinq-ipv6" % cut, qinq, "vm2", 1, cut=cut)
seed("empty-vm1", b"", "vm1", 0)

# taasd's own addresses: ARP and ND on the trunk (rig A untagged, rig B on
# the underlay VLAN 300) and in internal mode on mon2; answers that resolve
# rig B's next hops (the IPv4 / IPv6 gateways and the on-link 192.0.2.99).
GW, ME, ONLINK = [192, 0, 2, 1], [192, 0, 2, 10], [192, 0, 2, 99]
seed("A-arp-request-for-taasd", eth(BCAST, mac(0xfe), 0x0806, arp(1, mac(0xfe), GW, ME)), "uplink", 0)
seed("A-arp-request-mon2", eth(BCAST, mac(0x0a), 0x0806, arp(1, mac(0x0a), [198, 51, 100, 9], ME)), "mon2", 0)
seed("B-arp-reply-gateway", eth(UPLINK_MAC, mac(0xfe), 0x0806, arp(2, mac(0xfe), GW, ME, UPLINK_MAC),
                                [(0x8100, 300)]), "uplink", 1)
seed("B-arp-reply-onlink", eth(UPLINK_MAC, mac(0xfd), 0x0806, arp(2, mac(0xfd), ONLINK, ME, UPLINK_MAC),
                               [(0x8100, 300)]), "uplink", 1)
seed("B-arp-request-for-taasd", eth(BCAST, mac(0xfe), 0x0806, arp(1, mac(0xfe), GW, ME), [(0x8100, 300)]),
     "uplink", 1)
seed("B-na-gateway6", eth(UPLINK_MAC, mac(0xfe), 0x86dd, nd(136, V6A, V6ME, V6A, mac(0xfe), 0x60),
                          [(0x8100, 300)]), "uplink", 1)
seed("B-ns-for-taasd", eth(BCAST, mac(0xfe), 0x86dd,
                           nd(135, V6A, bytes.fromhex("ff0200000000000000000001ff000010"), V6ME, mac(0xfe)),
                           [(0x8100, 300)]), "uplink", 1)
seed("A-ns-untagged", eth(BCAST, mac(0xfe), 0x86dd,
                          nd(135, V6A, bytes.fromhex("ff0200000000000000000001ff000010"), V6ME, mac(0xfe))),
     "uplink", 0)
print("wrote seeds to", OUT)
