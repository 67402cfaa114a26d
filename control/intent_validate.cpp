// validate_intent: the rules of DESIGN.md §2 and §3 that span fields —
// uniqueness, references by name or UUID, port roles, the uplink, supported
// service modes and flow conflicts — and resolution of references to the
// indexes the snapshot uses.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/intent_model.hpp"
#include "control/uuid.hpp"
#include "control/yaml_reader.hpp"

namespace taas::ctl {

namespace {

/// Every index must fit below kNone.
constexpr std::size_t kMaxEntries = kNone - 1;  // ports and services: 16-bit indexes
constexpr std::size_t kMaxFlows = std::size_t{1} << 20;  // flows: 32-bit indexes

/// Looks entities up by name, or by UUID for the ones whose id was given.
class Directory {
 public:
  /// Adds entity `index`; returns the index already holding that name or
  /// UUID (`index` itself when none did).
  std::uint32_t add_name(const std::string& name, std::uint32_t index) {
    return names_.try_emplace(name, index).first->second;
  }
  std::uint32_t add_uuid(const std::string& uuid, std::uint32_t index) {
    return uuids_.try_emplace(uuid, index).first->second;
  }

  /// Room for `n` entities without rehashing.
  void reserve(std::size_t n) {
    names_.reserve(n);
    uuids_.reserve(n);
  }

  /// Index named `ref` (a name, else a UUID in any case), or kNone for the
  /// 16-bit tables (ports, services, networks: never that many).
  std::uint16_t find(const std::string& ref) const {
    if (auto it = names_.find(ref); it != names_.end()) return static_cast<std::uint16_t>(it->second);
    if (is_uuid(ref)) {
      if (auto it = uuids_.find(normalize_uuid(ref)); it != uuids_.end())
        return static_cast<std::uint16_t>(it->second);
    }
    return kNone;
  }

 private:
  std::unordered_map<std::string, std::uint32_t> names_;
  std::unordered_map<std::string, std::uint32_t> uuids_;
};

std::string list_names(const std::vector<std::string>& names) {
  if (names.empty()) return "none are defined";
  std::string out = "defined: ";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i != 0 ? ", " : "") + names[i];
  return out;
}

bool overlaps(Direction a, Direction b) {
  return (static_cast<unsigned>(a) & static_cast<unsigned>(b)) != 0;
}

class Validator {
 public:
  Validator(const Intent& intent, Reader& reader, Resolution& out)
      : intent_(intent), reader_(reader), out_(out) {}

  bool run() {
    return limits() && networks() && ports() && underlay() && services() && flows();
  }

 private:
  bool limits() {
    struct Limit {
      const char* key;
      std::size_t size;
      std::size_t max;
    };
    for (const Limit& c : {Limit{"ports", intent_.ports.size(), kMaxEntries},
                           Limit{"tap_services", intent_.services.size(), kMaxEntries},
                           Limit{"tap_flows", intent_.flows.size(), kMaxFlows}}) {
      if (c.size > c.max) {
        return reader_.fail({}, c.key,
                            "too many entries: " + std::to_string(c.size) + ", at most " + std::to_string(c.max));
      }
    }
    return true;
  }

  /// An error for a second use of a name or UUID held by `kind[first]`.
  bool duplicate(const Field<std::string>& field, const std::string& path, const char* what,
                 const char* kind, std::uint32_t first) {
    return reader_.fail(field.mark, path,
                        std::string(what) + " " + quote(field.value) + " is already used by " + kind + "[" +
                            std::to_string(first) + "]; " + what + "s must be unique");
  }

  /// Registers entity `index` of `kind` under its name and, when given, its
  /// UUID; false (with the error set) when either is already taken.
  bool register_entity(Directory& dir, const Field<std::string>& name, const Field<std::string>& id,
                       const std::string& path, const char* kind, std::uint32_t index) {
    if (auto first = dir.add_name(name.value, index); first != index) {
      return duplicate(name, path + ".name", "name", kind, first);
    }
    if (id.present) {
      if (auto first = dir.add_uuid(id.value, index); first != index) {
        return duplicate(id, path + ".id", "id", kind, first);
      }
    }
    return true;
  }

  bool networks() {
    std::unordered_map<std::uint32_t, std::uint16_t> vlans;
    for (std::size_t i = 0; i < intent_.networks.size(); ++i) {
      const NetworkIntent& n = intent_.networks[i];
      const std::string path = index_path("networks", i);
      const auto index = static_cast<std::uint16_t>(i);
      if (auto first = network_dir_.add_name(n.name.value, index); first != index) {
        return duplicate(n.name, path + ".name", "name", "networks", first);
      }
      if (auto [it, added] = vlans.try_emplace(n.vlan.value, index); !added) {
        return reader_.fail(n.vlan.mark, path + ".vlan",
                            "VLAN " + std::to_string(n.vlan.value) + " is already used by network " +
                                quote(intent_.networks[it->second].name.value) + " (networks[" +
                                std::to_string(it->second) + "]); each network needs its own VLAN");
      }
      network_names_.push_back(n.name.value);
    }
    return true;
  }

  bool ports() {
    std::unordered_map<std::string, std::uint16_t> devices;
    out_.port_network.assign(intent_.ports.size(), kNone);
    for (std::size_t i = 0; i < intent_.ports.size(); ++i) {
      const PortIntent& p = intent_.ports[i];
      const std::string path = index_path("ports", i);
      const auto index = static_cast<std::uint16_t>(i);
      if (!register_entity(port_dir_, p.name, p.id, path, "ports", index)) return false;
      if (auto [it, added] = devices.try_emplace(p.device.value, index); !added) {
        return reader_.fail(p.device.mark, path + ".device",
                            "device " + quote(p.device.value) + " is already used by port " +
                                quote(intent_.ports[it->second].name.value) + " (ports[" +
                                std::to_string(it->second) + "]); a device backs one port");
      }
      if (!port_network(p, path, out_.port_network[i])) return false;
      if (p.role.value == PortRole::kUplink) {
        if (out_.uplink != kNone) {
          return reader_.fail(p.role.mark, path + ".role",
                              "at most one uplink port is allowed; port " +
                                  quote(intent_.ports[out_.uplink].name.value) + " (ports[" +
                                  std::to_string(out_.uplink) + "]) is already the uplink");
        }
        out_.uplink = index;
      }
    }
    return true;
  }

  bool port_network(const PortIntent& p, const std::string& path, std::uint16_t& network) {
    if (p.role.value != PortRole::kVm) {
      if (!p.network.present) return true;
      return reader_.fail(p.network.mark, path + ".network",
                          "only vm ports belong to a network; this port has role " +
                              std::string(role_name(p.role.value)) +
                              (p.role.value == PortRole::kUplink ? " (a trunk carrying every network)" : "") +
                              ", remove 'network'");
    }
    if (!p.network.present) {
      return reader_.fail(p.mark, path + ".network",
                          "missing required field 'network': a vm port must name its network (" +
                              list_names(network_names_) + ")");
    }
    network = network_dir_.find(p.network.value);
    if (network == kNone) {
      return reader_.fail(p.network.mark, path + ".network",
                          "unknown network " + quote(p.network.value) + " (" + list_names(network_names_) + ")");
    }
    return true;
  }

  /// Resolves a reference to a port by name or UUID.
  bool port_ref(const Field<std::string>& ref, const std::string& path, std::uint16_t& port) {
    port = port_dir_.find(ref.value);
    if (port != kNone) return true;
    return reader_.fail(ref.mark, path, "unknown port " + quote(ref.value) + ": no port has this name or id", 404);
  }

  bool underlay() {
    const UnderlayIntent& u = intent_.underlay;
    return !u.present || !u.port.present || port_ref(u.port, "underlay.port", out_.underlay_port);
  }

  /// Names, port mode and the destination port of every service; the
  /// remote modes are checked by validate_remote (intent_remote.cpp).
  bool services() {
    out_.service_port.assign(intent_.services.size(), kNone);
    service_dir_.reserve(intent_.services.size());
    for (std::size_t i = 0; i < intent_.services.size(); ++i) {
      const ServiceIntent& s = intent_.services[i];
      const std::string path = index_path("tap_services", i);
      const auto index = static_cast<std::uint16_t>(i);
      if (!register_entity(service_dir_, s.name, s.id, path, "tap_services", index)) return false;
      const bool remote = s.remote_ip.present || (s.encap.present && s.encap.value != Encap::kNone);
      if (!remote && !port_mode_extras(s, path)) return false;
      if (!s.port.present) {
        if (remote) continue;  // external mode
        return reader_.fail(s.mark, path + ".port",
                            "missing required field 'port': a tap service in port mode needs a "
                            "destination monitor port (or give remote_ip and encap for a remote collector)");
      }
      std::uint16_t& port = out_.service_port[i];
      if (!port_ref(s.port, path + ".port", port)) return false;
      const PortIntent& dest = intent_.ports[port];
      if (dest.role.value != PortRole::kMonitor) {
        return reader_.fail(s.port.mark, path + ".port",
                            "a tap service destination must be a monitor port (frames sent to it are "
                            "mirrored copies and what it sends is dropped); port " +
                                quote(dest.name.value) + " has role " + std::string(role_name(dest.role.value)));
      }
    }
    return true;
  }

  /// Encapsulation parameters mean nothing with encap none: likely a mistake.
  bool port_mode_extras(const ServiceIntent& s, const std::string& path) {
    const struct {
      bool present;
      Mark mark;
      const char* key;
      const char* encaps;
    } extras[] = {{s.vni.present, s.vni.mark, "vni", "vxlan"},
                  {s.udp_port.present, s.udp_port.mark, "udp_port", "vxlan"},
                  {s.erspan.present, s.erspan.mark, "erspan", "erspan2 or erspan3"},
                  {s.remote_mac.present, s.remote_mac.mark, "remote_mac", "erspan2, erspan3 or vxlan"}};
    for (const auto& extra : extras) {
      if (extra.present) {
        return reader_.fail(extra.mark, path + "." + extra.key,
                            std::string("'") + extra.key + "' applies only to encap " + extra.encaps +
                                "; this service has encap none");
      }
    }
    return true;
  }

  bool flows() {
    const std::size_t count = intent_.flows.size();
    out_.flow_source.assign(count, kNone);
    out_.flow_service.assign(count, kNone);
    flow_dir_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      const FlowIntent& f = intent_.flows[i];
      const std::string path = index_path("tap_flows", i);
      const auto index = static_cast<std::uint32_t>(i);
      if (!register_entity(flow_dir_, f.name, f.id, path, "tap_flows", index)) return false;
      if (!flow_source(f, path, out_.flow_source[i])) return false;
      std::uint16_t& service = out_.flow_service[i];
      service = service_dir_.find(f.tap_service.value);
      if (service == kNone) {
        return reader_.fail(f.tap_service.mark, path + ".tap_service",
                            "unknown tap service " + quote(f.tap_service.value) +
                                ": no tap service has this name or id",
                            404);
      }
      if (!flow_conflict(i, path)) return false;
    }
    return true;
  }

  bool flow_source(const FlowIntent& f, const std::string& path, std::uint16_t& port) {
    const std::string field = path + ".source_port";
    if (!port_ref(f.source_port, field, port)) return false;
    const PortIntent& source = intent_.ports[port];
    if (port_service_.empty()) {  // once: port -> first service sending to it
      port_service_.assign(intent_.ports.size(), kNone);
      for (std::size_t s = out_.service_port.size(); s-- > 0;)
        if (out_.service_port[s] != kNone) port_service_[out_.service_port[s]] = static_cast<std::uint16_t>(s);
    }
    if (const std::uint16_t s = port_service_[port]; s != kNone) {
      return reader_.fail(f.source_port.mark, field,
                          "port " + quote(source.name.value) + " is the destination of tap service " +
                              quote(intent_.services[s].name.value) + " and cannot be a flow source");
    }
    if (source.role.value != PortRole::kVm) {
      return reader_.fail(f.source_port.mark, field,
                          "a tap flow source must be a vm port; port " + quote(source.name.value) +
                              " has role " + std::string(role_name(source.role.value)));
    }
    return true;
  }

  /// Same source, same service and an overlapping direction as an earlier flow.
  /// Linear in the flows: earlier flows are indexed by (source, service).
  bool flow_conflict(std::size_t i, const std::string& path) {
    const FlowIntent& f = intent_.flows[i];
    const std::uint32_t key = (std::uint32_t{out_.flow_source[i]} << 16) | out_.flow_service[i];
    std::vector<std::uint32_t>& same = pair_flows_[key];
    for (const std::uint32_t j : same) {
      const FlowIntent& earlier = intent_.flows[j];
      if (!overlaps(earlier.direction.value, f.direction.value)) continue;
      return reader_.fail(f.mark, path,
                          "conflicts with tap flow " + quote(earlier.name.value) + " (tap_flows[" +
                              std::to_string(j) + "]): both mirror port " +
                              quote(intent_.ports[out_.flow_source[i]].name.value) + " into tap service " +
                              quote(intent_.services[out_.flow_service[i]].name.value) +
                              " with overlapping directions " +
                              std::string(direction_name(earlier.direction.value)) + " and " +
                              std::string(direction_name(f.direction.value)));
    }
    same.push_back(static_cast<std::uint32_t>(i));
    return true;
  }

  const Intent& intent_;
  Reader& reader_;
  Resolution& out_;
  Directory network_dir_;
  Directory port_dir_;
  Directory service_dir_;
  Directory flow_dir_;
  std::vector<std::uint16_t> port_service_;  // per port: a service sending there, or kNone
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> pair_flows_;  // (source, service) -> flows
  std::vector<std::string> network_names_;
};

}  // namespace

std::string_view direction_name(Direction direction) noexcept {
  switch (direction) {
    case Direction::kIn:
      return "IN";
    case Direction::kOut:
      return "OUT";
    case Direction::kBoth:
      break;
  }
  return "BOTH";
}

std::string_view encap_name(Encap encap) noexcept {
  switch (encap) {
    case Encap::kNone:
      return "none";
    case Encap::kErspan2:
      return "erspan2";
    case Encap::kErspan3:
      return "erspan3";
    case Encap::kVxlan:
      break;
  }
  return "vxlan";
}

std::string_view role_name(PortRole role) noexcept {
  switch (role) {
    case PortRole::kVm:
      return "vm";
    case PortRole::kUplink:
      return "uplink";
    case PortRole::kMonitor:
      break;
  }
  return "monitor";
}

Result<Resolution> validate_intent(const Intent& intent) {
  Reader reader(intent.file);
  Resolution resolution;
  if (Validator(intent, reader, resolution).run()) validate_remote(intent, reader, resolution);
  if (!reader.ok()) return reader.take_error();
  return resolution;
}

}  // namespace taas::ctl
