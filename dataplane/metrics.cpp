#include "dataplane/metrics.hpp"

#include <arpa/inet.h>

#include "control/intent_model.hpp"
#include "dataplane/runtime.hpp"

namespace taas::dp {
namespace {

std::string ip_text(const IpAddr& ip, bool ipv6) {
  char buf[INET6_ADDRSTRLEN];
  return inet_ntop(ipv6 ? AF_INET6 : AF_INET, ip.data(), buf, sizeof buf) != nullptr ? buf : "?";
}

std::shared_ptr<const MetricsNames> build_names(const Snapshot& snap) {
  auto n = std::make_shared<MetricsNames>();
  n->generation = snap.generation;
  n->ports.reserve(snap.ports.size());
  for (const PortEntry& p : snap.ports) n->ports.push_back(p.name);
  for (const NeighborEntry& e : snap.neighbors)
    n->neighbors.push_back({snap.ports[e.port].name, e.vlan, ip_text(e.ip, e.ipv6)});
  n->services.reserve(snap.services.size());
  for (const ServiceEntry& s : snap.services)
    n->services.push_back({s.name, s.uuid, s.port == kNone ? std::string() : snap.ports[s.port].name,
                           std::string(ctl::encap_name(s.encap)), s.port, kNone, 0});
  // The next hop a service needs: the one its encapsulation sends to (the
  // rule of control/ops.cpp's service status).
  for (const auto* table : {&snap.mirror_out, &snap.mirror_in})
    for (const auto& targets : *table)
      for (const MirrorTarget& t : targets)
        if (t.encap != kNoIndex && t.service < n->services.size())
          n->services[t.service].neighbor = snap.encaps[t.encap].neighbor;
  n->flows.reserve(snap.flows.size());
  for (const FlowEntry& f : snap.flows) {
    MetricsNames::Service& s = n->services[f.service];
    ++s.flows;
    n->flows.push_back({f.name, f.uuid, s.name, s.id, snap.ports[f.source_port].name,
                        ctl::direction_name(f.direction), f.service, f.source_port});
  }
  return n;
}

}  // namespace

std::shared_ptr<const MetricsSnapshot> collect_metrics(const Runtime& rt, const SwapHistogram& swaps,
                                                       std::uint64_t seq, const MetricsSnapshot* previous) {
  auto m = std::make_shared<MetricsSnapshot>();
  const Generation& g = rt.generation();
  m->seq = seq;
  m->generation = g.snap.generation;
  m->tsc_hz = rt.tsc_hz();
  m->names = previous != nullptr && previous->generation == m->generation ? previous->names : build_names(g.snap);
  m->totals = rt.totals();
  m->worker_cycles = rt.worker_cycles();
  m->swaps = swaps;

  const MetricsNames& n = *m->names;
  m->port_up.reserve(n.ports.size());
  for (std::size_t p = 0; p < n.ports.size(); ++p) m->port_up.push_back(rt.port_up(static_cast<std::uint16_t>(p)));
  m->neighbor_resolved.reserve(n.neighbors.size());
  for (std::size_t i = 0; i < n.neighbors.size(); ++i) {
    std::uint8_t mac[6];
    m->neighbor_resolved.push_back(i < g.remote.neighbors() && g.remote.lookup(static_cast<std::uint16_t>(i), mac));
  }
  m->service_status.reserve(n.services.size());
  for (const MetricsNames::Service& s : n.services) {
    Status st = Status::kActive;
    if (s.port_index != kNone && !m->port_up[s.port_index])
      st = Status::kDown;
    else if (s.neighbor != kNone && !(s.neighbor < n.neighbors.size() && m->neighbor_resolved[s.neighbor]))
      st = Status::kError;
    m->service_status.push_back(st);
  }
  m->flow_status.reserve(n.flows.size());
  for (const MetricsNames::Flow& f : n.flows)
    m->flow_status.push_back(m->port_up[f.source_index] ? m->service_status[f.service_index] : Status::kDown);
  return m;
}

}  // namespace taas::dp
