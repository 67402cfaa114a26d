// libFuzzer harness: the packet path a worker runs on one frame, on real
// net_ring ports (packet_rig.hpp), with local, ERSPAN II/III and VXLAN
// (IPv4 and IPv6, external and internal mode) tap services on VM ports, a
// vlan_filter and a trunk uplink. Two rigs, built once: A clones (copy_below
// 0, every port takes chains, MTU 1500, static next hop); B copies frames
// under 128 B, has an uplink and a monitor without multi-segment TX, MTU
// 576 (ERSPAN truncates, VXLAN drops too_big), an underlay VLAN and next hops
// resolved by ARP/ND from the frames themselves.
//
// Input: byte 0 = control (bits 0-2 ingress port, see kIngress; bit 3 rig
// B; bit 4 two-segment chain; bit 5 two introduction frames first, so that
// vm2's and an uplink host's MAC are known), byte 1 = where the chain is
// split, bytes 2-3 = cut length (big-endian, 0 = whole), then the frame.
//
// Per frame, after one poll_once and draining every TX ring (abort on any
// violation):
// - every mbuf is back in its pool once the stash is returned;
// - per-port conservation from the worker's counters: the frame is dropped
//   with exactly one reason, or forwarded (production frames out), or, on a
//   port where taasd owns an address, consumed as ARP/ND; TX counters match
//   what the rings hold; forwarded frames are the original bytes (802.1Q
//   tag pushed toward the trunk, popped from it) on ports of its network;
// - per tap service: copies sent + copies dropped (by reason) = the copies
//   the snapshot's mirror tables and vlan_filters ask for;
// - each copy is the original (local) or an outer header whose lengths,
//   IPv4 checksum, IPv6 UDP checksum, GRE sequence (consecutive per session)
//   and ERSPAN fields are consistent, around an inner frame equal to the
//   original or, ERSPAN with T=1 at exactly the MTU, a prefix of it; no
//   chain is sent to a port without multi-segment TX.

#include <rte_mbuf.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/packet_check.hpp"
#include "tests/fuzz/packet_rig.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define TAAS_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define TAAS_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#endif
#endif
#ifndef TAAS_POISON
#define TAAS_POISON(p, n) ((void)(p), (void)(n))
#define TAAS_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace {

using namespace taas;        // NOLINT: harness
using namespace taas::fuzz;  // NOLINT: harness

const char* const kRigA = R"(version: 1
dataplane: {workers: 1, mac_table_size: 64, pool_size: 512, mirror_pool_size: 512, clone_pool_size: 512}
underlay: {port: uplink, address: 192.0.2.10/24, address6: "2001:db8::10/64", gateway: 192.0.2.1,
           gateway6: "2001:db8::1", next_hop_mac: "02:00:00:00:00:fe"}
networks: [{name: a, vlan: 100}, {name: b, vlan: 200}]
ports:
  - {name: vm1, device: r0, role: vm, network: a}
  - {name: vm2, device: r1, role: vm, network: a}
  - {name: vm3, device: r2, role: vm, network: b}
  - {name: uplink, device: r3, role: uplink}
  - {name: mon1, device: r4, role: monitor}
  - {name: mon2, device: r5, role: monitor}
tap_services:
  - {name: local, port: mon1}
  - {name: e3, remote_ip: 198.51.100.7, encap: erspan3, erspan: {hwid: 5, granularity: 100ns, platform_subheader: true}}
  - {name: e2v6, remote_ip: "2001:db8:100::7", encap: erspan2}
  - {name: vx, remote_ip: 198.51.100.8, encap: vxlan, vni: 5000}
  - {name: vx6, remote_ip: "2001:db8:100::8", encap: vxlan, vni: 77, udp_port: 8472}
  - {name: int3, port: mon2, remote_ip: 198.51.100.9, remote_mac: "02:00:00:00:00:0a", encap: erspan3}
tap_flows:
  - {name: f1, source_port: vm1, tap_service: local, direction: BOTH, vlan_filter: "100,5-50"}
  - {name: f2, source_port: vm1, tap_service: e3, direction: BOTH, erspan_session_id: 1}
  - {name: f3, source_port: vm2, tap_service: vx, direction: OUT}
  - {name: f4, source_port: vm2, tap_service: e2v6, direction: IN, erspan_session_id: 2}
  - {name: f5, source_port: vm3, tap_service: vx6, direction: BOTH, vlan_filter: "200"}
  - {name: f6, source_port: vm3, tap_service: int3, direction: BOTH, erspan_session_id: 3}
  - {name: f7, source_port: vm3, tap_service: local, direction: IN}
)";

const char* const kRigB = R"(version: 1
dataplane: {workers: 1, mac_table_size: 64, pool_size: 512, mirror_pool_size: 512, clone_pool_size: 512,
            copy_below_bytes: 128}
underlay: {port: uplink, vlan: 300, mtu: 576, address: 192.0.2.10/24, address6: "2001:db8::10/64",
           gateway: 192.0.2.1, gateway6: "2001:db8::1"}
networks: [{name: a, vlan: 100}, {name: b, vlan: 200}]
ports:
  - {name: vm1, device: r0, role: vm, network: a}
  - {name: vm2, device: r1, role: vm, network: a}
  - {name: vm3, device: r2, role: vm, network: b}
  - {name: uplink, device: r3, role: uplink}
  - {name: mon1, device: r4, role: monitor}
  - {name: mon2, device: r5, role: monitor}
tap_services:
  - {name: local, port: mon1}
  - {name: e2, remote_ip: 198.51.100.7, encap: erspan2}
  - {name: e3v6, remote_ip: "2001:db8:100::7", encap: erspan3, erspan: {granularity: 100us}}
  - {name: vx, remote_ip: 192.0.2.99, encap: vxlan, vni: 9}
  - {name: vx6, remote_ip: "2001:db8:100::8", encap: vxlan, vni: 16777215}
  - {name: intvx, port: mon2, remote_ip: 198.51.100.9, remote_mac: "02:00:00:00:00:0b", encap: vxlan, vni: 1}
tap_flows:
  - {name: f1, source_port: vm1, tap_service: local, direction: BOTH}
  - {name: f2, source_port: vm1, tap_service: e2, direction: BOTH, erspan_session_id: 4}
  - {name: f3, source_port: vm2, tap_service: e3v6, direction: BOTH, vlan_filter: "0-99,101-4095", erspan_session_id: 5}
  - {name: f4, source_port: vm2, tap_service: vx, direction: OUT}
  - {name: f5, source_port: vm3, tap_service: vx6, direction: BOTH}
  - {name: f6, source_port: vm3, tap_service: intvx, direction: IN}
)";

const char* const kIngress[8] = {"vm1", "vm2", "vm3", "uplink", "uplink", "vm1", "mon1", "mon2"};
constexpr std::size_t kHeader = 4;
constexpr std::size_t kSegMax = 2048;  // data room of a production mbuf
constexpr std::size_t kFrameMax = 2 * kSegMax;

constexpr std::size_t kRxReasons = static_cast<std::size_t>(RxDropReason::kCount);
constexpr std::size_t kReasons = static_cast<std::size_t>(DropReason::kCount);

struct Rig {
  std::unique_ptr<PacketRig> rig;
  std::map<std::uint16_t, std::uint32_t> next_seq;  // per ERSPAN session id (unique per rig)
};
Rig g_rigs[2];

// --- counters ----------------------------------------------------------------

enum PortField { kRxPk, kRxBy, kTxPk, kTxBy, kRxDrop, kTxDrop, kNombuf, kLinkDown, kBy0, kPortFields = kBy0 + kRxReasons };

struct Counts {
  std::vector<std::array<std::uint64_t, kPortFields>> port;
  std::vector<std::array<std::uint64_t, 2 + kReasons>> service;  // packets, bytes, dropped[]
  std::vector<std::uint64_t> flow_packets;
};

Counts capture(const PacketRig& r) {
  const WorkerCounters& c = r.counters();
  Counts out;
  for (const PortCounters& p : c.port) {
    auto& a = out.port.emplace_back();
    a = {p.rx_packets.get(), p.rx_bytes.get(), p.tx_packets.get(), p.tx_bytes.get(), p.rx_dropped.get(),
         p.tx_dropped.get(), p.tx_nombuf.get(), p.tx_link_down.get()};
    for (std::size_t i = 0; i < kRxReasons; ++i) a[kBy0 + i] = p.rx_dropped_by[i].get();
  }
  for (const ServiceCounters& s : c.service) {
    auto& a = out.service.emplace_back();
    a[0] = s.packets.get();
    a[1] = s.bytes.get();
    for (std::size_t i = 0; i < kReasons; ++i) a[2 + i] = s.dropped[i].get();
  }
  for (const FlowCounters& f : c.flow) out.flow_packets.push_back(f.packets.get());
  return out;
}

// --- frames --------------------------------------------------------------------

bool tag_tpid(std::uint16_t t) { return t == 0x8100 || t == 0x88a8 || t == 0x9100; }

/// The VLAN a vlan_filter sees for `f` at VM port `p` (Worker::frame_vlan):
/// the frame's own tag when its first segment holds one, else the port's
/// network's.
std::uint16_t filter_vlan(const Snapshot& s, const Bytes& f, std::size_t first_len, std::uint16_t p) {
  if (first_len >= 18 && f.size() >= 18 && tag_tpid(be16(&f[12]))) return be16(&f[14]) & 0x0fff;
  return s.networks[s.ports[p].network].vlan;
}

Bytes push_tag(const Bytes& f, std::uint16_t vid) {
  Bytes t(f.begin(), f.begin() + 12);
  t.insert(t.end(), {0x81, 0x00, static_cast<std::uint8_t>(vid >> 8 & 0x0f), static_cast<std::uint8_t>(vid)});
  t.insert(t.end(), f.begin() + 12, f.end());
  return t;
}

Bytes pop_tag(const Bytes& f) {
  Bytes t(f.begin(), f.begin() + 12);
  t.insert(t.end(), f.begin() + 16, f.end());
  return t;
}

/// One frame a port transmitted.
struct Out {
  std::uint16_t port = 0;
  rte_mbuf* m = nullptr;
  Bytes bytes;
  std::vector<std::uint16_t> segs;  // data length of each segment
  bool production = false;          // from the production pool
};

/// Contiguous bytes from `offset` to the end of the segment holding it.
std::size_t contiguous(const Out& o, std::size_t offset) {
  for (const std::uint16_t len : o.segs) {
    if (offset < len) return len - offset;
    offset -= len;
  }
  return 0;
}

/// An original a copy may show: the frame as received (OUT) or as
/// delivered to a VM (IN).
struct Candidate {
  const Bytes* bytes;
  bool in;
};

bool is_control(const Bytes& f) {
  if (f.size() < 14) return false;
  std::size_t off = 12;
  std::uint16_t type = be16(&f[off]);
  if (type == 0x8100 && f.size() >= 18) type = be16(&f[off += 4]);
  if (type == 0x0806) return true;
  return type == 0x86dd && f.size() >= off + 2 + 40 && f[off + 2 + 6] == 58;  // ICMPv6
}

// --- one frame -----------------------------------------------------------------

std::string where(const PacketRig& r, std::uint16_t in, const Bytes& f) {
  return " [rig " + std::string(&r == g_rigs[0].rig.get() ? "A" : "B") + ", in " + r.snap().ports[in].name +
         ", " + std::to_string(f.size()) + " B]";
}

void check_copy(Rig& rg, const Out& o, const std::vector<Candidate>& cands, bool encap, const std::string& ctx) {
  const PacketRig& r = *rg.rig;
  const Snapshot& s = r.snap();
  if (!encap) {
    for (const Candidate& c : cands)
      if (*c.bytes == o.bytes) return;
    FUZZ_CHECK(false, "local copy on " + s.ports[o.port].name + " equals no original" + ctx);
  }
  OuterExpect expect{r.caps(o.port).mac, o.port == s.underlay.port ? s.underlay.vlan : std::uint16_t{0},
                     s.underlay.mtu};
  Decoded d;
  const std::string problem = decode_encap(o.bytes, expect, d);
  FUZZ_CHECK(problem.empty(), "copy on " + s.ports[o.port].name + ": " + problem + ctx);
  const std::uint8_t* inner = o.bytes.data() + d.inner_offset;
  const std::size_t inner_len = o.bytes.size() - d.inner_offset;
  bool matched = false;
  for (const Candidate& c : cands) {
    const Bytes& orig = *c.bytes;
    if (inner_len > orig.size() || std::memcmp(inner, orig.data(), inner_len) != 0) continue;
    const bool cut = inner_len < orig.size();
    if (d.encap == Encap::kVxlan && cut) continue;
    if (d.encap != Encap::kVxlan && cut != d.truncated) continue;
    if (d.encap == Encap::kErspan3 && d.direction_in != c.in) continue;
    matched = true;
    if (cut) FUZZ_CHECK(d.ip_len == s.underlay.mtu, "truncated copy shorter than the MTU allows" + ctx);
  }
  FUZZ_CHECK(matched, "inner frame of the copy on " + s.ports[o.port].name + " (" + std::to_string(inner_len) +
                          " B, T=" + std::to_string(d.truncated) + ") matches no original" + ctx);
  if (d.encap == Encap::kVxlan) {
    bool known = false;
    for (const ServiceEntry& e : s.services) known = known || (e.encap == Encap::kVxlan && e.vni == d.vni);
    FUZZ_CHECK(known, "VXLAN VNI " + std::to_string(d.vni) + " of no service" + ctx);
    FUZZ_CHECK(d.udp_dst == 4789 || d.udp_dst == 8472, "VXLAN port " + std::to_string(d.udp_dst) + ctx);
    return;
  }
  const std::string fields = check_erspan_fields(d, inner, inner_len, contiguous(o, d.inner_offset));
  FUZZ_CHECK(fields.empty(), fields + ctx);
  auto [it, first] = rg.next_seq.try_emplace(d.session, d.seq);
  FUZZ_CHECK(it->second == d.seq, "ERSPAN session " + std::to_string(d.session) + ": sequence " +
                                      std::to_string(d.seq) + ", expected " + std::to_string(it->second) + ctx);
  it->second = d.seq + 1;
}

void process(Rig& rg, std::uint16_t in, const Bytes& f, std::size_t split) {
  PacketRig& r = *rg.rig;
  const Snapshot& s = r.snap();
  const dp::Pools& pools = r.pools();
  const std::string ctx = where(r, in, f);
  const Counts before = capture(r);

  // The frame as a PMD would hand it over, tailrooms poisoned: the worker
  // must not read past a segment's data.
  const std::size_t first_len = split != 0 ? split : f.size();
  rte_mbuf* segs[2] = {rte_pktmbuf_alloc(pools.production), nullptr};
  FUZZ_CHECK(segs[0] != nullptr, "production pool empty" + ctx);
  char* first = rte_pktmbuf_append(segs[0], static_cast<std::uint16_t>(first_len));
  FUZZ_CHECK(first != nullptr, "frame does not fit an mbuf" + ctx);
  if (first_len != 0) std::memcpy(first, f.data(), first_len);
  if (split != 0) {
    segs[1] = rte_pktmbuf_alloc(pools.production);
    FUZZ_CHECK(segs[1] != nullptr, "production pool empty" + ctx);
    std::memcpy(rte_pktmbuf_append(segs[1], static_cast<std::uint16_t>(f.size() - split)), f.data() + split,
                f.size() - split);
    FUZZ_CHECK(rte_pktmbuf_chain(segs[0], segs[1]) == 0, "rte_pktmbuf_chain" + ctx);
  }
  for (rte_mbuf* m : segs) {
    if (m == nullptr) continue;
    char* end = rte_pktmbuf_mtod(m, char*) + m->data_len;
    TAAS_POISON(end, static_cast<char*>(m->buf_addr) + m->buf_len - end);
  }
  FUZZ_CHECK(r.inject(in, segs[0]), "RX ring full" + ctx);
  const std::uint32_t got = r.worker().poll_once();
  for (rte_mbuf* m : segs)
    if (m != nullptr) TAAS_UNPOISON(m->buf_addr, m->buf_len);
  FUZZ_CHECK(got == 1 && r.rx_pending(in) == 0, "poll_once received " + std::to_string(got) + ctx);

  std::vector<Out> outs;
  for (std::uint16_t p = 0; p < s.ports.size(); ++p) {
    std::vector<rte_mbuf*> ms;
    r.dequeue(p, ms);
    for (rte_mbuf* m : ms) {
      Out& o = outs.emplace_back();
      o.port = p;
      o.m = m;
      o.production = m->pool == pools.production;
      for (const rte_mbuf* seg = m; seg != nullptr; seg = seg->next) {
        const auto* d = rte_pktmbuf_mtod(seg, const std::uint8_t*);
        o.bytes.insert(o.bytes.end(), d, d + seg->data_len);
        o.segs.push_back(seg->data_len);
      }
      FUZZ_CHECK(o.bytes.size() == rte_pktmbuf_pkt_len(m) && o.segs.size() == m->nb_segs,
                 "pkt_len / nb_segs do not match the segments" + ctx);
    }
  }
  const Counts after = capture(r);
  auto dp = [&](std::uint16_t p, int field) { return after.port[p][field] - before.port[p][field]; };

  // Ports: received, transmitted, dropped.
  std::vector<unsigned> per_port(s.ports.size(), 0);
  std::vector<std::uint64_t> bytes_port(s.ports.size(), 0);
  for (const Out& o : outs) {
    ++per_port[o.port];
    bytes_port[o.port] += o.bytes.size();
  }
  for (std::uint16_t p = 0; p < s.ports.size(); ++p) {
    const std::string name = " on " + s.ports[p].name;
    FUZZ_CHECK(dp(p, kRxPk) == (p == in ? 1u : 0u), "rx_packets" + name + ctx);
    FUZZ_CHECK(p != in || dp(p, kRxBy) == f.size(), "rx_bytes" + name + ctx);
    FUZZ_CHECK(dp(p, kTxPk) == per_port[p] && dp(p, kTxBy) == bytes_port[p], "tx counters" + name + ctx);
    FUZZ_CHECK(dp(p, kTxDrop) == 0 && dp(p, kNombuf) == 0 && dp(p, kLinkDown) == 0, "TX drops" + name + ctx);
    std::uint64_t reasons = 0;
    for (std::size_t i = 0; i < kRxReasons; ++i) reasons += dp(p, kBy0 + static_cast<int>(i));
    FUZZ_CHECK(reasons == dp(p, kRxDrop), "rx_dropped is not the sum of its reasons" + name + ctx);
  }
  const PortRole role = s.ports[in].role;
  const bool vm_in = role == PortRole::kVm;
  const bool dropped = dp(in, kRxDrop) == 1;
  auto by = [&](RxDropReason why) { return dp(in, kBy0 + static_cast<int>(why)) == 1; };
  bool owns_address = false;
  for (const LocalAddress& a : s.local_addresses) owns_address = owns_address || a.port == in;

  // Production frames: where they may go and what they must be.
  std::vector<const Out*> delivered;  // to VM ports
  unsigned production = 0;
  for (const Out& o : outs) {
    if (!o.production) continue;
    ++production;
    const PortEntry& to = s.ports[o.port];
    FUZZ_CHECK(o.port != in && !to.service_port && to.role != PortRole::kMonitor,
               "production frame sent back or to " + to.name + ctx);
    if (vm_in) {
      const std::uint16_t net = s.ports[in].network;
      if (to.role == PortRole::kVm) {
        FUZZ_CHECK(to.network == net, "frame leaked to " + to.name + " of another network" + ctx);
        FUZZ_CHECK(o.bytes == f, "frame forwarded to " + to.name + " changed" + ctx);
      } else {
        FUZZ_CHECK(o.bytes == push_tag(f, s.networks[net].vlan), "frame toward the trunk not tagged right" + ctx);
      }
    } else {
      FUZZ_CHECK(role == PortRole::kUplink && to.role == PortRole::kVm && f.size() >= 18 && be16(&f[12]) == 0x8100,
                 "frame from " + s.ports[in].name + " forwarded to " + to.name + ctx);
      FUZZ_CHECK(to.network == s.vlan_to_network[be16(&f[14]) & 0x0fff], "trunk frame to the wrong network" + ctx);
      FUZZ_CHECK(o.bytes == pop_tag(f), "trunk frame delivered to " + to.name + " not untagged right" + ctx);
    }
    if (to.role == PortRole::kVm) delivered.push_back(&o);
  }
  if (dropped) FUZZ_CHECK(production == 0, "a dropped frame was forwarded" + ctx);
  FUZZ_CHECK(dp(in, kRxDrop) <= 1, "one frame dropped twice" + ctx);
  if (!dropped && production == 0) {  // consumed: taasd's own ARP/ND
    FUZZ_CHECK(owns_address && is_control(f), "frame neither forwarded nor dropped (conservation)" + ctx);
  }
  if (role == PortRole::kMonitor) {
    FUZZ_CHECK(by(RxDropReason::kMonitorPort) || (!dropped && owns_address),
               "frame received on a monitor port not dropped as monitor_port" + ctx);
  } else {
    FUZZ_CHECK(first_len >= 14 || by(RxDropReason::kMalformed), "runt not dropped as malformed" + ctx);
  }
  if (vm_in && first_len >= 14 && tag_tpid(be16(&f[12])))
    FUZZ_CHECK(by(RxDropReason::kVlanMismatch), "tagged frame from an access port not dropped as vlan_mismatch" + ctx);

  // Mirror copies: how many the tables ask for, and each one's bytes.
  std::vector<std::uint64_t> want(s.services.size(), 0);
  auto ask = [&](const std::vector<MirrorTarget>& targets, const Bytes& frame, std::size_t first, std::uint16_t p) {
    std::uint16_t vlan = kNone;
    for (const MirrorTarget& t : targets) {
      if (t.filter != kNone) {
        if (vlan == kNone) vlan = filter_vlan(s, frame, first, p);
        if (!s.vlan_filters[t.filter].test(vlan)) continue;
      }
      ++want[t.service];
    }
  };
  std::vector<Candidate> cands;
  if (vm_in && first_len >= 14) {
    ask(s.mirror_out[in], f, first_len, in);
    cands.push_back({&f, false});
  }
  for (const Out* o : delivered) {
    ask(s.mirror_in[o->port], o->bytes, o->segs[0], o->port);
    cands.push_back({&o->bytes, true});
  }
  std::uint64_t sent = 0;
  std::vector<std::uint64_t> sent_port(s.ports.size(), 0);
  for (std::size_t i = 0; i < s.services.size(); ++i) {
    std::uint64_t handled = 0;
    for (std::size_t k = 0; k < 2 + kReasons; ++k)
      if (k != 1) handled += after.service[i][k] - before.service[i][k];
    FUZZ_CHECK(handled == want[i], "service " + s.services[i].name + ": " + std::to_string(want[i]) +
                                       " copies asked for, " + std::to_string(handled) + " sent or dropped" + ctx);
    const std::uint64_t n = after.service[i][0] - before.service[i][0];
    sent += n;
    if (s.services[i].port != kNone) sent_port[s.services[i].port] += n;
  }
  std::uint64_t flows = 0;
  for (std::size_t i = 0; i < s.flows.size(); ++i) flows += after.flow_packets[i] - before.flow_packets[i];
  FUZZ_CHECK(flows == sent, "flow counters do not add up to the service counters" + ctx);

  std::vector<std::uint64_t> copies_port(s.ports.size(), 0);
  for (const Out& o : outs) {
    if (o.production) continue;
    const bool encap_port = o.port == s.underlay.port ||
                            std::any_of(s.services.begin(), s.services.end(), [&](const ServiceEntry& e) {
                              return e.port == o.port && e.encap != Encap::kNone;
                            });
    bool control_port = false;
    for (const LocalAddress& a : s.local_addresses) control_port = control_port || a.port == o.port;
    if (control_port && is_control(o.bytes)) {
      FUZZ_CHECK(o.bytes.size() >= 14 && std::memcmp(&o.bytes[6], r.caps(o.port).mac.data(), 6) == 0,
                 "ARP/ND frame on " + s.ports[o.port].name + " not from the port's MAC" + ctx);
      continue;
    }
    ++copies_port[o.port];
    FUZZ_CHECK(o.segs.size() == 1 || r.caps(o.port).multi_seg_tx,
               "a chained copy sent to " + s.ports[o.port].name + ", which has no multi-segment TX" + ctx);
    check_copy(rg, o, cands, encap_port, ctx);
  }
  for (std::uint16_t p = 0; p < s.ports.size(); ++p)
    FUZZ_CHECK(copies_port[p] == sent_port[p], "copies on " + s.ports[p].name + " do not match the counters" + ctx);

  // Leaks: every mbuf back once the transmitted ones are freed.
  for (const Out& o : outs) rte_pktmbuf_free(o.m);
  r.worker().return_stash();
  for (const rte_mempool* mp : {pools.production, pools.mirror, pools.clone}) {
    FUZZ_CHECK(pool_free(mp) == mp->size, std::string("mbufs missing from pool ") + mp->name + ": " +
                                             std::to_string(mp->size - pool_free(mp)) + ctx);
  }
}

Bytes intro(const char* src, int vlan) {
  Bytes f{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00};
  f[11] = static_cast<std::uint8_t>(std::strtoul(src, nullptr, 16));
  if (vlan >= 0) f.insert(f.end(), {0x81, 0x00, static_cast<std::uint8_t>(vlan >> 8), static_cast<std::uint8_t>(vlan)});
  f.insert(f.end(), {0x08, 0x00});
  f.resize(f.size() + 46, 0x5a);
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  eal_init_once();
  g_rigs[0].rig = std::make_unique<PacketRig>(kRigA, "A", std::vector<std::string>{});
  g_rigs[1].rig = std::make_unique<PacketRig>(kRigB, "B", std::vector<std::string>{"uplink", "mon1"});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < kHeader) return -1;  // not kept in the corpus
  const std::uint8_t control = data[0];
  Rig& rg = g_rigs[(control >> 3) & 1];
  PacketRig& r = *rg.rig;
  const std::uint16_t in = r.port(kIngress[control & 7]);
  std::size_t len = std::min(size - kHeader, kFrameMax);
  const std::size_t cut = be16(data + 2);
  if (cut != 0) len = std::min(len, cut);
  const Bytes frame(data + kHeader, data + kHeader + len);

  std::size_t split = 0;
  if ((control & 0x10) != 0 && len >= 2) split = data[1] < len && data[1] != 0 ? data[1] : 1 + data[1] % (len - 1);
  if (len > kSegMax) split = std::clamp<std::size_t>(split == 0 ? kSegMax : split, len - kSegMax, kSegMax);

  if ((control & 0x20) != 0) {
    process(rg, r.port("vm2"), intro("02", -1), 0);
    process(rg, r.port("uplink"), intro("99", 100), 0);
  }
  process(rg, in, frame, split);
  return 0;
}
