// validate_remote: the rules of remote mirroring (DESIGN.md §2 modes, §5
// underlay) — the underlay section, external and internal tap services, and
// ERSPAN session ids: given ones checked for conflicts per collector, missing
// ones assigned.

#include <map>
#include <string>

#include "control/addr_syntax.hpp"
#include "control/intent_model.hpp"

namespace taas::ctl {

namespace {

bool is_erspan(Encap e) { return e == Encap::kErspan2 || e == Encap::kErspan3; }

/// Not unspecified, multicast, IPv4 broadcast or loopback: an address a
/// frame can be sent to.
bool usable(const IpPrefix& a) {
  const IpAddr zero{};
  if (a.ipv6) {
    const IpAddr loopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return a.ip != zero && a.ip != loopback && a.ip[0] != 0xff;
  }
  const bool broadcast = a.ip[0] == 255 && a.ip[1] == 255 && a.ip[2] == 255 && a.ip[3] == 255;
  return a.ip[0] != 0 && a.ip[0] != 127 && a.ip[0] < 224 && !broadcast;
}

bool is_remote(const ServiceIntent& s) {
  return s.remote_ip.present || (s.encap.present && s.encap.value != Encap::kNone);
}

class RemoteValidator {
 public:
  RemoteValidator(const Intent& intent, Reader& reader, Resolution& out)
      : intent_(intent), u_(intent.underlay), reader_(reader), out_(out) {}

  bool run() { return underlay() && services() && sessions(); }

 private:
  bool underlay() {
    if (!u_.present) return true;
    if (u_.port.present) {
      const PortIntent& p = intent_.ports[out_.underlay_port];
      if (p.role.value != PortRole::kUplink) {
        return reader_.fail(u_.port.mark, "underlay.port",
                            "the underlay port must be the uplink (the physnet NIC); port " +
                                quote(p.name.value) + " has role " + std::string(role_name(p.role.value)));
      }
    } else {
      out_.underlay_port = out_.uplink;
    }
    if (u_.vlan.present && u_.vlan.value != 0) {
      for (std::size_t i = 0; i < intent_.networks.size(); ++i) {
        if (intent_.networks[i].vlan.value == u_.vlan.value) {
          return reader_.fail(u_.vlan.mark, "underlay.vlan",
                              "VLAN " + std::to_string(u_.vlan.value) + " is the trunk tag of network " +
                                  quote(intent_.networks[i].name.value) +
                                  "; underlay frames need a VLAN no network uses");
        }
      }
    }
    return gateway(u_.gateway, u_.address, "underlay.gateway", "underlay.address") &&
           gateway(u_.gateway6, u_.address6, "underlay.gateway6", "underlay.address6");
  }

  bool gateway(const Field<std::string>& gw, const Field<std::string>& address, const char* field,
               const char* address_field) {
    if (!gw.present) return true;
    if (!address.present) {
      return reader_.fail(gw.mark, field,
                          std::string("a gateway needs a local address on its subnet: set ") + address_field);
    }
    const IpPrefix ip = *parse_ip(gw.value);
    const IpPrefix local = *parse_ip(address.value);
    if (!usable(ip) || ip.ip == local.ip) {
      return reader_.fail(gw.mark, field,
                          "gateway " + quote(gw.value) + " must be a unicast address other than " + address_field);
    }
    // IPv6 routers are usually reached by their link-local address.
    const bool link_local = ip.ipv6 && ip.ip[0] == 0xfe && (ip.ip[1] & 0xc0) == 0x80;
    if (!link_local && !in_prefix(local, ip)) {
      return reader_.fail(gw.mark, field,
                          "gateway " + quote(gw.value) + " is not on the underlay subnet " + address.value +
                              " (" + address_field + "): a next hop must be on-link");
    }
    return true;
  }

  bool services() {
    for (std::size_t i = 0; i < intent_.services.size(); ++i) {
      const ServiceIntent& s = intent_.services[i];
      if (is_remote(s) && !service(s, index_path("tap_services", i), out_.service_port[i])) return false;
    }
    return true;
  }

  bool service(const ServiceIntent& s, const std::string& path, std::uint16_t port) {
    if (!s.encap.present || s.encap.value == Encap::kNone) {
      const Mark at = s.encap.present ? s.encap.mark : s.remote_ip.mark;
      return reader_.fail(at, path + ".encap",
                          "remote_ip " + quote(s.remote_ip.value) +
                              " needs an encapsulation: set encap to erspan2, erspan3 or vxlan");
    }
    const std::string encap(encap_name(s.encap.value));
    if (!s.remote_ip.present) {
      return reader_.fail(s.mark, path + ".remote_ip",
                          "missing required field 'remote_ip': encap " + encap +
                              " sends copies to a collector address (IPv4 or IPv6)");
    }
    const IpPrefix remote = *parse_ip(s.remote_ip.value);
    const char* family_field = remote.ipv6 ? "underlay.address6" : "underlay.address";
    const Field<std::string>& source = remote.ipv6 ? u_.address6 : u_.address;
    if (!u_.present) {
      return reader_.fail(s.remote_ip.mark, path + ".remote_ip",
                          "remote mirroring needs the underlay section: the source address (" +
                              std::string(family_field) + ") of the outer header and, for external mode, "
                              "the port and next hop toward " + s.remote_ip.value);
    }
    if (!source.present) {
      return reader_.fail(s.remote_ip.mark, path + ".remote_ip",
                          std::string(remote.ipv6 ? "IPv6" : "IPv4") + " collector " + quote(s.remote_ip.value) +
                              " needs an " + (remote.ipv6 ? "IPv6" : "IPv4") + " source address: set " +
                              family_field);
    }
    if (!usable(remote) || remote.ip == parse_ip(source.value)->ip) {
      return reader_.fail(s.remote_ip.mark, path + ".remote_ip",
                          "collector " + quote(s.remote_ip.value) +
                              " must be a unicast address other than taasd's own (" + family_field + ")");
    }
    if (port == kNone && !next_hop(s, path, remote, *parse_ip(source.value))) return false;
    if (port == kNone && s.remote_mac.present) {
      return reader_.fail(s.remote_mac.mark, path + ".remote_mac",
                          "'remote_mac' applies to internal mode (a service with a port); in external mode "
                          "the next hop is underlay.next_hop_mac or resolved by ARP/ND");
    }
    return encap_fields(s, path, encap);
  }

  /// External mode: copies leave the underlay port toward an on-link
  /// collector or the gateway of its family.
  bool next_hop(const ServiceIntent& s, const std::string& path, const IpPrefix& remote, const IpPrefix& source) {
    if (out_.underlay_port == kNone) {
      return reader_.fail(s.remote_ip.mark, path + ".remote_ip",
                          "external mode (remote_ip without port) sends copies out of the underlay port, but "
                          "underlay.port is not set and there is no uplink port");
    }
    const Field<std::string>& gw = remote.ipv6 ? u_.gateway6 : u_.gateway;
    if (in_prefix(source, remote) || gw.present || u_.next_hop_mac.present) return true;
    return reader_.fail(s.remote_ip.mark, path + ".remote_ip",
                        "collector " + quote(s.remote_ip.value) + " is not on the underlay subnet " +
                            (remote.ipv6 ? u_.address6.value : u_.address.value) + " and " +
                            (remote.ipv6 ? "underlay.gateway6" : "underlay.gateway") +
                            " is not set: no next hop to send to");
  }

  bool encap_fields(const ServiceIntent& s, const std::string& path, const std::string& encap) {
    const Encap e = s.encap.value;
    if (e == Encap::kVxlan && !s.vni.present) {
      return reader_.fail(s.mark, path + ".vni", "missing required field 'vni': encap vxlan needs a VNI (0..16777215)");
    }
    const auto only = [&](bool present, Mark mark, const char* key, const char* encaps) {
      return !present || reader_.fail(mark, path + "." + key,
                                      std::string("'") + key + "' applies only to encap " + encaps +
                                          "; this service has encap " + encap);
    };
    const bool vx = e == Encap::kVxlan;
    const ErspanIntent& er = s.erspan;
    const bool subheader = er.platform_subheader.present && er.platform_subheader.value;
    const bool id7 = er.platform_id.present && er.platform_id.value == 7;
    return only(s.vni.present && !vx, s.vni.mark, "vni", "vxlan") &&
           only(s.udp_port.present && !vx, s.udp_port.mark, "udp_port", "vxlan") &&
           only(er.present && vx, er.mark, "erspan", "erspan2 or erspan3") &&
           only(er.hwid.present && e != Encap::kErspan3, er.hwid.mark, "erspan.hwid", "erspan3") &&
           only(er.granularity.present && e != Encap::kErspan3, er.granularity.mark, "erspan.granularity",
                "erspan3") &&
           only(er.platform_subheader.present && e != Encap::kErspan3, er.platform_subheader.mark,
                "erspan.platform_subheader", "erspan3") &&
           only(er.platform_id.present && e != Encap::kErspan3, er.platform_id.mark, "erspan.platform_id",
                "erspan3") &&
           (!er.index.present || er.index.value < (1u << 14) || e != Encap::kErspan3 || id7 ||
            reader_.fail(er.index.mark, path + ".erspan.index",
                         "index " + std::to_string(er.index.value) +
                             " does not fit the 14-bit port id of ERSPAN III (0..16383); use a smaller index "
                             "or platform_subheader with platform_id 7 (20-bit source index)")) &&
           (!er.platform_id.present || subheader ||
            reader_.fail(er.platform_id.mark, path + ".erspan.platform_id",
                         "platform_id chooses the platform subheader's layout: set platform_subheader: true"));
  }

  /// The collector a service sends to, as comparable bytes.
  std::string collector(std::size_t service) const {
    const IpPrefix ip = *parse_ip(intent_.services[service].remote_ip.value);
    return std::string(ip.ipv6 ? "6" : "4") + std::string(ip.ip.begin(), ip.ip.end());
  }

  /// Given ids: only toward ERSPAN services, never one another service
  /// already sends to the same collector. Missing ids: one per service (in
  /// service order), the smallest >= 1 free at its collector.
  bool sessions() {
    out_.flow_session.assign(intent_.flows.size(), kNone);
    std::map<std::string, std::map<std::uint32_t, std::size_t>> used;  // collector -> id -> first flow
    for (std::size_t i = 0; i < intent_.flows.size(); ++i) {
      const FlowIntent& f = intent_.flows[i];
      const std::size_t svc = out_.flow_service[i];
      const ServiceIntent& s = intent_.services[svc];
      const bool erspan = s.encap.present && is_erspan(s.encap.value);
      if (!f.erspan_session_id.present) continue;
      const std::string path = index_path("tap_flows", i) + ".erspan_session_id";
      if (!erspan) {
        return reader_.fail(f.erspan_session_id.mark, path,
                            "erspan_session_id applies only to flows into erspan2 or erspan3 services; "
                            "tap service " + quote(s.name.value) + " has encap " +
                                std::string(encap_name(s.encap.present ? s.encap.value : Encap::kNone)));
      }
      const std::uint32_t id = f.erspan_session_id.value;
      auto [it, added] = used[collector(svc)].try_emplace(id, i);
      const std::size_t other = out_.flow_service[it->second];
      if (!added && other != svc) {
        return reader_.fail(f.erspan_session_id.mark, path,
                            "ERSPAN session " + std::to_string(id) + " toward " + s.remote_ip.value +
                                " is already used by tap service " + quote(intent_.services[other].name.value) +
                                " (tap_flows[" + std::to_string(it->second) +
                                "]); each service needs its own session ids per collector");
      }
      out_.flow_session[i] = static_cast<std::uint16_t>(id);
    }
    // Defaults go to services in file order, so a service keeps its id when
    // flows are added or reordered.
    for (std::size_t svc = 0; svc < intent_.services.size(); ++svc) {
      const ServiceIntent& s = intent_.services[svc];
      if (!s.encap.present || !is_erspan(s.encap.value)) continue;
      std::size_t first = intent_.flows.size();
      for (std::size_t i = 0; i < intent_.flows.size() && first == intent_.flows.size(); ++i)
        if (out_.flow_service[i] == svc && out_.flow_session[i] == kNone) first = i;
      if (first == intent_.flows.size()) continue;  // every flow gives its id
      auto& ids = used[collector(svc)];
      std::uint32_t id = 1;
      while (ids.count(id) != 0) ++id;
      if (id > 1023) {
        return reader_.fail(intent_.flows[first].mark, index_path("tap_flows", first) + ".erspan_session_id",
                            "no free ERSPAN session id left toward " + s.remote_ip.value);
      }
      ids.emplace(id, first);
      for (std::size_t i = first; i < intent_.flows.size(); ++i)
        if (out_.flow_service[i] == svc && out_.flow_session[i] == kNone) out_.flow_session[i] = static_cast<std::uint16_t>(id);
    }
    return true;
  }

  const Intent& intent_;
  const UnderlayIntent& u_;
  Reader& reader_;
  Resolution& out_;
};

}  // namespace

bool validate_remote(const Intent& intent, Reader& reader, Resolution& resolution) {
  return RemoteValidator(intent, reader, resolution).run();
}

}  // namespace taas::ctl
