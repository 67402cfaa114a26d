#!/usr/bin/python3
"""Judges taasd's outer headers with decoders no one here wrote.

Runs encap-dump (argv[1]) to write a pcap of ERSPAN II / ERSPAN III (with and
without the platform subheader) / VXLAN frames over IPv4 and IPv6, then
decodes every frame with scapy and with tshark and checks versions, session
ids, direction bits, VNI, sequence numbers, checksums and that the inner frame
is byte-equal to the original. Exits 77 (skip) when tshark is missing.
"""

import shutil
import subprocess
import sys
import tempfile

from scapy.all import Dot1Q, Ether, GRE, IP, IPv6, UDP, rdpcap
from scapy.contrib.erspan import ERSPAN_II, ERSPAN_III, ERSPAN_PlatformSpecific
from scapy.layers.vxlan import VXLAN

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def read_manifest(path):
    rows = []
    with open(path) as f:
        for line in f:
            (kind, ipv6, vlan, session, vni, seq, dir_in, trunc, hwid, gra, ts, dport,
             inner) = line.split()
            rows.append(dict(kind=kind, ipv6=ipv6 == "1", vlan=int(vlan), session=int(session),
                             vni=int(vni), seq=int(seq), dir_in=int(dir_in),
                             trunc=int(trunc), hwid=int(hwid), gra=int(gra), ts=int(ts),
                             dport=int(dport), inner=bytes.fromhex(inner)))
    return rows


def inner_tag(inner):
    if inner[12:14] == b"\x81\x00":
        tci = int.from_bytes(inner[14:16], "big")
        return tci & 0xFFF, tci >> 13, True
    return 0, 0, False


def recomputed(pkt, layer, field):
    """The checksum scapy computes for `layer` when the stored one is dropped."""
    copy = pkt.copy()
    delattr(copy[layer], field)
    return getattr(Ether(bytes(copy))[layer], field)


def check_scapy(i, raw, m):
    tag = f"frame {i + 1} ({m['kind']}, {'IPv6' if m['ipv6'] else 'IPv4'})"
    pkt = Ether(raw)
    check(bytes(pkt) == raw, f"{tag}: scapy does not rebuild the frame identically")
    if m["vlan"]:
        check(Dot1Q in pkt and pkt[Dot1Q].vlan == m["vlan"], f"{tag}: underlay VLAN")
    else:
        check(Dot1Q not in pkt or pkt[Dot1Q].underlayer is not pkt, f"{tag}: untagged underlay")
    if m["ipv6"]:
        ip6 = pkt[IPv6]
        check(ip6.hlim == 64 and ip6.tc == 8 << 2, f"{tag}: hop limit / traffic class")
        check(ip6.plen == len(bytes(ip6.payload)), f"{tag}: IPv6 payload length")
    else:
        ip = pkt[IP]
        check(ip.flags == "DF" and ip.ttl == 64 and ip.tos == 8 << 2, f"{tag}: DF / TTL / TOS")
        check(ip.len == len(bytes(ip)), f"{tag}: IPv4 total length")
        check(recomputed(pkt, IP, "chksum") == ip.chksum, f"{tag}: IPv4 header checksum")

    vid, cos, tagged = inner_tag(m["inner"])
    if m["kind"] == "vxlan":
        check(VXLAN in pkt, f"{tag}: no VXLAN layer")
        if VXLAN not in pkt:
            return
        udp = pkt[UDP]
        check(udp.dport == m["dport"] and 49152 <= udp.sport <= 65535, f"{tag}: UDP ports")
        check(udp.len == len(bytes(udp)), f"{tag}: UDP length")
        if m["ipv6"]:
            check(udp.chksum != 0 and recomputed(pkt, UDP, "chksum") == udp.chksum,
                  f"{tag}: IPv6 UDP checksum")
        else:
            check(udp.chksum == 0, f"{tag}: IPv4 UDP checksum must be 0")
        vx = pkt[VXLAN]
        check(bytes(vx)[0] == 0x08 and vx.vni == m["vni"], f"{tag}: VXLAN flags / VNI")
        payload = vx.payload
    else:
        gre = pkt[GRE]
        check(gre.seqnum_present == 1 and gre.chksum_present == 0 and gre.key_present == 0,
              f"{tag}: GRE flags")
        check(gre.seqence_number == m["seq"], f"{tag}: GRE sequence")
        if m["kind"] == "erspan2":
            check(gre.proto == 0x88BE and ERSPAN_II in pkt, f"{tag}: not ERSPAN II")
            e = pkt[ERSPAN_II]
            check(e.ver == 1 and e.session_id == m["session"] and e.index == 0x123,
                  f"{tag}: ERSPAN II ver / session / index")
            check((e.vlan, e.cos, e.en, e.t) == (vid, cos, 3 if tagged else 0, m["trunc"]),
                  f"{tag}: ERSPAN II VLAN / COS / En / T")
            payload = e.payload
        else:
            check(gre.proto == 0x22EB and ERSPAN_III in pkt, f"{tag}: not ERSPAN III")
            e = pkt[ERSPAN_III]
            check(e.ver == 2 and e.session_id == m["session"], f"{tag}: ERSPAN III ver / session")
            check((e.vlan, e.cos, e.t) == (vid, cos, m["trunc"]), f"{tag}: ERSPAN III VLAN/COS/T")
            short = len(m["inner"]) + 4 < 64 and not m["trunc"]
            check(e.bso == (1 if short else 0), f"{tag}: BSO")
            check(e.timestamp == m["ts"] & 0xFFFFFFFF, f"{tag}: timestamp")
            check((e.p, e.ft, e.hw, e.d, e.gra) == (0, 0, m["hwid"], m["dir_in"], m["gra"]),
                  f"{tag}: P / FT / HwID / D / Gra")
            sub = m["kind"] == "erspan3o"
            check(e.o == (1 if sub else 0), f"{tag}: O bit")
            payload = e.payload
            if sub:
                ps = pkt[ERSPAN_PlatformSpecific]
                check(ps.platf_id == 3 and ps.info1 & 0x3FFF == 0x123 and
                      ps.info2 == m["ts"] >> 32, f"{tag}: platform subheader")
                payload = ps.payload
    check(isinstance(payload, Ether), f"{tag}: inner frame is not decoded as Ethernet")
    check(bytes(payload) == m["inner"], f"{tag}: inner frame differs from the original")


FIELDS = ["erspan.version", "erspan.spanid", "erspan.direction", "vxlan.vni",
          "ip.checksum.status", "gre.sequence_number", "udp.checksum.status",
          "erspan.pid3.timestamp", "erspan.vlan", "erspan.cos", "erspan.encap",
          "erspan.bso", "frame.protocols", "frame.len"]


def check_tshark(tshark, pcap, rows):
    cmd = [tshark, "-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
           "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    lines = out.rstrip("\n").split("\n")
    check(len(lines) == len(rows), f"tshark decoded {len(lines)} frames, want {len(rows)}")
    for i, (line, m) in enumerate(zip(lines, rows)):
        tag = f"tshark frame {i + 1} ({m['kind']}, {'IPv6' if m['ipv6'] else 'IPv4'})"
        v = dict(zip(FIELDS, line.split("\t")))
        # Every IPv4 header in the frame (outer and inner) has a good checksum.
        statuses = [s for s in v["ip.checksum.status"].split(",") if s]
        check(all(s == "1" for s in statuses), f"{tag}: ip.checksum.status {statuses}")
        check(len(statuses) >= (0 if m["ipv6"] else 1), f"{tag}: outer IPv4 checksum not checked")
        protos = v["frame.protocols"]
        if m["kind"] == "vxlan":
            check("udp:vxlan:eth" in protos, f"{tag}: protocols {protos}")
            check(v["vxlan.vni"] == str(m["vni"]), f"{tag}: vxlan.vni {v['vxlan.vni']}")
            udp_status = v["udp.checksum.status"].split(",")[0]
            # 1 = good; 3 = not present (checksum 0, allowed over IPv4 only).
            check(udp_status == ("1" if m["ipv6"] else "3"), f"{tag}: udp.checksum.status")
        else:
            check("gre:erspan:eth" in protos, f"{tag}: protocols {protos}")
            want_ver = "1" if m["kind"] == "erspan2" else "2"
            check(v["erspan.version"] == want_ver, f"{tag}: erspan.version {v['erspan.version']}")
            check(v["erspan.spanid"] == str(m["session"]), f"{tag}: erspan.spanid")
            check(v["gre.sequence_number"] == str(m["seq"]), f"{tag}: gre.sequence_number")
            vid, cos, tagged = inner_tag(m["inner"])
            check((v["erspan.vlan"], v["erspan.cos"]) == (str(vid), str(cos)),
                  f"{tag}: erspan.vlan / erspan.cos")
            if m["kind"] == "erspan2":
                check(v["erspan.encap"] == ("3" if tagged else "0"), f"{tag}: erspan.encap")
            else:
                short = len(m["inner"]) + 4 < 64 and not m["trunc"]
                check(v["erspan.bso"] == ("1" if short else "0"), f"{tag}: erspan.bso")
                check(v["erspan.direction"] in (str(m["dir_in"]),
                                                ["False", "True"][m["dir_in"]]),
                      f"{tag}: erspan.direction {v['erspan.direction']}")
            if m["kind"] == "erspan3o":
                check(v["erspan.pid3.timestamp"] == str(m["ts"] >> 32),
                      f"{tag}: erspan.pid3.timestamp")
        check(int(v["frame.len"]) > len(m["inner"]), f"{tag}: frame.len")


def main():
    dump = sys.argv[1]
    tshark = shutil.which("tshark")
    if tshark is None:
        print("SKIP: tshark is not installed")
        return 77
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([dump, d], check=True)
        rows = read_manifest(f"{d}/manifest.txt")
        frames = rdpcap(f"{d}/outer.pcap")
        check(len(frames) == len(rows) and rows, "frame count")
        for i, (f, m) in enumerate(zip(frames, rows)):
            raw = bytes(f)
            check(raw.endswith(m["inner"]), f"frame {i + 1}: does not end with the inner frame")
            check_scapy(i, raw, m)
        check_tshark(tshark, f"{d}/outer.pcap", rows)
    for f in failures:
        print("FAIL:", f)
    print(f"{len(rows)} frames, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
