// compile_remote: the remote-mirroring tables of a snapshot (DESIGN.md §4,
// §5): underlay, next hops to resolve, addresses to answer for, one outer
// header template per remote mirror target, and the ERSPAN sessions whose
// GRE sequence numbers the workers share.

#include <algorithm>
#include <map>
#include <utility>

#include "control/addr_syntax.hpp"
#include "control/encap_template.hpp"
#include "control/intent_model.hpp"

namespace taas::ctl {

namespace {

constexpr std::uint32_t kDefaultMtu = 1500;
constexpr std::uint32_t kDefaultTtl = 64;
constexpr std::uint32_t kDefaultRefreshSeconds = 30;
constexpr std::uint16_t kDefaultVxlanPort = 4789;

bool same(const NeighborEntry& a, const NeighborEntry& b) {
  return a.port == b.port && a.vlan == b.vlan && a.ipv6 == b.ipv6 && a.ip == b.ip && a.src_ip == b.src_ip &&
         a.has_static_mac == b.has_static_mac && a.static_mac == b.static_mac;
}

class RemoteCompiler {
 public:
  RemoteCompiler(const Intent& intent, const Resolution& r, Snapshot& snap)
      : intent_(intent), r_(r), snap_(snap), u_(intent.underlay) {}

  void run() {
    underlay();
    for (std::size_t p = 0; p < snap_.ports.size(); ++p) {
      for (MirrorTarget& t : snap_.mirror_out[p]) target(t, false);
      for (MirrorTarget& t : snap_.mirror_in[p]) target(t, true);
    }
    // External services leave on the underlay port even with no flow yet.
    for (std::size_t i = 0; i < intent_.services.size(); ++i) {
      ServiceEntry& s = snap_.services[i];
      if (s.encap != Encap::kNone && s.port == kNone) s.port = snap_.underlay.port;
    }
  }

 private:
  void underlay() {
    UnderlayEntry& u = snap_.underlay;
    if (!u_.present) return;
    u.present = true;
    u.port = r_.underlay_port;
    u.vlan = static_cast<std::uint16_t>(u_.vlan.value);
    if (u_.address.present) {
      const IpPrefix a = *parse_ip(u_.address.value);
      u.has_v4 = true;
      u.address = a.ip;
      u.prefix = a.prefix;
    }
    if (u_.address6.present) {
      const IpPrefix a = *parse_ip(u_.address6.value);
      u.has_v6 = true;
      u.address6 = a.ip;
      u.prefix6 = a.prefix;
    }
    u.mtu = u_.mtu.present ? u_.mtu.value : kDefaultMtu;
    u.neighbor_refresh_ms = (u_.neighbor_refresh.present ? u_.neighbor_refresh.value : kDefaultRefreshSeconds) * 1000;
    if (u.port != kNone) {
      if (u.has_v4) local_address({u.port, u.vlan, false, u.address});
      if (u.has_v6) local_address({u.port, u.vlan, true, u.address6});
    }
  }

  void local_address(const LocalAddress& a) {
    for (const LocalAddress& b : snap_.local_addresses)
      if (b.port == a.port && b.vlan == a.vlan && b.ipv6 == a.ipv6 && b.ip == a.ip) return;
    snap_.local_addresses.push_back(a);
  }

  std::uint16_t neighbor(const NeighborEntry& n) {
    for (std::size_t i = 0; i < snap_.neighbors.size(); ++i)
      if (same(snap_.neighbors[i], n)) return static_cast<std::uint16_t>(i);
    snap_.neighbors.push_back(n);
    return static_cast<std::uint16_t>(snap_.neighbors.size() - 1);
  }

  std::uint16_t session(std::uint16_t service, std::uint16_t id) {
    const auto key = std::make_pair(service, id);
    auto it = sessions_.find(key);
    if (it != sessions_.end()) return it->second;
    snap_.sessions.push_back({service, id});
    const auto index = static_cast<std::uint16_t>(snap_.sessions.size() - 1);
    sessions_.emplace(key, index);
    return index;
  }

  /// Which neighbour a service's copies go to: in internal mode the
  /// collector itself on the service port; in external mode the collector
  /// when on-link, else the gateway, on the underlay port.
  NeighborEntry next_hop(const ServiceIntent& s, std::uint16_t service_port, const IpPrefix& remote) const {
    const UnderlayEntry& u = snap_.underlay;
    NeighborEntry n;
    n.ipv6 = remote.ipv6;
    n.src_ip = remote.ipv6 ? u.address6 : u.address;
    if (service_port != kNone) {
      n.port = service_port;
      n.ip = remote.ip;
      if (s.remote_mac.present) {
        n.has_static_mac = true;
        n.static_mac = *parse_mac(s.remote_mac.value);
      }
      return n;
    }
    n.port = u.port;
    n.vlan = u.vlan;
    const IpPrefix local{n.src_ip, remote.ipv6 ? u.prefix6 : u.prefix, remote.ipv6};
    const Field<std::string>& gw = remote.ipv6 ? u_.gateway6 : u_.gateway;
    n.ip = in_prefix(local, remote) || !gw.present ? remote.ip : parse_ip(gw.value)->ip;
    if (u_.next_hop_mac.present) {
      n.has_static_mac = true;
      n.static_mac = *parse_mac(u_.next_hop_mac.value);
    }
    return n;
  }

  void target(MirrorTarget& t, bool direction_in) {
    const ServiceIntent& s = intent_.services[t.service];
    if (!s.encap.present || s.encap.value == Encap::kNone) return;
    const std::uint16_t service_port = r_.service_port[t.service];
    const IpPrefix remote = *parse_ip(s.remote_ip.value);
    const NeighborEntry hop = next_hop(s, service_port, remote);
    if (service_port != kNone) {  // internal mode: answer ARP/ND there too
      const UnderlayEntry& u = snap_.underlay;
      if (u.has_v4) local_address({service_port, 0, false, u.address});
      if (u.has_v6) local_address({service_port, 0, true, u.address6});
    }

    EncapParams p;
    p.encap = s.encap.value;
    p.ipv6 = remote.ipv6;
    p.vlan = hop.vlan;
    p.src_ip = hop.src_ip;
    p.dst_ip = remote.ip;
    p.ttl = static_cast<std::uint8_t>(u_.ttl.present ? u_.ttl.value : kDefaultTtl);
    p.dscp = static_cast<std::uint8_t>(u_.dscp.value);
    p.vni = s.vni.value;
    p.udp_dst_port = s.udp_port.present ? static_cast<std::uint16_t>(s.udp_port.value) : kDefaultVxlanPort;
    const std::uint16_t session_id = snap_.flows[t.flow].erspan_session_id;
    p.session_id = session_id == kNone ? 0 : session_id;
    const std::uint16_t source = snap_.flows[t.flow].source_port;
    p.erspan_index = s.erspan.index.present ? s.erspan.index.value : source;
    p.hwid = static_cast<std::uint8_t>(s.erspan.hwid.value);
    p.gra_100ns = s.erspan.granularity.present && s.erspan.granularity.value == ErspanGranularity::k100ns;
    p.platform_subheader = s.erspan.platform_subheader.present && s.erspan.platform_subheader.value;
    p.platform_id = static_cast<std::uint8_t>(s.erspan.platform_id.present ? s.erspan.platform_id.value : 3);

    EncapEntry e;
    e.tmpl = build_encap_template(p);
    e.neighbor = neighbor(hop);
    if (session_id != kNone) e.sequence = session(t.service, session_id);
    const std::uint32_t ip_overhead = e.tmpl.len - e.tmpl.l3_offset;
    e.max_inner = snap_.underlay.mtu > ip_overhead ? snap_.underlay.mtu - ip_overhead : 0;
    e.truncate = p.encap != Encap::kVxlan;
    e.direction_in = direction_in;
    e.gra_100ns = p.gra_100ns;
    snap_.encaps.push_back(e);
    t.encap = static_cast<std::uint32_t>(snap_.encaps.size() - 1);
    t.port = service_port != kNone ? service_port : snap_.underlay.port;
  }

  const Intent& intent_;
  const Resolution& r_;
  Snapshot& snap_;
  const UnderlayIntent& u_;
  std::map<std::pair<std::uint16_t, std::uint16_t>, std::uint16_t> sessions_;
};

}  // namespace

void compile_remote(const Intent& intent, const Resolution& resolution, Snapshot& snap) {
  RemoteCompiler(intent, resolution, snap).run();
}

}  // namespace taas::ctl
