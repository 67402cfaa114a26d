// Statuses of services and flows (resource_status.hpp), shared by the
// control socket's operations and the Neutron API.

#include "control/resource_status.hpp"

namespace taas::ctl {

std::vector<std::uint16_t> service_neighbors(const Snapshot& snap) {
  std::vector<std::uint16_t> out(snap.services.size(), kNone);
  for (const auto* table : {&snap.mirror_out, &snap.mirror_in})
    for (const auto& targets : *table)
      for (const MirrorTarget& t : targets)
        if (t.encap != kNoIndex && t.service < out.size()) out[t.service] = snap.encaps[t.encap].neighbor;
  return out;
}

bool external_service(const Snapshot& snap, const ServiceEntry& s) {
  return s.encap != Encap::kNone && s.port != kNone && snap.ports[s.port].role == PortRole::kUplink;
}

std::string_view service_status(const Snapshot& snap, const OpsHooks& hooks, std::size_t i,
                                const std::vector<std::uint16_t>& neighbors) {
  const ServiceEntry& s = snap.services[i];
  if (s.port != kNone && !hooks.port_up(s.port)) return "DOWN";
  if (neighbors[i] != kNone && !hooks.neighbor_resolved(neighbors[i])) return "ERROR";
  return "ACTIVE";
}

std::string_view flow_status(const Snapshot& snap, const OpsHooks& hooks, std::size_t i,
                             const std::vector<std::uint16_t>& neighbors) {
  const FlowEntry& f = snap.flows[i];
  return hooks.port_up(f.source_port) ? service_status(snap, hooks, f.service, neighbors) : "DOWN";
}

}  // namespace taas::ctl
