#pragma once
// What a worker assumes of every snapshot the control plane compiles: each
// index it follows is in range, mirror copies never leave on a port that is
// itself mirrored (a copy would be copied again), and an encapsulated copy
// of max_inner bytes fits the underlay MTU. The worker checks none of this
// per frame, so an intent that compiles to a snapshot breaking it is a bug
// in the validator. Returns the first problem, empty when there is none.

#include <string>

#include "taas/snapshot.hpp"

namespace taas::fuzz {

#define TAAS_REQUIRE(cond, what) \
  if (!(cond)) return std::string(what) + " (" #cond ")"

inline std::string snapshot_problem(const Snapshot& s) {
  const std::size_t np = s.ports.size();
  for (std::size_t i = 0; i < np; ++i) {
    const PortEntry& p = s.ports[i];
    TAAS_REQUIRE(p.network == kNone || p.network < s.networks.size(), "ports[" + std::to_string(i) + "].network");
    TAAS_REQUIRE((p.role == PortRole::kVm) == (p.network != kNone), "ports[" + std::to_string(i) + "]: VM without network");
  }
  for (std::size_t n = 0; n < s.networks.size(); ++n) {
    const NetworkEntry& e = s.networks[n];
    TAAS_REQUIRE(e.vlan >= 1 && e.vlan <= 4094 && s.vlan_to_network[e.vlan] == n,
                 "networks[" + std::to_string(n) + "].vlan");
    for (const std::uint16_t p : e.vm_ports)
      TAAS_REQUIRE(p < np && s.ports[p].network == n, "networks[" + std::to_string(n) + "].vm_ports");
  }
  for (std::size_t v = 0; v < s.vlan_to_network.size(); ++v)
    TAAS_REQUIRE(s.vlan_to_network[v] == kNone || s.networks.at(s.vlan_to_network[v]).vlan == v,
                 "vlan_to_network[" + std::to_string(v) + "]");
  TAAS_REQUIRE(s.uplink == kNone || (s.uplink < np && s.ports[s.uplink].role == PortRole::kUplink), "uplink");
  for (std::size_t i = 0; i < s.services.size(); ++i)
    TAAS_REQUIRE(s.services[i].port == kNone || s.services[i].port < np, "services[" + std::to_string(i) + "].port");
  for (std::size_t i = 0; i < s.flows.size(); ++i) {
    const FlowEntry& f = s.flows[i];
    TAAS_REQUIRE(f.source_port < np && f.service < s.services.size(), "flows[" + std::to_string(i) + "]");
    TAAS_REQUIRE(s.ports[f.source_port].role == PortRole::kVm, "flows[" + std::to_string(i) + "]: source not a VM");
    TAAS_REQUIRE(f.erspan_session_id == kNone || f.erspan_session_id <= 1023,
                 "flows[" + std::to_string(i) + "].erspan_session_id");
  }
  TAAS_REQUIRE(s.mirror_out.size() == np && s.mirror_in.size() == np, "mirror table sizes");
  for (const auto* table : {&s.mirror_out, &s.mirror_in}) {
    for (std::size_t p = 0; p < np; ++p) {
      for (const MirrorTarget& t : (*table)[p]) {
        const std::string where = "mirror target of ports[" + std::to_string(p) + "]";
        TAAS_REQUIRE(s.ports[p].role == PortRole::kVm, where + ": source not a VM");
        TAAS_REQUIRE(t.service < s.services.size() && t.flow < s.flows.size() && t.port < np, where);
        TAAS_REQUIRE(s.flows[t.flow].service == t.service && s.flows[t.flow].source_port == p, where + ": flow");
        TAAS_REQUIRE(s.mirror_out[t.port].empty() && s.mirror_in[t.port].empty(),
                     where + ": copies leave on a mirrored port");
        TAAS_REQUIRE(s.ports[t.port].role != PortRole::kVm, where + ": copies leave on a VM port");
        TAAS_REQUIRE(t.filter == kNone || t.filter < s.vlan_filters.size(), where + ".filter");
        TAAS_REQUIRE((t.encap == kNoIndex) == (s.services[t.service].encap == Encap::kNone), where + ".encap");
        TAAS_REQUIRE(t.encap == kNoIndex || t.encap < s.encaps.size(), where + ".encap");
      }
    }
  }
  for (std::size_t i = 0; i < s.neighbors.size(); ++i)
    TAAS_REQUIRE(s.neighbors[i].port < np, "neighbors[" + std::to_string(i) + "].port");
  for (std::size_t i = 0; i < s.sessions.size(); ++i)
    TAAS_REQUIRE(s.sessions[i].service < s.services.size() && s.sessions[i].session_id <= 1023,
                 "sessions[" + std::to_string(i) + "]");
  for (std::size_t i = 0; i < s.encaps.size(); ++i) {
    const EncapEntry& e = s.encaps[i];
    const EncapTemplate& t = e.tmpl;
    const std::string where = "encaps[" + std::to_string(i) + "]";
    TAAS_REQUIRE(t.encap != Encap::kNone && t.len >= 16 && t.len <= t.bytes.size(), where + ".tmpl.len");
    TAAS_REQUIRE(t.l3_offset >= 14 && t.l3_offset < t.l4_offset && t.l4_offset < t.erspan_offset &&
                     t.erspan_offset < t.len,
                 where + ".tmpl offsets");
    TAAS_REQUIRE(e.neighbor < s.neighbors.size(), where + ".neighbor");
    TAAS_REQUIRE((e.sequence == kNone) == (t.encap == Encap::kVxlan), where + ".sequence");
    TAAS_REQUIRE(e.sequence == kNone || e.sequence < s.sessions.size(), where + ".sequence");
    TAAS_REQUIRE(e.truncate == (t.encap != Encap::kVxlan), where + ".truncate");
    const std::uint32_t ip_len = t.len - t.l3_offset + e.max_inner;
    TAAS_REQUIRE(ip_len <= s.underlay.mtu, where + ".max_inner exceeds the MTU");
    TAAS_REQUIRE(ip_len <= 0xffff, where + ".max_inner exceeds an IP packet");
  }
  return {};
}

#undef TAAS_REQUIRE

}  // namespace taas::fuzz
