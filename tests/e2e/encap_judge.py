"""Judges the encapsulated copies of a taasd e2e case (ERSPAN II, ERSPAN III,
VXLAN over IPv4/IPv6) with decoders no one here wrote: scapy and tshark.

run_e2e.py calls judge_port() for every port that has an
expect/<port>.encap.json (written by tests/tools/gen_e2e_encap.py). The
port's out pcap is split into
  - copies: untagged IPv4/IPv6 frames whose outer destination address is one
    of the doc's collectors;
  - ARP replies taasd sent for its underlay address (untagged ARP, op 2,
    sent from the port's MAC or for an underlay address);
  - the rest, returned to run_e2e.py and compared byte-exact with
    expect/<port>.pcap like any port-mode output.
Each copy is decoded by scapy (Ether / IP|IPv6 / GRE / ERSPAN_II|ERSPAN_III
[/ ERSPAN_PlatformSpecific] / Ether, or UDP / VXLAN / Ether) and every outer
field is checked against the session's description: MACs (source = the
port's "mac" in stats.json), addresses, TTL / hop limit, DSCP, ECN 0, DF,
IHL, flow label, lengths, header checksum (recomputed here, RFC 1071), MTU;
GRE flags exactly 0x1000 and protocol; ERSPAN version, session, VLAN, COS,
En / BSO, T, Index, HwID, D, Gra, O, SGT/P/FT, subheader; VXLAN flags, VNI,
UDP destination, source port range, UDP checksum (0 over IPv4; over IPv6
recomputed here from the pseudo-header). Per session, the (inner frame,
per-frame bits) records must equal the expected multiset, keep each flow's
order within one inner sender, carry GRE sequence numbers 0..n-1 in output
order and ERSPAN III timestamps inside the run's wall-clock window; VXLAN
copies of one inner flow share one UDP source port. tshark decodes the same
pcap independently and must agree: ERSPAN Type II / III or VXLAN in
frame.protocols, version, span id, sequence, direction, truncation, index,
hardware id, VNI, checksum statuses and the inner Ethernet addresses.
"""

import collections
import ipaddress
import json
import logging
import shutil
import struct
import subprocess
from pathlib import Path

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.contrib.erspan import ERSPAN_II, ERSPAN_III, ERSPAN_PlatformSpecific  # noqa: E402
from scapy.layers.inet import GRE, IP, UDP  # noqa: E402
from scapy.layers.inet6 import IPv6  # noqa: E402
from scapy.layers.l2 import ARP, Ether  # noqa: E402
from scapy.layers.vxlan import VXLAN  # noqa: E402
from scapy.packet import bind_layers  # noqa: E402

TS_TOLERANCE_S = 5.0          # wall clock vs ERSPAN III timestamps
GRA_PER_S = {0: 10_000, 1: 10_000_000}   # 100 µs, 100 ns units
FRAME_KEYS = {"erspan2": ("vlan", "cos", "en", "t", "index"),
              "erspan3": ("vlan", "cos", "bso", "t", "d", "port_id"),
              "vxlan": ()}


def read_frames(path):
    """Frames of a pcap gen_e2e.py wrote (µs, little endian)."""
    data = Path(path).read_bytes()
    out, off = [], 24
    while off < len(data):
        n = struct.unpack("<IIII", data[off:off + 16])[2]
        out.append(data[off + 16:off + 16 + n])
        off += 16 + n
    return out


def csum(data):
    """RFC 1071 internet checksum (inverted), computed here, not by scapy."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp6_csum(ip6_raw, udp_raw):
    """UDP checksum over IPv6 (RFC 8200 §8.1 pseudo-header), 0 mapped to 0xffff."""
    pseudo = ip6_raw[8:40] + struct.pack("!IxxxB", len(udp_raw), 17)
    c = csum(pseudo + udp_raw[:6] + b"\0\0" + udp_raw[8:])
    return c or 0xFFFF


def mac_str(b):
    return ":".join(f"{x:02x}" for x in b)


class Problems:
    """Collects failures by kind so that one broken field is one FAIL line."""

    def __init__(self, rep, where):
        self.rep, self.where, self.kinds = rep, where, collections.OrderedDict()

    def check(self, cond, kind, detail):
        if not cond:
            self.kinds.setdefault(kind, []).append(detail)
        return cond

    def flush(self):
        for kind, details in self.kinds.items():
            more = [f"... and {len(details) - 6} more"] if len(details) > 6 else []
            self.rep.fail(f"{self.where}: {kind} ({len(details)} frame(s))", details[:6] + more)
        return not self.kinds


# --------------------------------------------------------------------------
# classification


def classify(frames, doc, port_mac):
    """(copies [(out index, frame)], arps [(out index, frame)], rest [frame])."""
    collectors = {ipaddress.ip_address(c) for c in doc["collectors"]}
    locals_ = {r["psrc"] for r in doc.get("arp_replies", [])}
    copies, arps, rest = [], [], []
    for i, f in enumerate(frames):
        et = int.from_bytes(f[12:14], "big") if len(f) >= 14 else 0
        dst = None
        if et == 0x0800 and len(f) >= 34:
            dst = ipaddress.ip_address(f[30:34])
        elif et == 0x86DD and len(f) >= 54:
            dst = ipaddress.ip_address(f[38:54])
        if dst is not None and dst in collectors:
            copies.append((i, f))
        elif et == 0x0806 and len(f) >= 42 and f[20:22] == b"\0\x02" and (
                (port_mac and f[6:12] == port_mac) or
                str(ipaddress.ip_address(f[28:32])) in locals_):
            arps.append((i, f))
        else:
            rest.append(f)
    return copies, arps, rest


# --------------------------------------------------------------------------
# scapy: one copy -> (session key, record, facts)


def decode_copy(raw, sess_by_key, port_mac, p, tag):
    """Decodes and checks one copy; returns (key, record, facts) or None."""
    pkt = Ether(raw)
    v6 = raw[12:14] == b"\x86\xdd"
    ip = pkt[IPv6] if v6 else pkt[IP]
    gre = pkt[GRE] if GRE in pkt else None
    if gre is not None:
        kind = {0x88BE: "erspan2", 0x22EB: "erspan3"}.get(gre.proto, f"gre-0x{gre.proto:04x}")
        layer = ERSPAN_II if kind == "erspan2" else ERSPAN_III
        if layer not in pkt:
            p.check(False, "not decoded as ERSPAN by scapy", f"{tag}: {pkt.summary()}")
            return None
        e = pkt[layer]
        key = (str(ipaddress.ip_address(ip.dst)), kind, e.session_id)
    elif UDP in pkt and VXLAN in pkt:
        kind, e = "vxlan", pkt[VXLAN]
        key = (str(ipaddress.ip_address(ip.dst)), kind, e.vni, pkt[UDP].dport)
    else:
        p.check(False, "neither GRE/ERSPAN nor UDP/VXLAN", f"{tag}: {pkt.summary()}")
        return None
    s = sess_by_key.get(key)
    if not p.check(s is not None, "copy of no expected session", f"{tag}: key {key}"):
        return None
    o = s["outer"]
    # Ethernet
    p.check(pkt.dst == o["dst_mac"], "outer destination MAC", f"{tag}: {pkt.dst}, want {o['dst_mac']}")
    if port_mac:
        p.check(raw[6:12] == port_mac, "outer source MAC is not the port's MAC",
                f"{tag}: {pkt.src}, want {mac_str(port_mac)}")
    # IP
    l3 = raw[14:]
    if v6:
        p.check(ip.version == 6 and ip.tc == o["dscp"] << 2 and ip.fl == 0,
                "IPv6 traffic class / flow label", f"{tag}: tc {ip.tc} fl {ip.fl}, want tc {o['dscp'] << 2} fl 0")
        p.check(ip.hlim == o["ttl"], "IPv6 hop limit", f"{tag}: {ip.hlim}, want {o['ttl']}")
        p.check(ip.nh == (17 if kind == "vxlan" else 47), "IPv6 next header", f"{tag}: {ip.nh}")
        p.check(ip.plen == len(l3) - 40, "IPv6 payload length", f"{tag}: {ip.plen}, frame has {len(l3) - 40}")
        iplen = len(l3)
    else:
        p.check(ip.ihl == 5 and ip.version == 4, "IPv4 version / IHL", f"{tag}: ihl {ip.ihl}")
        p.check(ip.tos == o["dscp"] << 2, "IPv4 DSCP / ECN", f"{tag}: tos 0x{ip.tos:02x}, want 0x{o['dscp'] << 2:02x}")
        p.check(int(ip.flags) == 2 and ip.frag == 0, "IPv4 DF / fragment", f"{tag}: flags {ip.flags} frag {ip.frag}")
        p.check(ip.ttl == o["ttl"], "IPv4 TTL", f"{tag}: {ip.ttl}, want {o['ttl']}")
        p.check(ip.proto == (17 if kind == "vxlan" else 47), "IPv4 protocol", f"{tag}: {ip.proto}")
        p.check(ip.len == len(l3), "IPv4 total length", f"{tag}: {ip.len}, frame has {len(l3)}")
        p.check(csum(l3[:20]) == 0, "IPv4 header checksum", f"{tag}: 0x{ip.chksum:04x} is wrong")
        iplen = len(l3)
    p.check(str(ipaddress.ip_address(ip.src)) == o["src_ip"], "outer source address",
            f"{tag}: {ip.src}, want {o['src_ip']}")
    p.check(iplen <= o["mtu"], "outer IP packet longer than the underlay MTU", f"{tag}: {iplen} > {o['mtu']}")
    facts = {}
    if kind == "vxlan":
        u = pkt[UDP]
        l4 = l3[40 if v6 else 20:]
        p.check(u.dport == s["udp_port"], "UDP destination port", f"{tag}: {u.dport}")
        p.check(49152 <= u.sport <= 65535, "UDP source port outside 49152..65535", f"{tag}: {u.sport}")
        p.check(u.len == len(l4), "UDP length", f"{tag}: {u.len}, packet has {len(l4)}")
        if v6:
            want = udp6_csum(l3[:40], l4)
            p.check(u.chksum == want, "IPv6 UDP checksum", f"{tag}: 0x{u.chksum:04x}, computed 0x{want:04x}")
        else:
            p.check(u.chksum == 0, "IPv4 UDP checksum must be 0", f"{tag}: 0x{u.chksum:04x}")
        vx = bytes(l4[8:16])
        p.check(vx[0] == 0x08 and vx[1:4] == b"\0\0\0" and vx[7] == 0, "VXLAN flags / reserved bits",
                f"{tag}: {vx.hex()}")
        p.check(e.vni == s["vni"], "VNI", f"{tag}: {e.vni}")
        facts["sport"] = u.sport
        inner_layer = e.payload
        rec = {}
    else:
        gre_raw = l3[40 if v6 else 20:]
        flags = int.from_bytes(gre_raw[0:2], "big")
        p.check(flags == 0x1000, "GRE flags/version must be exactly 0x1000", f"{tag}: 0x{flags:04x}")
        facts["seq"] = gre.seqence_number
        if kind == "erspan2":
            p.check(e.ver == 1, "ERSPAN II version", f"{tag}: {e.ver}")
            p.check(e.reserved == 0, "ERSPAN II reserved bits", f"{tag}: {e.reserved}")
            rec = dict(vlan=e.vlan, cos=e.cos, en=e.en, t=e.t, index=e.index)
            inner_layer = e.payload
        else:
            p.check(e.ver == 2, "ERSPAN III version", f"{tag}: {e.ver}")
            p.check(e.sgt_other == 0 and e.p == 0 and e.ft == 0, "ERSPAN III SGT / P / FT",
                    f"{tag}: sgt {e.sgt_other} p {e.p} ft {e.ft}")
            p.check(e.hw == s["hwid"], "ERSPAN III HwID", f"{tag}: {e.hw}, want {s['hwid']}")
            p.check(e.gra == s["gra"], "ERSPAN III Gra", f"{tag}: {e.gra}, want {s['gra']}")
            p.check(e.o == int(s["platform_subheader"]), "ERSPAN III O bit", f"{tag}: {e.o}")
            rec = dict(vlan=e.vlan, cos=e.cos, bso=e.bso, t=e.t, d=e.d)
            ts = e.timestamp
            inner_layer = e.payload
            if e.o:
                ps = pkt[ERSPAN_PlatformSpecific] if ERSPAN_PlatformSpecific in pkt else None
                if p.check(ps is not None, "platform subheader missing", tag):
                    p.check(ps.platf_id == 3 and ps.info1 >> 14 == 0, "subheader Platform ID 3 / reserved",
                            f"{tag}: id {ps.platf_id} info1 0x{ps.info1:x}")
                    rec["port_id"] = ps.info1 & 0x3FFF
                    ts |= ps.info2 << 32
                    facts["ts_full"] = True
                    inner_layer = ps.payload
            facts["ts"] = ts
    inner = bytes(inner_layer)
    p.check(isinstance(inner_layer, Ether) and raw.endswith(inner), "inner frame not decoded as Ethernet",
            f"{tag}: {inner_layer.summary() if hasattr(inner_layer, 'summary') else inner_layer}")
    return key, (inner, tuple(sorted(rec.items()))), facts


def expected_record(s, inner, fr):
    keys = [k for k in FRAME_KEYS[s["encap"]] if k in fr]
    return inner, tuple(sorted((k, fr[k]) for k in keys))


def session_key(s):
    dst = str(ipaddress.ip_address(s["outer"]["dst_ip"]))
    if s["encap"] == "vxlan":
        return (dst, "vxlan", s["vni"], s["udp_port"])
    return (dst, s["encap"], s["session_id"])


def session_name(s):
    sid = f"vni {s['vni']}" if s["encap"] == "vxlan" else f"session {s['session_id']}"
    return f"{s['service']} ({s['encap']} IPv{s['ip_version']} {sid})"


# --------------------------------------------------------------------------
# order: each flow keeps its order within one inner sender


def interleaving_break(seq, streams):
    states = {tuple(0 for _ in streams)}
    for t, item in enumerate(seq):
        nxt = {st[:k] + (st[k] + 1,) + st[k + 1:] for st in states for k, s in enumerate(streams)
               if st[k] < len(s) and s[st[k]] == item}
        if not nxt:
            return t
        states = nxt
    return None


def rec_str(r):
    inner, bits = r
    fields = " ".join(f"{k}={v}" for k, v in bits)
    return f"{len(inner)} B {mac_str(inner[6:12])} > {mac_str(inner[0:6])} {fields}".rstrip()


def judge_session(s, expected, streams, got, p, window):
    """got: [(out index, record, facts)] in output order."""
    name = session_name(s)
    exp_c, act_c = collections.Counter(expected), collections.Counter(r for _, r, _ in got)
    missing, extra = exp_c - act_c, act_c - exp_c
    if missing or extra:
        details = [f"expected {len(expected)} copies, got {len(got)}"]
        details += [f"missing: {rec_str(r)}" for r in list(missing.elements())[:5]]
        for r in list(extra.elements())[:5]:
            i = next(i for i, rr, _ in got if rr == r)
            close = max(expected, key=lambda e: (e[0][6:12] == r[0][6:12], e[0] == r[0], e[1] == r[1]))
            details.append(f"unexpected out[{i}]: {rec_str(r)}")
            if close[0] == r[0]:
                details.append(f"  same inner frame expected with {rec_str(close)}")
        p.rep.fail(f"{p.where}: {name}: copies differ from the expected (inner frame, bits)", details)
        return False
    ok = True
    by_src = collections.OrderedDict()
    for r in expected:
        by_src.setdefault(r[0][6:12], None)
    for src in by_src:
        seq = [r for _, r, _ in got if r[0][6:12] == src]
        st = [[expected[i] for i in idx if expected[i][0][6:12] == src] for idx in streams.values()]
        t = interleaving_break(seq, [x for x in st if x])
        if t is not None:
            ok = False
            p.rep.fail(f"{p.where}: {name}: order of inner sender {mac_str(src)} differs",
                       [f"copy {t} of that sender: {rec_str(seq[t])}"])
    if s["encap"] != "vxlan":
        seqs = [f["seq"] for _, _, f in got]
        bad = [(k, q) for k, q in enumerate(seqs) if q != k]
        if bad:
            ok = False
            p.rep.fail(f"{p.where}: {name}: GRE sequence numbers are not 0..{len(seqs) - 1} in output order",
                       [f"copy {k} (out[{got[k][0]}]) has sequence {q}" for k, q in bad[:6]])
    if s["encap"] == "erspan3":
        unit = GRA_PER_S[s["gra"]]
        lo = int((window[0] - TS_TOLERANCE_S) * unit)
        hi = int((window[1] + TS_TOLERANCE_S) * unit)
        bad = []
        for i, _, f in got:
            ts = f["ts"]
            inside = lo <= ts <= hi if f.get("ts_full") else (ts - lo) % 2**32 <= hi - lo
            if not inside:
                bad.append(f"out[{i}] timestamp {ts}, run window [{lo}, {hi}] (mod 2^32 unless O=1)")
        if bad:
            ok = False
            p.rep.fail(f"{p.where}: {name}: ERSPAN III timestamps outside the run's wall clock", bad[:6])
    if s["encap"] == "vxlan":
        ports = collections.defaultdict(set)
        for i, r, f in got:
            ports[inner_flow_key(r[0])].add(f["sport"])
        split = {k: v for k, v in ports.items() if len(v) > 1}
        if split:
            ok = False
            p.rep.fail(f"{p.where}: {name}: one inner flow, several UDP source ports",
                       [f"{k}: {sorted(v)}" for k, v in list(split.items())[:6]])
    return ok


def inner_flow_key(inner):
    e = Ether(inner)
    key = [mac_str(inner[0:6]), mac_str(inner[6:12])]
    ipl = e[IP] if IP in e else e[IPv6] if IPv6 in e else None
    if ipl is None:
        return tuple(key + [e.type])
    key += [ipl.src, ipl.dst]
    l4 = ipl.payload
    if hasattr(l4, "sport") and hasattr(l4, "dport"):
        key += [l4.name, l4.sport, l4.dport]
    return tuple(str(x) for x in key)


# --------------------------------------------------------------------------
# tshark


TSHARK_FIELDS = ["frame.number", "frame.protocols", "ip.checksum.status", "erspan.version",
                 "erspan.spanid", "erspan.direction", "erspan.truncated", "erspan.index", "erspan.hw",
                 "erspan.gra", "erspan.timestamp", "erspan.o", "erspan.pid3.port_index",
                 "gre.sequence_number", "gre.flags.sequence_number", "vxlan.vni", "udp.srcport",
                 "udp.checksum.status", "eth.src", "eth.dst"]


def tshark_rows(pcap, sessions):
    tshark = shutil.which("tshark")
    if tshark is None:
        return None
    cmd = [tshark, "-n", "-r", str(pcap), "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"]
    for port in sorted({s["udp_port"] for s in sessions if s["encap"] == "vxlan"} - {4789}):
        cmd += ["-d", f"udp.port=={port},vxlan"]
    cmd += ["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [dict(zip(TSHARK_FIELDS, line.split("\t"))) for line in out.splitlines()]


def judge_tshark(rows, copies, p):
    """copies: [(out index, session, record, facts)]."""
    if rows is None:
        p.check(False, "tshark not installed: the second judge cannot run", "install tshark")
        return
    for i, s, rec, facts in copies:
        v = rows[i] if i < len(rows) else None
        tag = f"out[{i}] tshark"
        if not p.check(v is not None, "tshark decoded fewer frames than the pcap holds", tag):
            continue
        first = {k: val.split(",")[0] for k, val in v.items()}
        protos = v["frame.protocols"]
        bits = dict(rec[1])
        if s["ip_version"] == 4:
            p.check(first["ip.checksum.status"] == "1", "tshark: outer IPv4 checksum not good",
                    f"{tag}: ip.checksum.status {v['ip.checksum.status']}")
        if s["encap"] == "vxlan":
            p.check(":udp:vxlan:eth" in protos, "tshark: not decoded as VXLAN", f"{tag}: {protos}")
            p.check(first["vxlan.vni"] == str(s["vni"]), "tshark: vxlan.vni", f"{tag}: {v['vxlan.vni']}")
            p.check(first["udp.srcport"] == str(facts["sport"]), "tshark: udp.srcport", tag)
            want = "1" if s["ip_version"] == 6 else "3"   # 1 good, 3 not present (0)
            p.check(first["udp.checksum.status"] == want, "tshark: udp.checksum.status",
                    f"{tag}: {v['udp.checksum.status']}, want {want}")
        else:
            p.check(":gre:erspan:eth" in protos, "tshark: not decoded as GRE/ERSPAN", f"{tag}: {protos}")
            want_ver = "1" if s["encap"] == "erspan2" else "2"
            p.check(v["erspan.version"] == want_ver, "tshark: erspan.version (1 = Type II, 2 = Type III)",
                    f"{tag}: {v['erspan.version']}, want {want_ver}")
            p.check(v["erspan.spanid"] == str(s["session_id"]), "tshark: erspan.spanid",
                    f"{tag}: {v['erspan.spanid']}")
            p.check(first["gre.flags.sequence_number"] in ("1", "True"), "tshark: GRE S bit", tag)
            p.check(v["gre.sequence_number"] == str(facts["seq"]), "tshark: gre.sequence_number",
                    f"{tag}: {v['gre.sequence_number']} vs scapy {facts['seq']}")
            p.check(v["erspan.truncated"] == str(bits["t"]), "tshark: erspan.truncated",
                    f"{tag}: {v['erspan.truncated']}")
            if s["encap"] == "erspan2":
                p.check(v["erspan.index"] == str(bits["index"]), "tshark: erspan.index",
                        f"{tag}: {v['erspan.index']}")
            else:
                p.check(v["erspan.direction"] in (str(bits["d"]), ["False", "True"][bits["d"]]),
                        "tshark: erspan.direction", f"{tag}: {v['erspan.direction']}, want {bits['d']}")
                p.check(v["erspan.hw"] == str(s["hwid"]) and v["erspan.gra"] == str(s["gra"]),
                        "tshark: erspan.hw / erspan.gra", f"{tag}: {v['erspan.hw']} / {v['erspan.gra']}")
                p.check(v["erspan.timestamp"] == str(facts["ts"] & 0xFFFFFFFF), "tshark: erspan.timestamp",
                        f"{tag}: {v['erspan.timestamp']}")
                if s["platform_subheader"]:
                    p.check(v["erspan.pid3.port_index"] == str(bits.get("port_id")),
                            "tshark: erspan.pid3.port_index", f"{tag}: {v['erspan.pid3.port_index']}")
        macs_src, macs_dst = v["eth.src"].split(","), v["eth.dst"].split(",")
        inner = rec[0]
        p.check(len(macs_src) >= 2 and macs_src[1] == mac_str(inner[6:12]) and macs_dst[1] == mac_str(inner[0:6]),
                "tshark: inner Ethernet addresses", f"{tag}: {v['eth.src']} > {v['eth.dst']}")


# --------------------------------------------------------------------------
# ARP replies


def judge_arps(arps, doc, port_mac, p):
    want = doc.get("arp_replies", [])
    p.check(len(arps) == len(want), "ARP replies for the underlay address",
            f"got {len(arps)} ({[i for i, _ in arps]}), want {len(want)}")
    for (i, f), w in zip(arps, want):
        a = Ether(f)[ARP]
        tag = f"out[{i}]"
        p.check(a.op == 2 and a.psrc == w["psrc"] and a.pdst == w["pdst"] and a.hwdst == w["hwdst"],
                "ARP reply fields (op, psrc, pdst, hwdst)", f"{tag}: {a.summary()} {a.hwdst}")
        p.check(Ether(f).dst == w["hwdst"], "ARP reply Ethernet destination", f"{tag}: {Ether(f).dst}")
        if port_mac:
            p.check(a.hwsrc == mac_str(port_mac) and f[6:12] == port_mac,
                    "ARP reply sender MAC is not the port's MAC", f"{tag}: {a.hwsrc}")


# --------------------------------------------------------------------------
# entry points


def port_mac_of(stats, port, rep):
    mac = ((stats or {}).get("ports", {}).get(port, {}) or {}).get("mac")
    if not isinstance(mac, str) or len(mac.split(":")) != 6:
        rep.fail(f"stats.json: ports.{port}.mac missing or malformed ({mac!r}); outer source MACs unchecked")
        return None
    return bytes(int(x, 16) for x in mac.split(":"))


def judge_port(case_dir, run_dir, name, frames, encap_path, rep, ctx):
    """Judges the copies in out/<name>; returns the frames left for the
    byte-exact comparison with expect/<name>."""
    doc = json.loads(Path(encap_path).read_text())
    port = doc["port"]
    port_mac = port_mac_of(ctx.get("stats"), port, rep)
    copies, arps, rest = classify(frames, doc, port_mac)
    p = Problems(rep, f"out/{name}")
    sessions = doc["sessions"]
    by_key = {session_key(s): s for s in sessions}
    for s in sessions:
        if s["encap"] == "vxlan" and s["udp_port"] != 4789:
            bind_layers(UDP, VXLAN, dport=s["udp_port"])
    got = collections.defaultdict(list)
    decoded = []
    for i, f in copies:
        d = decode_copy(f, by_key, port_mac, p, f"out[{i}]")
        if d is not None:
            got[d[0]].append((i, d[1], d[2]))
            decoded.append((i, by_key[d[0]], d[1], d[2]))
    judge_tshark(tshark_rows(run_dir / "out" / name, sessions) if copies else [], decoded, p)
    judge_arps(arps, doc, port_mac, p)
    fields_ok = p.flush()
    sessions_ok = True
    for s in sessions:
        inners = read_frames(Path(case_dir) / "expect" / s["inner_pcap"])
        expected = [expected_record(s, inner, fr) for inner, fr in zip(inners, s["frames"])]
        sessions_ok &= judge_session(s, expected, s["streams"], got.get(session_key(s), []), p,
                                     ctx["window"])
    if fields_ok and sessions_ok:
        n = sum(len(s["frames"]) for s in sessions)
        rep.ok(f"out/{name}: {n} copies in {len(sessions)} session(s) judged by scapy and tshark "
               f"(outer fields, bits, sequence, inner frames)"
               + (f"; {len(arps)} ARP repl{'y' if len(arps) == 1 else 'ies'}" if arps else ""))
    return rest


def check_port_totals(run_dir, stats, names, rep, read_pcap):
    """ports.<p>.tx_packets / tx_bytes in stats.json agree with out/<p>.pcap
    (read_pcap: run_e2e.read_pcap, [(frame, original length)])."""
    bad = []
    for n in names:
        port = Path(n).stem
        c = (stats or {}).get("ports", {}).get(port)
        path = run_dir / "out" / n
        if c is None or not path.exists():
            continue
        frames = read_pcap(path)
        got = (c.get("tx_packets"), c.get("tx_bytes"))
        want = (len(frames), sum(wl for _, wl in frames))
        if got != want:
            bad.append(f"ports.{port}: tx_packets/tx_bytes {got}, out/{n} holds {want}")
    if bad:
        rep.fail("stats.json: port tx counters disagree with the out pcaps", bad)
    else:
        rep.ok(f"stats.json: tx_packets/tx_bytes of {len(names)} ports match their out pcaps")
