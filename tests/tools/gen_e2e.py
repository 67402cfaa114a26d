#!/usr/bin/python3
"""Builds the e2e fixtures of taasd and the demo capture.

For every case under tests/e2e/<case>/ this writes
  intent.yaml            the intent taasd runs with
  in/<port>.pcap         what each port replays
  expect/<port>.pcap     what each port must transmit (empty when nothing)
  expect/<port>.streams.json   (monitor ports fed by several flows) which
                         expected copies each flow produced, see run_e2e.py
  expect-stats.json      counters taasd must report (a subset of --stats-out)
  expect/<port>.encap.json, expect/inner/*.pcap   (remote mirroring: ERSPAN,
                         VXLAN) written by gen_e2e_encap.py from this model
or, for an invalid intent, expect-error.json.

The expected outputs come from a small independent model of the switching
and mirroring semantics (DESIGN.md §2, §3), never from taasd's output:
  - VM ports are untagged access ports of one network; the uplink is an
    802.1Q trunk (tag = network VLAN, PCP 0, DEI 0).
  - From a VM: a tagged frame (0x8100/0x88a8) is dropped; any other frame
    floods to the other VM ports of its network (unchanged) and to the
    uplink with the tag inserted after the source MAC.
  - From the uplink: only 802.1Q frames with a known VLAN are accepted; the
    tag is removed and the frame floods to the network's VM ports.
  - From a monitor port: dropped, never forwarded nor mirrored.
  - Mirroring is VM-centric: OUT copies every frame the VM sends (as sent,
    also when the switch then drops it), IN copies every frame delivered to
    the VM (as delivered). Copies leave the service's port unchanged.
Every frame goes to broadcast, multicast or a unicast MAC no port ever sends
from, so no output depends on MAC learning or on the order taasd polls its
ports. Everything is deterministic: running the generator twice writes the
same bytes.

Usage:
  gen_e2e.py                 write tests/e2e/* and conf/demo/*.pcap
                             (conf/demo.yaml itself is written by hand)
  gen_e2e.py --check         regenerate into a temporary tree and fail if
                             anything committed differs (stale fixtures)
  gen_e2e.py --root DIR      write into DIR instead of the repository
"""

import argparse
import filecmp
import json
import logging
import struct
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.dhcp import BOOTP, DHCP  # noqa: E402
from scapy.layers.inet import ICMP, IP, TCP, UDP  # noqa: E402
from scapy.layers.inet6 import ICMPv6EchoReply, ICMPv6EchoRequest, IPv6  # noqa: E402
from scapy.layers.l2 import ARP, Dot1Q, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------
# pcap writing (fixed timestamps so the files are reproducible byte for byte)

PCAP_T0 = 1_700_000_000  # 2023-11-14, any fixed value will do


def pcap_bytes(frames):
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i, f in enumerate(frames):
        sec, usec = PCAP_T0 + i // 1000, (i % 1000) * 1000
        out.append(struct.pack("<IIII", sec, usec, len(f), len(f)))
        out.append(f)
    return b"".join(out)


# --------------------------------------------------------------------------
# frame builders

BCAST = "ff:ff:ff:ff:ff:ff"


def pattern(n, seed):
    return bytes((seed * 7 + i) & 0xFF for i in range(n))


def sized(pkt, size, seed=0, pad=False):
    """pkt made `size` B long with a deterministic payload or, with pad,
    Ethernet padding (zeros after the IP packet, not counted by it)."""
    have = len(bytes(pkt))
    if have > size:
        raise ValueError(f"{pkt.summary()} is {have} B, cannot make {size} B")
    if have == size:
        return bytes(pkt)
    if pad:
        return bytes(pkt) + bytes(size - have)
    return bytes(pkt / Raw(pattern(size - have, seed)))


def arp_req(src, sip, tip, vlan=None, tpid=0x8100):
    eth = Ether(src=src, dst=BCAST)
    arp = ARP(op=1, hwsrc=src, psrc=sip, hwdst="00:00:00:00:00:00", pdst=tip)
    pkt = (eth / Dot1Q(vlan=vlan) / arp) if vlan is not None else (eth / arp)
    if vlan is not None and tpid != 0x8100:
        pkt[Ether].type = tpid
    b = bytes(pkt)
    return b + bytes(max(0, (64 if vlan is not None else 60) - len(b)))


def arp_reply(src, sip, dst, dip, vlan=None):
    eth = Ether(src=src, dst=dst)
    arp = ARP(op=2, hwsrc=src, psrc=sip, hwdst=dst, pdst=dip)
    pkt = (eth / Dot1Q(vlan=vlan) / arp) if vlan is not None else (eth / arp)
    b = bytes(pkt)
    return b + bytes(max(0, (64 if vlan is not None else 60) - len(b)))


def l2(src, dst, vlan=None, tpid=0x8100):
    eth = Ether(src=src, dst=dst)
    if vlan is None:
        return eth
    if tpid != 0x8100:
        eth.type = tpid
    return eth / Dot1Q(vlan=vlan)


def udp(src, dst, sip, dip, sport, dport, size, vlan=None, tpid=0x8100, seed=1):
    pkt = l2(src, dst, vlan, tpid) / IP(src=sip, dst=dip, id=seed, ttl=64) / UDP(sport=sport, dport=dport)
    return sized(pkt, size, seed)


def tcp(src, dst, sip, dip, sport, dport, size, flags="PA", seq=1000, ack=1, vlan=None, seed=2, options=None):
    """A TCP segment of `size` B: data when flags has P, else a control
    segment padded to the Ethernet minimum."""
    t = TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack if "A" in flags else 0,
            window=64240, options=options or [])
    pkt = l2(src, dst, vlan) / IP(src=sip, dst=dip, id=seed, ttl=64) / t
    return sized(pkt, size, seed, pad="P" not in flags)


def icmp6_echo(src, dst, sip6, dip6, size, vlan=None, seed=3):
    pkt = l2(src, dst, vlan) / IPv6(src=sip6, dst=dip6, hlim=64) / ICMPv6EchoRequest(id=seed, seq=1)
    return sized(pkt, size, seed)


def udp6(src, dst, sip6, dip6, size, vlan=None, seed=4):
    pkt = l2(src, dst, vlan) / IPv6(src=sip6, dst=dip6, hlim=64) / UDP(sport=40000 + seed, dport=9999)
    return sized(pkt, size, seed)


SYN_OPTS = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None), ("WScale", 7)]

# --------------------------------------------------------------------------
# addresses (fixed; destinations are never used as a source anywhere)

VM1, VM2, VM3 = "02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03"
MONVM = "02:00:00:00:00:0a"           # the monitoring VM behind mon1
REM_A = "02:00:00:00:10:01"           # a host behind the uplink, VLAN 100
REM_B = "02:00:00:00:20:01"           # a host behind the uplink, VLAN 200
REM_300 = "02:00:00:00:30:01"         # sends on VLAN 300 (no such network)
REM_UNTAG = "02:00:00:00:40:01"       # sends untagged on the trunk


def unknown(n):
    return f"02:00:00:00:ee:{n:02x}"  # unicast MACs no port ever sends from


MCAST4 = "01:00:5e:01:02:03"          # 239.1.2.3
LOCALMC4 = "01:00:5e:00:00:fb"        # 224.0.0.251 (link-local group)
ALLNODES6 = "33:33:00:00:00:01"       # ff02::1
SOLNODE6 = "33:33:ff:00:00:10"        # ff02::1:ff00:10


def base_inputs():
    """The production traffic every mirroring case replays (same bytes)."""
    vm1 = [
        arp_req(VM1, "10.1.0.1", "10.1.0.2"),                                             # 60 B bcast
        udp(VM1, unknown(1), "10.1.0.1", "10.1.0.100", 5000, 5001, 128, seed=11),
        tcp(VM1, unknown(2), "10.1.0.1", "10.1.0.101", 33000, 80, 74, flags="S", seed=12,
            options=SYN_OPTS),
        udp(VM1, MCAST4, "10.1.0.1", "239.1.2.3", 5000, 5001, 300, seed=13),
        icmp6_echo(VM1, ALLNODES6, "fd00:a::1", "ff02::1", 118, seed=14),
        tcp(VM1, unknown(2), "10.1.0.1", "10.1.0.101", 33000, 80, 1514, seq=1001, seed=15),  # max size
        udp(VM1, BCAST, "10.1.0.1", "10.1.0.255", 6000, 6001, 64, vlan=100, seed=16),     # tagged: dropped
        udp(VM1, unknown(3), "10.1.0.1", "10.1.0.102", 7000, 7001, 60, seed=17),          # min size
        tcp(VM1, unknown(2), "10.1.0.1", "10.1.0.101", 33000, 80, 590, seq=2461, seed=18),
        udp(VM1, LOCALMC4, "10.1.0.1", "224.0.0.251", 5004, 5004, 200, seed=19),
    ]
    vm2 = [
        arp_req(VM2, "10.1.0.2", "10.1.0.1"),
        udp(VM2, MCAST4, "10.1.0.2", "239.1.2.3", 5002, 5001, 1000, seed=21),
        tcp(VM2, unknown(4), "10.1.0.2", "10.1.0.103", 34000, 443, 1514, seed=22),
        udp6(VM2, SOLNODE6, "fd00:a::2", "ff02::1:ff00:10", 90, seed=23),
        udp(VM2, BCAST, "10.1.0.2", "10.1.0.255", 6000, 6001, 68, vlan=100, tpid=0x88A8, seed=24),  # QinQ: dropped
        udp(VM2, unknown(5), "10.1.0.2", "10.1.0.104", 7000, 7001, 60, seed=25),
        tcp(VM2, unknown(4), "10.1.0.2", "10.1.0.103", 34000, 443, 256, seq=2460, seed=26),
    ]
    vm3 = [  # tenant-b: reuses tenant-a's multicast group and an unknown MAC on purpose
        arp_req(VM3, "10.2.0.3", "10.2.0.20"),
        udp(VM3, MCAST4, "10.2.0.3", "239.1.2.3", 5003, 5001, 400, seed=31),
        tcp(VM3, unknown(6), "10.2.0.3", "10.2.0.105", 35000, 22, 1514, seed=32),
        icmp6_echo(VM3, ALLNODES6, "fd00:b::3", "ff02::1", 100, seed=33),
        udp(VM3, unknown(1), "10.2.0.3", "10.2.0.100", 7000, 7001, 60, seed=34),
    ]
    uplink = [
        arp_req(REM_A, "10.1.0.10", "10.1.0.1", vlan=100),                                # 64 B -> 60 B
        udp(REM_A, unknown(7), "10.1.0.10", "10.1.0.106", 5000, 5001, 200, vlan=100, seed=41),
        udp(REM_B, MCAST4, "10.2.0.20", "239.1.2.3", 5000, 5001, 300, vlan=200, seed=42),
        arp_req(REM_300, "10.3.0.30", "10.3.0.1", vlan=300),                              # unknown VLAN
        udp(REM_UNTAG, BCAST, "10.9.0.40", "10.9.0.255", 5000, 5001, 100, seed=43),      # untagged
        icmp6_echo(REM_A, ALLNODES6, "fd00:a::10", "ff02::1", 150, vlan=100, seed=44),
        tcp(REM_A, unknown(8), "10.1.0.10", "10.1.0.107", 36000, 80, 1518, vlan=100, seed=45),  # -> 1514 B
        tcp(REM_B, unknown(9), "10.2.0.20", "10.2.0.108", 37000, 80, 700, vlan=200, seed=46),
        udp(REM_300, unknown(10), "10.3.0.30", "10.3.0.109", 5000, 5001, 500, vlan=300, seed=47),
        arp_req(REM_UNTAG, "10.9.0.40", "10.9.0.1"),                                      # untagged
        arp_req(REM_B, "10.2.0.20", "10.2.0.3", vlan=200),
        udp(REM_A, LOCALMC4, "10.1.0.10", "224.0.0.251", 5004, 5004, 80, vlan=100, seed=48),
    ]
    return {"vm1": vm1, "vm2": vm2, "vm3": vm3, "uplink": uplink}


def monitor_inputs():
    """What the monitoring VM behind mon1 sends: taasd must drop all of it."""
    return [
        arp_req(MONVM, "10.1.0.9", "10.1.0.1"),
        udp(MONVM, MCAST4, "10.1.0.9", "239.1.2.3", 5000, 5001, 200, seed=51),
        udp(MONVM, BCAST, "10.1.0.9", "10.1.0.255", 5000, 5001, 64, vlan=100, seed=52),
        icmp6_echo(MONVM, ALLNODES6, "fd00:a::9", "ff02::1", 100, seed=53),
        udp(MONVM, unknown(1), "10.1.0.9", "10.1.0.100", 5000, 5001, 1514, seed=54),
    ]


# --------------------------------------------------------------------------
# the model

NETWORKS = [("tenant-a", 100), ("tenant-b", 200)]
RX_DROP_REASONS = ["monitor_port", "malformed", "vlan_mismatch", "hairpin", "no_path", "nombuf"]


@dataclass
class Port:
    name: str
    role: str                 # vm | uplink | monitor
    network: str | None = None
    rx: bool = True           # has an rx_pcap
    tx: bool = True           # has a tx_pcap


@dataclass
class Flow:
    name: str
    source_port: str
    tap_service: str
    direction: str            # as written in the intent (case-insensitive)


@dataclass
class Model:
    ports: list
    services: dict            # service name -> port name
    flows: list
    outputs: dict = field(default_factory=dict)   # port -> [(frame, label)]
    stats: dict = field(default_factory=dict)
    copies: list = field(default_factory=list)    # [(flow, "IN"|"OUT", frame)], in order

    def run(self, inputs):
        vlan_of = dict(NETWORKS)
        net_of_vlan = {v: n for n, v in NETWORKS}
        self.outputs = {p.name: [] for p in self.ports if p.tx}
        self.copies = []
        # rx_dropped_by and tx_nombuf: the reasons of include/taas/counters.hpp
        ports = {p.name: dict(rx_packets=0, rx_bytes=0, tx_packets=0, tx_bytes=0, rx_dropped=0,
                              tx_dropped=0, tx_nombuf=0,
                              rx_dropped_by={r: 0 for r in RX_DROP_REASONS})
                 for p in self.ports}
        services = {s: dict(packets=0, bytes=0,
                            dropped=dict(nombuf=0, tx_full=0, no_neighbor=0, port_down=0))
                    for s in self.services}
        flows = {f.name: dict(packets=0, bytes=0) for f in self.flows}
        uplink = next((p.name for p in self.ports if p.role == "uplink"), None)

        def transmit(port, frame, label):
            self.outputs[port].append((frame, label))
            ports[port]["tx_packets"] += 1
            ports[port]["tx_bytes"] += len(frame)

        def mirror(port, frame, wanted):
            for f in self.flows:
                if f.source_port == port and f.direction.upper() in (wanted, "BOTH"):
                    svc_port = self.services[f.tap_service]
                    transmit(svc_port, frame, f.name)
                    self.copies.append((f, wanted, frame))
                    flows[f.name]["packets"] += 1
                    flows[f.name]["bytes"] += len(frame)
                    services[f.tap_service]["packets"] += 1
                    services[f.tap_service]["bytes"] += len(frame)

        def rx_drop(port, why):
            ports[port]["rx_dropped"] += 1
            ports[port]["rx_dropped_by"][why] += 1

        def deliver_to_vm(port, frame):
            transmit(port, frame, "production")
            mirror(port, frame, "IN")

        for p in self.ports:  # the order does not matter: no learning is used
            for frame in inputs.get(p.name, []):
                ports[p.name]["rx_packets"] += 1
                ports[p.name]["rx_bytes"] += len(frame)
                ethertype = int.from_bytes(frame[12:14], "big")
                if p.role == "monitor":
                    rx_drop(p.name, "monitor_port")
                    continue
                if p.role == "vm":
                    mirror(p.name, frame, "OUT")   # what the VM sent, even if dropped below
                    if ethertype in (0x8100, 0x88A8):
                        rx_drop(p.name, "vlan_mismatch")
                        continue
                    others = [q.name for q in self.ports
                              if q.role == "vm" and q.network == p.network and q.name != p.name]
                    for q in others:
                        deliver_to_vm(q, frame)
                    if uplink:
                        tci = vlan_of[p.network] & 0x0FFF
                        transmit(uplink, frame[:12] + struct.pack(">HH", 0x8100, tci) + frame[12:],
                                 "production")
                    if not others and not uplink:
                        rx_drop(p.name, "no_path")
                    continue
                # uplink (trunk)
                vid = int.from_bytes(frame[14:16], "big") & 0x0FFF if ethertype == 0x8100 else None
                net = net_of_vlan.get(vid)
                if net is None:  # untagged, or a VLAN no network uses
                    rx_drop(p.name, "vlan_mismatch")
                    continue
                members = [q.name for q in self.ports if q.role == "vm" and q.network == net]
                if not members:
                    rx_drop(p.name, "no_path")
                for q in members:
                    deliver_to_vm(q, frame[:12] + frame[16:])
        self.stats = {"generation": 1, "ports": ports, "tap_services": services, "tap_flows": flows}
        return self


def check_no_learning_dependence(inputs):
    """Every destination is a group address or a MAC no port sends from."""
    sources = {f[6:12] for frames in inputs.values() for f in frames}
    for port, frames in inputs.items():
        for i, f in enumerate(frames):
            if not f[0] & 1 and f[0:6] in sources:
                raise SystemExit(f"gen_e2e: {port} frame {i} goes to a learnable MAC")
    senders = {}
    for port, frames in inputs.items():
        for f in frames:
            if senders.setdefault(f[6:12], port) != port:
                raise SystemExit(f"gen_e2e: a source MAC is used on two ports ({port})")


# --------------------------------------------------------------------------
# intents

HEADER = """\
# e2e case {case}: {doc}
# Generated by tests/tools/gen_e2e.py from its model of the switching and
# mirroring semantics; edit the generator, not this file.
# Paths are relative to the run directory (a copy of this folder).
"""


def device(idx, port, mon_rx=False):
    args = [f"net_pcap{idx}"]
    if port.rx or mon_rx:
        args.append(f"rx_pcap=in/{port.name}.pcap")
    args.append(f"tx_pcap=out/{port.name}.pcap")
    return ",".join(args)


def case_ports(mon1_rx=False):
    return [
        Port("vm1", "vm", "tenant-a"),
        Port("vm2", "vm", "tenant-a"),
        Port("vm3", "vm", "tenant-b"),
        Port("uplink", "uplink"),
        Port("mon1", "monitor", rx=mon1_rx),
        Port("mon2", "monitor", rx=False),
    ]


def intent_lines(case, doc, ports, flows, flow_lines=None):
    """The intent as a list of lines. flow_lines, when given, replaces the
    tap_flows section body (error cases write it by hand)."""
    out = HEADER.format(case=case, doc=doc).splitlines()
    out += ["version: 1", "dataplane:", "  workers: 1", "networks:"]
    out += [f"  - {{name: {n}, vlan: {v}}}" for n, v in NETWORKS]
    out += ["ports:"]
    for i, p in enumerate(ports):
        out += [f"  - name: {p.name}", f'    device: "{device(i, p)}"', f"    role: {p.role}"]
        if p.network:
            out += [f"    network: {p.network}"]
    out += ["tap_services:", "  - name: ts_1", "    port: mon1", "  - name: ts_2", "    port: mon2"]
    if flow_lines is not None:
        out += ["tap_flows:"] + flow_lines
    elif not flows:
        out += ["tap_flows: []   # the production baseline: nothing is mirrored"]
    else:
        out += ["tap_flows:"]
        for f in flows:
            out += [f"  - name: {f.name}", f"    source_port: {f.source_port}",
                    f"    tap_service: {f.tap_service}", f"    direction: {f.direction}"]
    return out


# --------------------------------------------------------------------------
# cases

CASES = [
    ("no_flow", "the production baseline: services exist, no tap flows", False, []),
    ("out_only", "vm1 OUT -> ts_1 (mon1): every frame vm1 sends, tagged one included", False,
     [Flow("tf_vm1_out", "vm1", "ts_1", "OUT")]),
    ("in_only", "vm1 IN -> ts_1 (mon1): every frame delivered to vm1, untagged", False,
     [Flow("tf_vm1_in", "vm1", "ts_1", "IN")]),
    ("both", "vm1 BOTH -> ts_1 (mon1)", False,
     [Flow("tf_vm1_both", "vm1", "ts_1", "BOTH")]),
    ("two_flows_one_source", "vm1 IN and vm1 OUT -> ts_1 via two flows (direction is "
     "case-insensitive)", False,
     [Flow("tf_vm1_in", "vm1", "ts_1", "in"), Flow("tf_vm1_out", "vm1", "ts_1", "Out")]),
    ("several_flows_one_service", "vm1 OUT and vm2 BOTH -> ts_1: a frame vm1 floods to vm2 "
     "is copied twice", False,
     [Flow("tf_vm1_out", "vm1", "ts_1", "OUT"), Flow("tf_vm2_both", "vm2", "ts_1", "BOTH")]),
    ("two_services_one_source", "vm1 BOTH -> ts_1 (mon1) and vm1 OUT -> ts_2 (mon2)", False,
     [Flow("tf_vm1_both", "vm1", "ts_1", "BOTH"), Flow("tf_vm1_out", "vm1", "ts_2", "OUT")]),
    ("monitor_rx_dropped", "the monitoring VM on mon1 sends frames: they go nowhere and "
     "count as mon1 rx_dropped", True,
     [Flow("tf_vm1_both", "vm1", "ts_1", "BOTH")]),
    ("isolation", "tenant-b traffic never reaches tenant-a ports or their mirrors; unknown "
     "VLAN and untagged uplink frames are dropped", False,
     [Flow("tf_vm1_both", "vm1", "ts_1", "BOTH"), Flow("tf_vm3_both", "vm3", "ts_2", "BOTH")]),
]


def flow_block(name, src, svc, direction):
    return [f"  - name: {name}", f"    source_port: {src}", f"    tap_service: {svc}",
            f"    direction: {direction}"]


def error_cases():
    """(case, doc, lines, marker line text, expected stderr fragments)."""
    ports = case_ports()
    cases = []

    def add(case, doc, flow_lines, marker, fragments, lines=None):
        lines = lines or intent_lines(case, doc, ports, None, flow_lines)
        hits = [i for i, l in enumerate(lines) if l == marker]
        assert len(hits) == 1, (case, marker, hits)
        line = hits[0] + 1
        cases.append((case, lines, {"exit_code": 2,
                                    "stderr_contains": ["taasd: error:", f"intent.yaml:{line}:"] + fragments}))

    add("bad_direction", "a tap flow direction that is not IN, OUT or BOTH",
        flow_block("tf_1", "vm1", "ts_1", "SIDEWAYS"),
        "    direction: SIDEWAYS", ["tap_flows[0].direction", "SIDEWAYS"])
    add("unknown_source_port", "a tap flow whose source port does not exist",
        flow_block("tf_1", "vm1", "ts_1", "OUT") + flow_block("tf_2", "nosuch", "ts_1", "IN"),
        "    source_port: nosuch", ["tap_flows[1].source_port", "nosuch"])
    add("unknown_tap_service", "a tap flow into a service that does not exist",
        flow_block("tf_1", "vm1", "ts_nosuch", "BOTH"),
        "    tap_service: ts_nosuch", ["tap_flows[0].tap_service", "ts_nosuch"])
    add("service_port_as_source", "a tap flow whose source is a tap service's port",
        flow_block("tf_1", "mon1", "ts_1", "OUT"),
        "    source_port: mon1", ["tap_flows[0].source_port"])
    # The duplicate is written on one line so that whichever of its fields
    # the error names, the line is the same.
    dup = "  - {name: tf_2, source_port: vm1, tap_service: ts_1, direction: OUT}"
    add("duplicate_flow", "two tap flows with the same source, service and direction",
        flow_block("tf_1", "vm1", "ts_1", "OUT") + [dup], dup, ["tap_flows[1]"])
    # Extra indentation on a port's `role:` line; yaml-cpp reports that line.
    lines = intent_lines("yaml_syntax", "invalid YAML (a key indented too far)", ports, None,
                         flow_block("tf_1", "vm1", "ts_1", "OUT"))
    i = lines.index("    role: vm")
    lines[i] = "     role: vm"
    add("yaml_syntax", "", None, "     role: vm", [], lines=lines)
    return cases


# --------------------------------------------------------------------------
# demo capture (learning allowed; no expected output)

ROUTER = "02:00:00:00:10:fe"  # the tenant-a gateway behind the uplink


def demo_inputs():
    a, b = ("10.1.0.1", 40000), ("10.1.0.2", 8080)
    vm1, vm2, up = [], [], []
    vm1.append(arp_req(VM1, "10.1.0.1", "10.1.0.2"))
    vm2.append(arp_reply(VM2, "10.1.0.2", VM1, "10.1.0.1"))
    # TCP conversation vm1:40000 -> vm2:8080
    s1, s2 = 1_000_000, 2_000_000

    def seg(src, dst, frm, to, flags, seq, ack, size, seed, opts=None):
        return tcp(src, dst, frm[0], to[0], frm[1], to[1], size, flags=flags, seq=seq, ack=ack,
                   seed=seed, options=opts)

    vm1.append(seg(VM1, VM2, a, b, "S", s1, 0, 74, 61, SYN_OPTS))
    vm2.append(seg(VM2, VM1, b, a, "SA", s2, s1 + 1, 74, 62, SYN_OPTS))
    vm1.append(seg(VM1, VM2, a, b, "A", s1 + 1, s2 + 1, 60, 63))
    hdr = 54
    seq = s1 + 1
    for i, size in enumerate((200, 1514, 700)):
        vm1.append(seg(VM1, VM2, a, b, "PA", seq, s2 + 1, size, 64 + i))
        seq += size - hdr
        vm2.append(seg(VM2, VM1, b, a, "A", s2 + 1, seq, 60, 70 + i))
    vm2.append(seg(VM2, VM1, b, a, "PA", s2 + 1, seq, 400, 73))   # the reply
    s2b = s2 + 1 + 400 - hdr
    vm1.append(seg(VM1, VM2, a, b, "FA", seq, s2b, 60, 74))
    vm2.append(seg(VM2, VM1, b, a, "FA", s2b, seq + 1, 60, 75))
    vm1.append(seg(VM1, VM2, a, b, "A", seq + 1, s2b + 1, 60, 76))
    # vm1 talks to its gateway behind the uplink (VLAN 100 on the trunk)
    vm1.append(arp_req(VM1, "10.1.0.1", "10.1.0.254"))
    up.append(arp_reply(ROUTER, "10.1.0.254", VM1, "10.1.0.1", vlan=100))
    for i in range(3):
        echo = IP(src="10.1.0.1", dst="198.51.100.1", id=80 + i) / ICMP(type=8, id=7, seq=i + 1)
        vm1.append(sized(Ether(src=VM1, dst=ROUTER) / echo, 98, 80 + i))
        reply = IP(src="198.51.100.1", dst="10.1.0.1", id=90 + i) / ICMP(type=0, id=7, seq=i + 1)
        up.append(sized(Ether(src=ROUTER, dst=VM1) / Dot1Q(vlan=100) / reply, 102, 80 + i))
    # IPv6 between vm2 and the gateway
    vm2.append(sized(Ether(src=VM2, dst=ROUTER) / IPv6(src="fd00:a::2", dst="fd00:a::fe") /
                     ICMPv6EchoRequest(id=9, seq=1), 118, 85))
    up.append(sized(Ether(src=ROUTER, dst=VM2) / Dot1Q(vlan=100) / IPv6(src="fd00:a::fe", dst="fd00:a::2") /
                    ICMPv6EchoReply(id=9, seq=1), 122, 85))
    # broadcasts: one from the network, one from vm2
    up.append(arp_req(ROUTER, "10.1.0.254", "10.1.0.3", vlan=100))
    discover = (Ether(src=VM2, dst=BCAST) / IP(src="0.0.0.0", dst="255.255.255.255", id=86) /
                UDP(sport=68, dport=67) /
                BOOTP(op=1, xid=0x7A5D0001, chaddr=bytes.fromhex("020000000002") + bytes(10)) /
                DHCP(options=[("message-type", "discover"), "end"]))
    vm2.append(bytes(discover))
    return {"vm1": vm1, "vm2": vm2, "uplink": up}




# --------------------------------------------------------------------------
# writing

def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)


def dump_json(obj):
    return json.dumps(obj, indent=2, sort_keys=False) + "\n"


def generate(root):
    e2e = root / "tests" / "e2e"
    base = base_inputs()
    check_no_learning_dependence({**base, "mon1": monitor_inputs()})
    production = None
    for case, doc, mon1_rx, flows in CASES:
        d = e2e / case
        ports = case_ports(mon1_rx)
        inputs = dict(base)
        if mon1_rx:
            inputs["mon1"] = monitor_inputs()
        m = Model(ports, {"ts_1": "mon1", "ts_2": "mon2"}, flows).run(inputs)
        write(d / "intent.yaml", "\n".join(intent_lines(case, doc, ports, flows)) + "\n")
        for name, frames in inputs.items():
            write(d / "in" / f"{name}.pcap", pcap_bytes(frames))
        for name, out in m.outputs.items():
            write(d / "expect" / f"{name}.pcap", pcap_bytes([f for f, _ in out]))
            labels = sorted({lab for _, lab in out if lab != "production"})
            if len(labels) > 1:
                streams = {lab: [i for i, (_, l) in enumerate(out) if l == lab] for lab in labels}
                write(d / "expect" / f"{name}.streams.json", dump_json({
                    "comment": "Frame indices (0-based) of expect/" + name + ".pcap per tap flow. "
                               "Within one source MAC, out/" + name + ".pcap must be an interleaving "
                               "of these per-flow sequences.",
                    "streams": streams}))
        write(d / "expect-stats.json", dump_json(m.stats))
        prod = {p: [f for f, lab in out if lab == "production"] for p, out in m.outputs.items()}
        if production is None:
            production = prod
        elif prod != production:  # mirroring never changes production traffic
            raise SystemExit(f"gen_e2e: production output of {case} differs from no_flow")
    for case, lines, expect in error_cases():
        d = e2e / case
        write(d / "intent.yaml", "\n".join(lines) + "\n")
        for name, frames in base.items():
            write(d / "in" / f"{name}.pcap", pcap_bytes(frames))
        write(d / "expect-error.json", dump_json(expect))
    import gen_e2e_encap  # remote mirroring (ERSPAN, VXLAN): its own module
    gen_e2e_encap.generate(e2e, base)
    demo = demo_inputs()
    for name, frames in demo.items():
        assert len(frames) < 32
        write(root / "conf" / "demo" / f"{name}.pcap", pcap_bytes(frames))


def case_names():
    import gen_e2e_encap
    return [c[0] for c in CASES] + [c[0] for c in error_cases()] + gen_e2e_encap.case_names()


def compare_trees(fresh, repo):
    bad = []
    for f in sorted(fresh.rglob("*")):
        if f.is_file():
            rel = f.relative_to(fresh)
            other = repo / rel
            if not other.is_file() or not filecmp.cmp(f, other, shallow=False):
                bad.append(str(rel))
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=REPO, help="tree to write into (default: the repo)")
    ap.add_argument("--check", action="store_true", help="fail if the committed fixtures are stale")
    ap.add_argument("--list", action="store_true", help="print the case names")
    args = ap.parse_args()
    if args.list:
        print("\n".join(case_names()))
        return 0
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp))
            bad = compare_trees(Path(tmp), args.root)
        for rel in bad:
            print(f"stale or missing: {rel}")
        if bad:
            print("gen_e2e: run tests/tools/gen_e2e.py and commit its output")
            return 1
        print("gen_e2e: fixtures are up to date")
        return 0
    generate(args.root)
    meson = (args.root / "tests" / "e2e" / "meson.build")
    if meson.is_file():
        text = meson.read_text()
        missing = [c for c in case_names() if f"'{c}'" not in text]
        if missing:
            print(f"gen_e2e: warning: not registered in tests/e2e/meson.build: {missing}", file=sys.stderr)
    print(f"gen_e2e: wrote {len(case_names())} cases and the demo capture under {args.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
