"""The remote-mirroring half of run_e2e.py's fake taasd (--self-test).

From a case's expect/<port>.encap.json and inner pcaps it builds what a
correct taasd would send (outer headers written here with struct, not with
the judges' decoders), or the same with one planted defect, so that the
self-test proves encap_judge.py accepts the one and rejects the other.
"""

import json
import struct
import time
import zlib
from pathlib import Path

import encap_judge as ej

SEEN = set()     # inner flows already sent (enc_vxsport)
PORT_MACS = {}   # port -> MAC bytes the fake "owns" (like net_pcap's 02:70:63:61:70:xx)


def port_mac(port, ports):
    return PORT_MACS.setdefault(port, bytes([0x02, 0x70, 0x63, 0x61, 0x70, ports.index(port)]))


def ip_bytes(a):
    import ipaddress
    return ipaddress.ip_address(a).packed


def outer(s, inner, fr, seq, ts, src_mac, mode, k):
    o = s["outer"]
    v6 = s["ip_version"] == 6
    if mode == "enc_inner" and k == 4:
        inner = inner[:-1] + bytes([inner[-1] ^ 0x40])
    if s["encap"] == "vxlan":
        key = repr(ej.inner_flow_key(inner)).encode()
        sport = 49152 | (zlib.crc32(key) & 0x3FFF)
        if mode == "enc_vxsport" and key in SEEN:   # a repeated inner flow, another port
            sport ^= 1
        SEEN.add(key)
        body = struct.pack("!II", 0x08000000, s["vni"] << 8) + inner
        l4 = struct.pack("!HHHH", sport, s["udp_port"], 8 + len(body), 0) + body
        proto = 17
    else:
        proto_gre = 0x88BE if s["encap"] == "erspan2" else 0x22EB
        flags = 0x0000 if mode == "enc_grever" else 0x1000
        if mode == "enc_seq" and k == 2:
            seq += 1
        gre = struct.pack("!HHI", flags, proto_gre, seq)
        t = fr["t"] if not (mode == "enc_tbit" and fr["t"]) else 0
        w2 = fr["cos"] << 13 | t << 10 | s["session_id"]
        if s["encap"] == "erspan2":
            hdr = struct.pack("!HHI", 0x1000 | fr["vlan"], w2 | fr["en"] << 11, fr["index"])
        else:
            d = fr["d"] ^ (1 if mode == "enc_dbit" and k == 1 else 0)
            o_bit = int(s["platform_subheader"])
            last = s["hwid"] << 4 | d << 3 | s["gra"] << 1 | o_bit
            hdr = struct.pack("!HHIHH", 0x2000 | fr["vlan"], w2 | fr["bso"] << 11, ts & 0xFFFFFFFF, 0, last)
            if o_bit:
                hdr += struct.pack("!II", 3 << 26 | fr["port_id"], ts >> 32)
        l4 = gre + hdr + inner
        proto = 47
    ttl = o["ttl"] + (1 if mode == "enc_ttl" else 0)
    if v6:
        if proto == 17:   # IPv6 UDP checksum
            l4 = l4[:6] + struct.pack("!H", ej.udp6_csum(
                struct.pack("!IHBB", 6 << 28 | o["dscp"] << 22, len(l4), 17, ttl)
                + ip_bytes(o["src_ip"]) + ip_bytes(o["dst_ip"]), l4) ^ (1 if mode == "enc_udp6sum" else 0)) + l4[8:]
        l3 = struct.pack("!IHBB", 6 << 28 | o["dscp"] << 22, len(l4), proto, ttl) + \
            ip_bytes(o["src_ip"]) + ip_bytes(o["dst_ip"])
        et = 0x86DD
    else:
        h = struct.pack("!BBHHHBBH4s4s", 0x45, o["dscp"] << 2, 20 + len(l4), 0, 0x4000, ttl, proto, 0,
                        ip_bytes(o["src_ip"]), ip_bytes(o["dst_ip"]))
        c = ej.csum(h) ^ (1 if mode == "enc_ipsum" else 0)
        l3 = h[:10] + struct.pack("!H", c) + h[12:]
        et = 0x0800
    src = src_mac if mode != "enc_srcmac" else bytes(6)
    return bytes.fromhex(o["dst_mac"].replace(":", "")) + src + struct.pack("!H", et) + l3 + l4


def arp_reply(w, mac):
    b = (bytes.fromhex(w["hwdst"].replace(":", "")) + mac + b"\x08\x06" +
         struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + mac + ip_bytes(w["psrc"]) +
         bytes.fromhex(w["hwdst"].replace(":", "")) + ip_bytes(w["pdst"]))
    return b + bytes(60 - len(b))


def port_frames(case, name, production, ports, mode):
    """out/<name> of a faithful (or defective) taasd for an encap port."""
    doc = json.loads((case / "expect" / (Path(name).stem + ".encap.json")).read_text())
    mac = port_mac(doc["port"], ports)
    copies = []
    for s in doc["sessions"]:
        inners = ej.read_frames(case / "expect" / s["inner_pcap"])
        order = list(range(len(inners)))
        if mode == "enc_order" and len(order) > 3:
            flows = s["streams"][sorted(s["streams"])[0]]
            src = inners[flows[0]][6:12]
            same = [i for i in flows if inners[i][6:12] == src and inners[i] != inners[flows[0]]]
            a, b = order.index(flows[0]), order.index(same[0])
            order[a], order[b] = order[b], order[a]
        unit = ej.GRA_PER_S.get(s.get("gra", 0))
        for k, i in enumerate(order):
            now = time.time() + (3600 if mode == "enc_ts" else 0)
            copies.append(outer(s, inners[i], s["frames"][i], k, int(now * unit), mac, mode, k))
    arps = [] if mode == "enc_noarp" else [arp_reply(w, mac) for w in doc["arp_replies"]]
    if mode == "enc_arpreq" and doc["arp_replies"]:   # asks for the static next hop anyway
        w = doc["arp_replies"][0]
        req = bytearray(arp_reply(w, mac))
        req[0:6], req[21], req[32:38] = b"\xff" * 6, 1, bytes(6)
        arps.append(bytes(req))
    if mode == "enc_interleaved":       # copies first, production after: fine
        return arps + copies + production
    out = list(production)
    for j, f in enumerate(copies + arps):  # spread among the production frames
        out.insert(min(len(out), 2 * j + 1), f)
    return out


def fix_stats(stats, written, ports):
    """Adds ports.<p>.mac and makes the tx counters agree with what was written."""
    for p in ports:
        if p in stats["ports"]:
            stats["ports"][p]["mac"] = ":".join(f"{x:02x}" for x in port_mac(p, ports))
    for n, frames in written.items():
        p = Path(n).stem
        if p in stats["ports"]:
            stats["ports"][p]["tx_packets"] = len(frames)
            stats["ports"][p]["tx_bytes"] = sum(len(f) for f in frames)
    return stats


# run_e2e.py --self-test scenarios: (case, mode, should pass, text a FAIL
# line must contain: the defect is caught for the right reason)
SELF_TESTS = [
    ("erspan2_v4", "ok", True),
    ("erspan2_v4", "enc_interleaved", True),
    ("erspan2_v6", "ok", True),
    ("erspan3_v4", "ok", True),
    ("erspan3_v6", "ok", True),
    ("vxlan_v4", "ok", True),
    ("vxlan_v6", "ok", True),
    ("internal_erspan3", "ok", True),
    ("mtu_truncate", "ok", True),
    ("erspan2_v4", "enc_seq", False, "GRE sequence numbers are not"),
    ("erspan3_v4", "enc_dbit", False, "copies differ from the expected (inner frame, bits)"),
    ("internal_erspan3", "enc_dbit", False, "copies differ from the expected (inner frame, bits)"),
    ("erspan3_v6", "enc_inner", False, "copies differ from the expected (inner frame, bits)"),
    ("vxlan_v4", "enc_inner", False, "copies differ from the expected (inner frame, bits)"),
    ("mtu_truncate", "enc_tbit", False, "copies differ from the expected (inner frame, bits)"),
    ("erspan2_v4", "enc_ipsum", False, "IPv4 header checksum"),
    ("erspan2_v6", "enc_ttl", False, "IPv6 hop limit"),
    ("erspan2_v4", "enc_srcmac", False, "outer source MAC is not the port's MAC"),
    ("erspan2_v4", "enc_nomac", False, "ports.uplink.mac missing"),
    ("erspan2_v4", "enc_grever", False, "GRE flags/version must be exactly 0x1000"),
    ("erspan2_v4", "enc_noarp", False, "ARP replies for the underlay address"),
    ("erspan2_v4", "enc_arpreq", False, "out/uplink.pcap: frames differ from expect/uplink.pcap"),
    ("erspan3_v4", "enc_ts", False, "timestamps outside the run's wall clock"),
    ("erspan3_v4", "enc_order", False, "order of inner sender"),
    ("vxlan_v4", "enc_vxsport", False, "one inner flow, several UDP source ports"),
    ("vxlan_v6", "enc_udp6sum", False, "IPv6 UDP checksum"),
    ("remote_no_underlay", "ok", True),
    ("session_conflict", "err_wrong_line", False, "stderr lacks"),
]
