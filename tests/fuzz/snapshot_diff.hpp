#pragma once
// The first difference between two snapshots, for the fuzz harnesses (the
// gtest version is tests/unit/control/snapshot_compare.hpp): every field
// workers or stats read; generation and source are labels of the load and
// are left out. Empty when the snapshots are the same.

#include <string>
#include <vector>

#include "taas/snapshot.hpp"

namespace taas::fuzz {

namespace diff_detail {

inline std::string at(const char* table, std::size_t i, const char* field) {
  return std::string(table) + "[" + std::to_string(i) + "]." + field;
}

inline bool same_targets(const std::vector<std::vector<MirrorTarget>>& a,
                         const std::vector<std::vector<MirrorTarget>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t p = 0; p < a.size(); ++p) {
    if (a[p].size() != b[p].size()) return false;
    for (std::size_t i = 0; i < a[p].size(); ++i) {
      const MirrorTarget &x = a[p][i], &y = b[p][i];
      if (x.service != y.service || x.port != y.port || x.flow != y.flow || x.encap != y.encap ||
          x.filter != y.filter)
        return false;
    }
  }
  return true;
}

}  // namespace diff_detail

#define TAAS_DIFF(cond, what) \
  if (!(cond)) return what

inline std::string snapshot_diff(const Snapshot& a, const Snapshot& b) {
  using diff_detail::at;
  const DataplaneParams &pa = a.params, &pb = b.params;
  TAAS_DIFF(pa.workers == pb.workers && pa.eal_args == pb.eal_args && pa.mac_age_seconds == pb.mac_age_seconds &&
                pa.mac_table_size == pb.mac_table_size && pa.burst == pb.burst &&
                pa.rx_queue_size == pb.rx_queue_size && pa.tx_queue_size == pb.tx_queue_size &&
                pa.pool_size == pb.pool_size && pa.mirror_pool_size == pb.mirror_pool_size &&
                pa.clone_pool_size == pb.clone_pool_size && pa.copy_below_bytes == pb.copy_below_bytes,
            "dataplane parameters");
  TAAS_DIFF(a.ports.size() == b.ports.size(), "number of ports");
  for (std::size_t i = 0; i < a.ports.size(); ++i) {
    const PortEntry &x = a.ports[i], &y = b.ports[i];
    TAAS_DIFF(x.name == y.name, at("ports", i, "name"));
    TAAS_DIFF(x.uuid == y.uuid, at("ports", i, "uuid"));
    TAAS_DIFF(x.device == y.device, at("ports", i, "device"));
    TAAS_DIFF(x.role == y.role && x.network == y.network && x.service_port == y.service_port,
              at("ports", i, "role/network/service_port"));
  }
  TAAS_DIFF(a.networks.size() == b.networks.size(), "number of networks");
  for (std::size_t i = 0; i < a.networks.size(); ++i) {
    const NetworkEntry &x = a.networks[i], &y = b.networks[i];
    TAAS_DIFF(x.name == y.name && x.vlan == y.vlan && x.vm_ports == y.vm_ports, at("networks", i, "*"));
  }
  TAAS_DIFF(a.vlan_to_network == b.vlan_to_network && a.uplink == b.uplink, "vlan_to_network / uplink");
  TAAS_DIFF(a.services.size() == b.services.size(), "number of tap services");
  for (std::size_t i = 0; i < a.services.size(); ++i) {
    const ServiceEntry &x = a.services[i], &y = b.services[i];
    TAAS_DIFF(x.name == y.name, at("services", i, "name"));
    TAAS_DIFF(x.uuid == y.uuid, at("services", i, "uuid"));
    TAAS_DIFF(x.description == y.description, at("services", i, "description"));
    TAAS_DIFF(x.port == y.port && x.encap == y.encap, at("services", i, "port/encap"));
    TAAS_DIFF(x.remote_ip == y.remote_ip && x.vni == y.vni, at("services", i, "remote_ip/vni"));
  }
  TAAS_DIFF(a.flows.size() == b.flows.size(), "number of tap flows");
  for (std::size_t i = 0; i < a.flows.size(); ++i) {
    const FlowEntry &x = a.flows[i], &y = b.flows[i];
    TAAS_DIFF(x.name == y.name, at("flows", i, "name"));
    TAAS_DIFF(x.uuid == y.uuid, at("flows", i, "uuid"));
    TAAS_DIFF(x.description == y.description, at("flows", i, "description"));
    TAAS_DIFF(x.source_port == y.source_port && x.service == y.service && x.direction == y.direction,
              at("flows", i, "source_port/service/direction"));
    TAAS_DIFF(x.vlan_filter == y.vlan_filter, at("flows", i, "vlan_filter"));
    TAAS_DIFF(x.erspan_session_id == y.erspan_session_id, at("flows", i, "erspan_session_id"));
  }
  TAAS_DIFF(diff_detail::same_targets(a.mirror_out, b.mirror_out), "mirror_out");
  TAAS_DIFF(diff_detail::same_targets(a.mirror_in, b.mirror_in), "mirror_in");
  TAAS_DIFF(a.vlan_filters == b.vlan_filters, "vlan_filters");
  const UnderlayEntry &ua = a.underlay, &ub = b.underlay;
  TAAS_DIFF(ua.present == ub.present && ua.port == ub.port && ua.vlan == ub.vlan && ua.has_v4 == ub.has_v4 &&
                ua.has_v6 == ub.has_v6 && ua.address == ub.address && ua.address6 == ub.address6 &&
                ua.prefix == ub.prefix && ua.prefix6 == ub.prefix6 && ua.mtu == ub.mtu &&
                ua.neighbor_refresh_ms == ub.neighbor_refresh_ms,
            "underlay");
  TAAS_DIFF(a.neighbors.size() == b.neighbors.size(), "number of neighbors");
  for (std::size_t i = 0; i < a.neighbors.size(); ++i) {
    const NeighborEntry &x = a.neighbors[i], &y = b.neighbors[i];
    TAAS_DIFF(x.port == y.port && x.vlan == y.vlan && x.ipv6 == y.ipv6 && x.ip == y.ip && x.src_ip == y.src_ip &&
                  x.has_static_mac == y.has_static_mac && x.static_mac == y.static_mac,
              at("neighbors", i, "*"));
  }
  TAAS_DIFF(a.local_addresses.size() == b.local_addresses.size(), "number of local addresses");
  for (std::size_t i = 0; i < a.local_addresses.size(); ++i) {
    const LocalAddress &x = a.local_addresses[i], &y = b.local_addresses[i];
    TAAS_DIFF(x.port == y.port && x.vlan == y.vlan && x.ipv6 == y.ipv6 && x.ip == y.ip,
              at("local_addresses", i, "*"));
  }
  TAAS_DIFF(a.encaps.size() == b.encaps.size(), "number of encapsulations");
  for (std::size_t i = 0; i < a.encaps.size(); ++i) {
    const EncapEntry &x = a.encaps[i], &y = b.encaps[i];
    TAAS_DIFF(x.tmpl.bytes == y.tmpl.bytes && x.tmpl.len == y.tmpl.len && x.tmpl.l3_offset == y.tmpl.l3_offset &&
                  x.tmpl.l4_offset == y.tmpl.l4_offset && x.tmpl.erspan_offset == y.tmpl.erspan_offset &&
                  x.tmpl.ipv6 == y.tmpl.ipv6 && x.tmpl.encap == y.tmpl.encap,
              at("encaps", i, "tmpl"));
    TAAS_DIFF(x.neighbor == y.neighbor && x.sequence == y.sequence && x.max_inner == y.max_inner &&
                  x.truncate == y.truncate && x.direction_in == y.direction_in && x.gra_100ns == y.gra_100ns,
              at("encaps", i, "*"));
  }
  TAAS_DIFF(a.sessions.size() == b.sessions.size(), "number of sessions");
  for (std::size_t i = 0; i < a.sessions.size(); ++i) {
    TAAS_DIFF(a.sessions[i].service == b.sessions[i].service && a.sessions[i].session_id == b.sessions[i].session_id,
              at("sessions", i, "*"));
  }
  return {};
}

#undef TAAS_DIFF

}  // namespace taas::fuzz
