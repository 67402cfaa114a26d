"""Remote-mirroring e2e fixtures (ERSPAN II, ERSPAN III, VXLAN over IPv4 and
IPv6): the encapsulation half of gen_e2e.py's model. gen_e2e.py imports this
module and writes its cases next to the port-mode ones.

The switching model of gen_e2e.py decides which copies exist (flow,
direction, inner frame, in the order the model makes them). This module
applies DESIGN.md §2 and §5 to them, as an independent reading of the spec:
  - external mode (remote_ip, no port): copies leave on the underlay port;
    internal mode (port and remote_ip): on that port, outer dst = remote_mac;
  - session id: the flow's erspan_session_id, else one per service: the
    smallest id >= 1 no other flow or service toward the same remote_ip uses;
  - ERSPAN II Index: erspan.index, else the source port's position in ports;
  - ERSPAN III D: 1 for IN copies (delivered to the VM), 0 for OUT;
  - MTU (outer IP packet <= underlay.mtu, default 1500): ERSPAN truncates the
    inner frame with T=1, VXLAN drops it and counts dropped.too_big;
  - counters count encapsulated frames, bytes = whole outer frame.
Per port that carries copies it writes expect/<port>.encap.json and one
expect/inner/<port>.<n>.pcap per session (the inner frames, in model order);
tests/e2e/encap_judge.py says how they are judged. Outer fields that only
taasd can know (port MAC, timestamps, VXLAN source port, sequence order
across senders) are described, not written as bytes.
"""

from dataclasses import dataclass, field

import gen_e2e as g

ADDR4, ADDR6 = "192.0.2.10", "2001:db8::10"
GW4, GW6 = "192.0.2.1", "2001:db8::1"
NEXT_HOP = "02:00:00:00:00:fe"          # underlay.next_hop_mac (static)
GW_MAC = NEXT_HOP                       # the gateway also ARPs for us
COLL4, COLL4B, COLL4C = "198.51.100.7", "198.51.100.8", "198.51.100.9"
COLL6, COLL6B = "2001:db8:100::7", "2001:db8:100::8"
TAG_TPIDS = (0x8100, 0x88A8)           # a frame carrying either keeps a VLAN tag


@dataclass
class Underlay:
    ttl: int | None = None               # None: not written (default 64)
    dscp: int | None = None               # None: not written (default 0)
    mtu: int | None = None                # None: not written (default 1500)
    address6: bool = True


@dataclass
class Service:
    name: str
    remote_ip: str | None = None
    encap: str | None = None             # erspan2 | erspan3 | vxlan; None: port mode
    port: str | None = None              # port mode, or internal mode with remote_ip
    remote_mac: str | None = None        # internal mode: outer destination MAC
    vni: int | None = None
    udp_port: int | None = None
    erspan: dict = field(default_factory=dict)   # index, hwid, granularity, platform_subheader

    def line(self):
        kv = [f"name: {self.name}"]
        if self.port:
            kv.append(f"port: {self.port}")
        if self.remote_ip:
            kv.append(f'remote_ip: "{self.remote_ip}"' if ":" in self.remote_ip
                      else f"remote_ip: {self.remote_ip}")
        if self.remote_mac:
            kv.append(f"remote_mac: {self.remote_mac}")
        if self.encap:
            kv.append(f"encap: {self.encap}")
        if self.vni is not None:
            kv.append(f"vni: {self.vni}")
        if self.udp_port is not None:
            kv.append(f"udp_port: {self.udp_port}")
        if self.erspan:
            inner = ", ".join(f"{k}: {str(v).lower() if isinstance(v, bool) else v}"
                              for k, v in self.erspan.items())
            kv.append(f"erspan: {{{inner}}}")
        return "  - {" + ", ".join(kv) + "}"


@dataclass
class RFlow:
    name: str
    source_port: str
    tap_service: str
    direction: str
    session_id: int | None = None

    def line(self):
        kv = (f"name: {self.name}, source_port: {self.source_port}, tap_service: {self.tap_service}, "
              f"direction: {self.direction}")
        if self.session_id is not None:
            kv += f", erspan_session_id: {self.session_id}"
        return "  - {" + kv + "}"


# --------------------------------------------------------------------------
# inputs: gen_e2e's base traffic plus frames that exercise the header bits

def extra_vm1(jumbo=False):
    """Appended to vm1's input: a tagged frame with PCP 5 (ERSPAN VLAN/COS/En;
    dropped by the switch, mirrored OUT) and a 42 B unpadded ARP request
    (ERSPAN III BSO 1); with jumbo, a 1600 B frame (BSO 2)."""
    tagged = g.Ether(src=g.VM1, dst=g.unknown(11)) / g.Dot1Q(vlan=42, prio=5) / \
        g.IP(src="10.1.0.1", dst="10.1.0.110", id=91, ttl=64) / g.UDP(sport=5100, dport=5101)
    short = bytes(g.Ether(src=g.VM1, dst=g.BCAST) /
                  g.ARP(op=1, hwsrc=g.VM1, psrc="10.1.0.1", pdst="10.1.0.3"))
    out = [g.sized(tagged, 130, 91), short]
    if jumbo:
        out.append(g.udp(g.VM1, g.unknown(12), "10.1.0.1", "10.1.0.111", 5200, 5201, 1600, seed=93))
    return out


def extra_uplink_arp():
    """Untagged ARP requests from the gateway: for our underlay address
    (answered) and for a neighbour of it (not answered, dropped)."""
    return [g.arp_req(GW_MAC, GW4, ADDR4), g.arp_req(GW_MAC, GW4, "192.0.2.11")]


# --------------------------------------------------------------------------
# the cases

@dataclass
class Case:
    name: str
    doc: str
    underlay: Underlay
    services: list
    flows: list
    arp: bool = False                   # extra_uplink_arp() on the uplink
    jumbo: bool = False                 # the 1600 B frame on vm1


E2 = dict(index=7)
CASES = [
    Case("erspan2_v4", "vm1 BOTH -> ERSPAN II over IPv4 (session 5, index 7, TTL 17, DSCP 46, "
         "MTU 1500: 1514 B frames truncated); ARP for the underlay address answered",
         Underlay(ttl=17, dscp=46),
         [Service("ts_e2", COLL4, "erspan2", erspan=dict(index=7))],
         [RFlow("tf_1", "vm1", "ts_e2", "BOTH", 5)], arp=True),
    Case("erspan2_v6", "vm1 BOTH and vm2 OUT -> one ERSPAN II session over IPv6 (assigned id 1; "
         "Index = source port position)",
         Underlay(),
         [Service("ts_e2", COLL6, "erspan2")],
         [RFlow("tf_1", "vm1", "ts_e2", "BOTH"), RFlow("tf_2", "vm2", "ts_e2", "OUT")]),
    Case("erspan3_v4", "vm1 BOTH -> ERSPAN III over IPv4 (hwid 5, 100us); vm2 OUT -> a second "
         "service to the same collector with explicit id 1, so the first is assigned 2",
         Underlay(mtu=1600),
         [Service("ts_e3", COLL4, "erspan3", erspan=dict(hwid=5, granularity="100us")),
          Service("ts_e3b", COLL4, "erspan3")],
         [RFlow("tf_1", "vm1", "ts_e3", "BOTH"), RFlow("tf_2", "vm2", "ts_e3b", "OUT", 1)]),
    Case("erspan3_v6", "vm1 BOTH -> ERSPAN III over IPv6 (session 1023, hwid 63, 100ns, platform "
         "subheader, TTL 17, DSCP 46, MTU 9000, a 1600 B frame: BSO 2)",
         Underlay(ttl=17, dscp=46, mtu=9000),
         [Service("ts_e3", COLL6, "erspan3",
                  erspan=dict(index=0x123, hwid=63, granularity="100ns", platform_subheader=True))],
         [RFlow("tf_1", "vm1", "ts_e3", "BOTH", 1023)], jumbo=True),
    Case("vxlan_v4", "vm1 BOTH and vm2 OUT -> VXLAN over IPv4 (VNI 5000, port 4789, MTU 9000); "
         "ARP for the underlay address answered",
         Underlay(mtu=9000),
         [Service("ts_vx", COLL4B, "vxlan", vni=5000, udp_port=4789)],
         [RFlow("tf_1", "vm1", "ts_vx", "BOTH"), RFlow("tf_2", "vm2", "ts_vx", "OUT")], arp=True),
    Case("vxlan_v6", "vm1 BOTH -> VXLAN over IPv6 (VNI 16777215, port 8472, MTU 1500: 1514 B "
         "frames dropped as too_big)",
         Underlay(dscp=10),
         [Service("ts_vx", COLL6B, "vxlan", vni=16777215, udp_port=8472)],
         [RFlow("tf_1", "vm1", "ts_vx", "BOTH")]),
    Case("internal_erspan3", "internal mode: vm1 BOTH -> ERSPAN III delivered to mon1 (outer dst "
         "remote_mac); vm1 OUT -> mon2 as is",
         Underlay(),
         [Service("ts_int", COLL4C, "erspan3", port="mon1", remote_mac=g.MONVM,
                  erspan=dict(hwid=2)),
          Service("ts_2", port="mon2")],
         [RFlow("tf_1", "vm1", "ts_int", "BOTH", 3), RFlow("tf_2", "vm1", "ts_2", "OUT")]),
    Case("mtu_truncate", "underlay MTU 576: ERSPAN III (IPv4) and ERSPAN II (IPv6) truncate "
         "with T=1, VXLAN drops too big frames (dropped.too_big)",
         Underlay(mtu=576),
         [Service("ts_e3", COLL4, "erspan3"), Service("ts_e2", COLL6, "erspan2"),
          Service("ts_vx", COLL4B, "vxlan", vni=77)],
         [RFlow("tf_e3", "vm1", "ts_e3", "BOTH"), RFlow("tf_e2", "vm1", "ts_e2", "BOTH"),
          RFlow("tf_vx", "vm1", "ts_vx", "BOTH")]),
]


# --------------------------------------------------------------------------
# intents

def underlay_lines(u, address6=True):
    out = ["underlay:", "  port: uplink", f"  address: {ADDR4}/24"]
    if address6 and u.address6:
        out.append(f"  address6: {ADDR6}/64")
    out += [f"  gateway: {GW4}"]
    if address6 and u.address6:
        out.append(f"  gateway6: {GW6}")
    out.append(f"  next_hop_mac: {NEXT_HOP}      # static: no ARP/ND is sent")
    for key in ("ttl", "dscp", "mtu"):
        if getattr(u, key) is not None:
            out.append(f"  {key}: {getattr(u, key)}")
    return out


def intent_lines(case, doc, underlay, service_lines, flow_lines):
    """underlay: Underlay or None (no section); service/flow lines as written."""
    out = g.HEADER.format(case=case, doc=doc).splitlines()
    out += ["version: 1", "dataplane:", "  workers: 1"]
    if underlay is not None:
        out += underlay_lines(underlay)
    out += ["networks:"] + [f"  - {{name: {n}, vlan: {v}}}" for n, v in g.NETWORKS]
    out += ["ports:"]
    for i, p in enumerate(g.case_ports()):
        out += [f"  - name: {p.name}", f'    device: "{g.device(i, p)}"', f"    role: {p.role}"]
        if p.network:
            out += [f"    network: {p.network}"]
    out += ["tap_services:"] + service_lines + ["tap_flows:"] + flow_lines
    return out


# --------------------------------------------------------------------------
# the encapsulation model

def inner_tag(inner):
    """(vlan, cos, tagged) of the inner frame's outer VLAN tag."""
    if len(inner) >= 16 and int.from_bytes(inner[12:14], "big") in TAG_TPIDS:
        tci = int.from_bytes(inner[14:16], "big")
        return tci & 0x0FFF, tci >> 13, True
    return 0, 0, False


def header_sizes(svc):
    """(IP header, encapsulation header after IP) in bytes."""
    ip = 40 if ":" in svc.remote_ip else 20
    if svc.encap == "vxlan":
        return ip, 16
    if svc.encap == "erspan2":
        return ip, 16
    return ip, 20 + (8 if svc.erspan.get("platform_subheader") else 0)


def assign_sessions(services, flows):
    """{flow name: session id} for flows into ERSPAN services (DESIGN.md §2)."""
    by_name = {s.name: s for s in services}
    used = {}
    for f in flows:
        if f.session_id is not None:
            used.setdefault(by_name[f.tap_service].remote_ip, set()).add(f.session_id)
    out = {}
    for s in services:
        if s.encap not in ("erspan2", "erspan3"):
            continue
        mine = [f for f in flows if f.tap_service == s.name]
        ids = used.setdefault(s.remote_ip, set())
        default = None
        if any(f.session_id is None for f in mine):
            default = next(i for i in range(1, 1024) if i not in ids)
            ids.add(default)
        for f in mine:
            out[f.name] = f.session_id if f.session_id is not None else default
    return out


def expect_frame(svc, flow, wanted, frame, sid, port_pos, mtu):
    """(per-frame expectation, inner bytes) of one copy, or None if dropped."""
    ip, hdr = header_sizes(svc)
    max_inner = mtu - ip - hdr
    trunc = len(frame) > max_inner
    if trunc and svc.encap == "vxlan":
        return None
    inner = frame[:max_inner] if trunc else frame
    rec = {"flow": flow.name, "dir": wanted, "orig_len": len(frame)}
    if svc.encap == "vxlan":
        return rec, inner
    vlan, cos, tagged = inner_tag(inner)
    rec.update(vlan=vlan, cos=cos, t=int(trunc))
    index = svc.erspan.get("index", port_pos[flow.source_port])
    if svc.encap == "erspan2":
        rec.update(en=3 if tagged else 0, index=index)
    else:
        wire = len(inner) + 4
        bso = 1 if wire < 64 and not trunc else 2 if wire > (1522 if tagged else 1518) else 0
        rec.update(bso=bso, d=1 if wanted == "IN" else 0)
        if svc.erspan.get("platform_subheader"):
            rec.update(port_id=index & 0x3FFF)
    return rec, inner


def session_json(svc, sid, u, port, n):
    v6 = ":" in svc.remote_ip
    j = {"service": svc.name, "encap": svc.encap, "ip_version": 6 if v6 else 4,
         "outer": {"src_mac_of_port": port,
                   "dst_mac": svc.remote_mac or NEXT_HOP,
                   "src_ip": ADDR6 if v6 else ADDR4, "dst_ip": svc.remote_ip,
                   "ttl": 64 if u.ttl is None else u.ttl,
                   "dscp": 0 if u.dscp is None else u.dscp,
                   "mtu": u.mtu or 1500},
         "inner_pcap": f"inner/{port}.{n}.pcap"}
    if svc.encap == "vxlan":
        j.update(vni=svc.vni, udp_port=svc.udp_port or 4789)
    else:
        j["session_id"] = sid
    if svc.encap == "erspan3":
        gra = {"100us": 0, "100ns": 1}[svc.erspan.get("granularity", "100us")]
        j.update(hwid=svc.erspan.get("hwid", 0), gra=gra,
                 platform_subheader=bool(svc.erspan.get("platform_subheader", False)))
    return j


def run_case(c, base):
    """(inputs, Model, {port: encap json}, {port: {inner pcap: frames}}, stats)."""
    ports = g.case_ports()
    port_pos = {p.name: i for i, p in enumerate(ports)}
    remote = {s.name: s for s in c.services if s.encap}
    sinks = [g.Port("@" + s, "sink", rx=False) for s in remote]
    svc_port = {s.name: ("@" + s.name if s.encap else s.port) for s in c.services}
    flows = [g.Flow(f.name, f.source_port, f.tap_service, f.direction) for f in c.flows]
    inputs = dict(base)
    inputs["vm1"] = base["vm1"] + extra_vm1(c.jumbo)
    if c.arp:
        inputs["uplink"] = base["uplink"] + extra_uplink_arp()
    m = g.Model(ports + sinks, svc_port, flows).run(inputs)
    sids = assign_sessions(c.services, c.flows)
    mtu = c.underlay.mtu or 1500
    stats = m.stats
    for s in sinks:
        del stats["ports"][s.name]
        del m.outputs[s.name]
    for svc in stats["tap_services"].values():
        svc["dropped"]["too_big"] = 0
    for s in remote.values():
        stats["tap_services"][s.name].update(packets=0, bytes=0)
    for f in c.flows:
        if f.tap_service in remote:
            stats["tap_flows"][f.name].update(packets=0, bytes=0)
    sessions = {}   # (service, session id) -> [json, [inner frames], [records]]
    for flow, wanted, frame in m.copies:
        svc = remote.get(flow.tap_service)
        if svc is None:
            continue
        sid = sids.get(flow.name)
        out_port = svc.port or "uplink"
        got = expect_frame(svc, flow, wanted, frame, sid, port_pos, mtu)
        if got is None:
            stats["tap_services"][svc.name]["dropped"]["too_big"] += 1
            continue
        rec, inner = got
        key = (svc.name, sid)
        if key not in sessions:
            n = sum(1 for k, v in sessions.items() if v[0]["outer"]["src_mac_of_port"] == out_port)
            sessions[key] = [session_json(svc, sid, c.underlay, out_port, n), [], []]
        sessions[key][1].append(inner)
        sessions[key][2].append(rec)
        ip, hdr = header_sizes(svc)
        outer_len = 14 + ip + hdr + len(inner)
        for counters in (stats["tap_services"][svc.name], stats["tap_flows"][flow.name]):
            counters["packets"] += 1
            counters["bytes"] += outer_len
        stats["ports"][out_port]["tx_packets"] += 1
        stats["ports"][out_port]["tx_bytes"] += outer_len
    encap_json, inner_pcaps = {}, {}
    for (svc_name, sid), (j, inners, recs) in sessions.items():
        port = j["outer"]["src_mac_of_port"]
        j["frames"] = recs
        names = sorted({r["flow"] for r in recs})
        j["streams"] = {n: [i for i, r in enumerate(recs) if r["flow"] == n] for n in names}
        doc = encap_json.setdefault(port, {
            "comment": "Encapsulated copies on out/" + port + ".pcap (see tests/e2e/encap_judge.py): "
                       "frames whose outer IP destination is a collector. frames[i] describes "
                       "inner_pcap frame i; streams: frame indices per tap flow (each keeps its "
                       "order; flows interleave freely). The other frames must equal expect/"
                       + port + ".pcap.",
            "port": port, "collectors": [], "arp_replies": [], "sessions": []})
        doc["sessions"].append(j)
        if j["outer"]["dst_ip"] not in doc["collectors"]:
            doc["collectors"].append(j["outer"]["dst_ip"])
        inner_pcaps.setdefault(port, {})[j["inner_pcap"]] = inners
    # ports that carry copies of a remote service but got none still judge "none"
    for s in remote.values():
        port = s.port or "uplink"
        doc = encap_json.setdefault(port, {"port": port, "collectors": [], "arp_replies": [],
                                           "sessions": []})
        if s.remote_ip not in doc["collectors"]:
            doc["collectors"].append(s.remote_ip)
    # Untagged ARP on the underlay port that asks for taasd's address is
    # consumed (answered, not dropped); any other untagged frame on the trunk,
    # ARP for someone else included, still counts as vlan_mismatch.
    up = stats["ports"]["uplink"]
    answered = sum(1 for req in extra_uplink_arp() if g.Ether(req)[g.ARP].pdst == ADDR4) if c.arp else 0
    up["rx_dropped"] -= answered
    up["rx_dropped_by"]["vlan_mismatch"] -= answered
    if c.arp:
        doc = encap_json["uplink"]
        for req in extra_uplink_arp():
            arp = g.Ether(req)[g.ARP]
            if arp.pdst == ADDR4:
                doc["arp_replies"].append({"hwdst": arp.hwsrc, "pdst": arp.psrc, "psrc": ADDR4,
                                           "port": "uplink"})
        up = stats["ports"]["uplink"]
        up["tx_packets"] += len(doc["arp_replies"])
        # The reply's padding is not specified: tx_bytes is checked against
        # out/uplink.pcap instead (encap_judge.check_port_totals).
        del up["tx_bytes"]
    return inputs, m, encap_json, inner_pcaps, stats


def generate(e2e, base):
    """Writes every remote-mirroring case under `e2e` (tests/e2e)."""
    for c in CASES:
        d = e2e / c.name
        inputs, m, encap_json, inner_pcaps, stats = run_case(c, base)
        lines = intent_lines(c.name, c.doc, c.underlay, [s.line() for s in c.services],
                             [f.line() for f in c.flows])
        g.write(d / "intent.yaml", "\n".join(lines) + "\n")
        for name, frames in inputs.items():
            g.write(d / "in" / f"{name}.pcap", g.pcap_bytes(frames))
        for name, out in m.outputs.items():
            g.write(d / "expect" / f"{name}.pcap", g.pcap_bytes([f for f, _ in out]))
            labels = sorted({lab for _, lab in out if lab != "production"})
            assert len(labels) <= 1, (c.name, name, labels)
        for port, doc in encap_json.items():
            g.write(d / "expect" / f"{port}.encap.json", g.dump_json(doc))
            for rel, frames in inner_pcaps.get(port, {}).items():
                g.write(d / "expect" / rel, g.pcap_bytes(frames))
        g.write(d / "expect-stats.json", g.dump_json(stats))
    for case, lines, expect in error_cases():
        d = e2e / case
        g.write(d / "intent.yaml", "\n".join(lines) + "\n")
        for name, frames in base.items():
            g.write(d / "in" / f"{name}.pcap", g.pcap_bytes(frames))
        g.write(d / "expect-error.json", g.dump_json(expect))


# --------------------------------------------------------------------------
# rejections

def error_cases():
    """(case, lines, expect-error) of the invalid remote-mirroring intents."""
    cases = []

    def add(case, doc, underlay, services, flows, marker, fragments):
        lines = intent_lines(case, doc, underlay, services, flows)
        hits = [i for i, l in enumerate(lines) if l == marker]
        assert len(hits) == 1, (case, marker, hits)
        cases.append((case, lines, {"exit_code": 2, "stderr_contains":
                                    ["taasd: error:", f"intent.yaml:{hits[0] + 1}:"] + fragments}))

    def flow(name, src, svc, direction="BOTH", sid=None):
        return RFlow(name, src, svc, direction, sid).line()

    s = Service("ts_e2", COLL4, "erspan2").line()
    add("remote_no_underlay", "a remote tap service and no underlay section", None,
        [s], [flow("tf_1", "vm1", "ts_e2")], s, ["tap_services[0].remote_ip", "underlay"])
    s = Service("ts_e2", None, "erspan2").line()
    add("erspan_no_remote_ip", "encap erspan2 with neither remote_ip nor port", Underlay(),
        [s], [flow("tf_1", "vm1", "ts_e2")], s, ["tap_services[0].remote_ip", "missing"])
    s = Service("ts_vx", COLL4B, "vxlan").line()
    add("vxlan_no_vni", "a VXLAN tap service without vni", Underlay(),
        [s], [flow("tf_1", "vm1", "ts_vx")], s, ["tap_services[0].vni", "missing"])
    f2 = flow("tf_2", "vm2", "ts_b", "OUT", 5)
    add("session_conflict", "two ERSPAN services to one collector, flows with the same "
        "erspan_session_id", Underlay(),
        [Service("ts_a", COLL4, "erspan2").line(), Service("ts_b", COLL4, "erspan3").line()],
        [flow("tf_1", "vm1", "ts_a", "OUT", 5), f2], f2,
        ["tap_flows[1].erspan_session_id", "already"])
    f1 = flow("tf_1", "vm1", "ts_vx", "BOTH", 5)
    add("session_id_not_erspan", "erspan_session_id on a flow into a VXLAN service", Underlay(),
        [Service("ts_vx", COLL4B, "vxlan", vni=5000).line()], [f1], f1,
        ["tap_flows[0].erspan_session_id", "erspan"])
    s = Service("ts_e3", COLL6, "erspan3").line()
    add("remote_v6_without_address6", "an IPv6 collector and no underlay.address6",
        Underlay(address6=False), [s], [flow("tf_1", "vm1", "ts_e3")], s,
        ["tap_services[0].remote_ip", "address6"])
    return cases


def case_names():
    return [c.name for c in CASES] + [c[0] for c in error_cases()]
