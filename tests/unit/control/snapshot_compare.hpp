#pragma once
// Field-by-field comparison of two snapshots for the control tests: every
// field workers or stats read, with a trace naming the table and index.

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "taas/snapshot.hpp"

namespace taas::ctl {

/// A target list as (service, flow, port, encap).
using Target = std::array<std::uint16_t, 4>;
inline std::vector<Target> targets(const std::vector<MirrorTarget>& list) {
  std::vector<Target> out;
  for (const MirrorTarget& t : list)
    out.push_back({t.service, static_cast<std::uint16_t>(t.flow), t.port,
                   t.encap == kNoIndex ? kNone : static_cast<std::uint16_t>(t.encap)});
  return out;
}

inline void expect_same_targets(const std::vector<std::vector<MirrorTarget>>& a,
                         const std::vector<std::vector<MirrorTarget>>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t p = 0; p < a.size(); ++p) {
    ASSERT_EQ(a[p].size(), b[p].size()) << what << "[" << p << "]";
    for (std::size_t i = 0; i < a[p].size(); ++i) {
      SCOPED_TRACE(std::string(what) + "[" + std::to_string(p) + "][" + std::to_string(i) + "]");
      EXPECT_EQ(a[p][i].service, b[p][i].service);
      EXPECT_EQ(a[p][i].flow, b[p][i].flow);
      EXPECT_EQ(a[p][i].port, b[p][i].port);
      EXPECT_EQ(a[p][i].encap, b[p][i].encap);
      EXPECT_EQ(a[p][i].filter, b[p][i].filter);
    }
  }
}

/// Every field workers or stats read. Generation and source are labels of
/// the load, not of the state, and are left out.
inline void expect_same(const Snapshot& a, const Snapshot& b) {
  const DataplaneParams &pa = a.params, &pb = b.params;
  EXPECT_EQ(pa.workers, pb.workers);
  EXPECT_EQ(pa.eal_args, pb.eal_args);
  EXPECT_EQ(pa.mac_age_seconds, pb.mac_age_seconds);
  EXPECT_EQ(pa.mac_table_size, pb.mac_table_size);
  EXPECT_EQ(pa.burst, pb.burst);
  EXPECT_EQ(pa.rx_queue_size, pb.rx_queue_size);
  EXPECT_EQ(pa.tx_queue_size, pb.tx_queue_size);
  EXPECT_EQ(pa.pool_size, pb.pool_size);
  EXPECT_EQ(pa.mirror_pool_size, pb.mirror_pool_size);
  EXPECT_EQ(pa.clone_pool_size, pb.clone_pool_size);
  EXPECT_EQ(pa.copy_below_bytes, pb.copy_below_bytes);

  ASSERT_EQ(a.ports.size(), b.ports.size());
  for (std::size_t i = 0; i < a.ports.size(); ++i) {
    SCOPED_TRACE("ports[" + std::to_string(i) + "]");
    EXPECT_EQ(a.ports[i].name, b.ports[i].name);
    EXPECT_EQ(a.ports[i].uuid, b.ports[i].uuid);
    EXPECT_EQ(a.ports[i].device, b.ports[i].device);
    EXPECT_EQ(a.ports[i].role, b.ports[i].role);
    EXPECT_EQ(a.ports[i].network, b.ports[i].network);
    EXPECT_EQ(a.ports[i].service_port, b.ports[i].service_port);
  }
  ASSERT_EQ(a.networks.size(), b.networks.size());
  for (std::size_t i = 0; i < a.networks.size(); ++i) {
    SCOPED_TRACE("networks[" + std::to_string(i) + "]");
    EXPECT_EQ(a.networks[i].name, b.networks[i].name);
    EXPECT_EQ(a.networks[i].vlan, b.networks[i].vlan);
    EXPECT_EQ(a.networks[i].vm_ports, b.networks[i].vm_ports);
  }
  EXPECT_EQ(a.vlan_to_network, b.vlan_to_network);
  EXPECT_EQ(a.uplink, b.uplink);
  ASSERT_EQ(a.services.size(), b.services.size());
  for (std::size_t i = 0; i < a.services.size(); ++i) {
    SCOPED_TRACE("services[" + std::to_string(i) + "]");
    EXPECT_EQ(a.services[i].name, b.services[i].name);
    EXPECT_EQ(a.services[i].uuid, b.services[i].uuid);
    EXPECT_EQ(a.services[i].description, b.services[i].description);
    EXPECT_EQ(a.services[i].port, b.services[i].port);
    EXPECT_EQ(a.services[i].encap, b.services[i].encap);
    EXPECT_EQ(a.services[i].remote_ip, b.services[i].remote_ip);
    EXPECT_EQ(a.services[i].vni, b.services[i].vni);
  }
  ASSERT_EQ(a.flows.size(), b.flows.size());
  for (std::size_t i = 0; i < a.flows.size(); ++i) {
    SCOPED_TRACE("flows[" + std::to_string(i) + "]");
    EXPECT_EQ(a.flows[i].name, b.flows[i].name);
    EXPECT_EQ(a.flows[i].uuid, b.flows[i].uuid);
    EXPECT_EQ(a.flows[i].description, b.flows[i].description);
    EXPECT_EQ(a.flows[i].source_port, b.flows[i].source_port);
    EXPECT_EQ(a.flows[i].service, b.flows[i].service);
    EXPECT_EQ(a.flows[i].direction, b.flows[i].direction);
    EXPECT_EQ(a.flows[i].vlan_filter, b.flows[i].vlan_filter);
    EXPECT_EQ(a.flows[i].erspan_session_id, b.flows[i].erspan_session_id);
  }
  expect_same_targets(a.mirror_out, b.mirror_out, "mirror_out");
  expect_same_targets(a.mirror_in, b.mirror_in, "mirror_in");
  EXPECT_EQ(a.vlan_filters, b.vlan_filters);

  const UnderlayEntry &ua = a.underlay, &ub = b.underlay;
  EXPECT_EQ(ua.present, ub.present);
  EXPECT_EQ(ua.port, ub.port);
  EXPECT_EQ(ua.vlan, ub.vlan);
  EXPECT_EQ(ua.has_v4, ub.has_v4);
  EXPECT_EQ(ua.has_v6, ub.has_v6);
  EXPECT_EQ(ua.address, ub.address);
  EXPECT_EQ(ua.address6, ub.address6);
  EXPECT_EQ(ua.prefix, ub.prefix);
  EXPECT_EQ(ua.prefix6, ub.prefix6);
  EXPECT_EQ(ua.mtu, ub.mtu);
  EXPECT_EQ(ua.neighbor_refresh_ms, ub.neighbor_refresh_ms);
  ASSERT_EQ(a.neighbors.size(), b.neighbors.size());
  for (std::size_t i = 0; i < a.neighbors.size(); ++i) {
    SCOPED_TRACE("neighbors[" + std::to_string(i) + "]");
    const NeighborEntry &na = a.neighbors[i], &nb = b.neighbors[i];
    EXPECT_EQ(na.port, nb.port);
    EXPECT_EQ(na.vlan, nb.vlan);
    EXPECT_EQ(na.ipv6, nb.ipv6);
    EXPECT_EQ(na.ip, nb.ip);
    EXPECT_EQ(na.src_ip, nb.src_ip);
    EXPECT_EQ(na.has_static_mac, nb.has_static_mac);
    EXPECT_EQ(na.static_mac, nb.static_mac);
  }
  ASSERT_EQ(a.local_addresses.size(), b.local_addresses.size());
  for (std::size_t i = 0; i < a.local_addresses.size(); ++i) {
    SCOPED_TRACE("local_addresses[" + std::to_string(i) + "]");
    EXPECT_EQ(a.local_addresses[i].port, b.local_addresses[i].port);
    EXPECT_EQ(a.local_addresses[i].vlan, b.local_addresses[i].vlan);
    EXPECT_EQ(a.local_addresses[i].ipv6, b.local_addresses[i].ipv6);
    EXPECT_EQ(a.local_addresses[i].ip, b.local_addresses[i].ip);
  }
  ASSERT_EQ(a.encaps.size(), b.encaps.size());
  for (std::size_t i = 0; i < a.encaps.size(); ++i) {
    SCOPED_TRACE("encaps[" + std::to_string(i) + "]");
    const EncapEntry &ea = a.encaps[i], &eb = b.encaps[i];
    EXPECT_EQ(ea.tmpl.bytes, eb.tmpl.bytes);
    EXPECT_EQ(ea.tmpl.len, eb.tmpl.len);
    EXPECT_EQ(ea.tmpl.l3_offset, eb.tmpl.l3_offset);
    EXPECT_EQ(ea.tmpl.l4_offset, eb.tmpl.l4_offset);
    EXPECT_EQ(ea.tmpl.erspan_offset, eb.tmpl.erspan_offset);
    EXPECT_EQ(ea.tmpl.ipv6, eb.tmpl.ipv6);
    EXPECT_EQ(ea.tmpl.encap, eb.tmpl.encap);
    EXPECT_EQ(ea.neighbor, eb.neighbor);
    EXPECT_EQ(ea.sequence, eb.sequence);
    EXPECT_EQ(ea.max_inner, eb.max_inner);
    EXPECT_EQ(ea.truncate, eb.truncate);
    EXPECT_EQ(ea.direction_in, eb.direction_in);
    EXPECT_EQ(ea.gra_100ns, eb.gra_100ns);
  }
  ASSERT_EQ(a.sessions.size(), b.sessions.size());
  for (std::size_t i = 0; i < a.sessions.size(); ++i) {
    SCOPED_TRACE("sessions[" + std::to_string(i) + "]");
    EXPECT_EQ(a.sessions[i].service, b.sessions[i].service);
    EXPECT_EQ(a.sessions[i].session_id, b.sessions[i].session_id);
  }
}

}  // namespace taas::ctl
