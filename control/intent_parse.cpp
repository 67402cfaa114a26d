// parse_intent: YAML text -> Intent. Checks syntax, types, ranges, enum
// words and unknown keys, field by field; cross-references are left to
// intent_validate.cpp.

#include <exception>
#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

#include "control/addr_syntax.hpp"
#include "control/intent_model.hpp"
#include "control/uuid.hpp"
#include "control/vlan_filter.hpp"
#include "control/yaml_load.hpp"
#include "control/yaml_reader.hpp"

namespace taas::ctl {

namespace {

constexpr std::uint32_t kIntentVersion = 1;
constexpr std::uint32_t kMaxU32 = 0xffffffffu;

/// A string field that must match a syntax `check`; `what` names the syntax.
bool read_syntax(Reader& reader, const Map& map, std::string_view key, Field<std::string>& out,
                 bool (*check)(std::string_view), std::string_view what) {
  if (!read_string(reader, map, key, Need::kOptional, out)) return false;
  if (out.present && !check(out.value)) {
    return reader.fail(out.mark, join_path(map.path(), key),
                       "expected " + std::string(what) + ", got '" + out.value + "'");
  }
  return true;
}

bool either_ip(std::string_view text) { return is_ipv4(text) || is_ipv6(text); }

class Parser {
 public:
  Parser(Reader& reader, Intent& intent) : reader_(reader), intent_(intent) {}

  bool root(const YAML::Node& document) {
    const auto map = Map::open(reader_, document, "", Mark{1, 1},
                               {"version", "dataplane", "underlay", "networks", "ports",
                                "tap_services", "tap_flows"});
    if (!map) return false;
    return version(*map) && dataplane(*map) && underlay(*map) && networks(*map) && ports(*map) &&
           services(*map) && flows(*map);
  }

 private:
  bool version(const Map& root) {
    const Item* item = root.find("version");
    if (item == nullptr) {
      return root.missing(reader_, "version", "this build reads version " + std::to_string(kIntentVersion));
    }
    Field<std::uint32_t> version;
    if (!read_uint(reader_, root, "version", Need::kRequired, 0, kMaxU32, version)) return false;
    if (version.value != kIntentVersion) {
      return reader_.fail(version.mark, "version",
                          "unsupported intent version " + std::to_string(version.value) +
                              "; this build reads version " + std::to_string(kIntentVersion));
    }
    return true;
  }

  /// Opens the mapping under `key`; `present` is false (and the result true)
  /// when the key is absent or empty.
  std::optional<Map> section(const Map& parent, std::string_view key,
                             std::initializer_list<std::string_view> allowed, bool& failed) {
    failed = false;
    const Item* item = parent.find(key);
    if (item == nullptr || item->value.IsNull()) return std::nullopt;
    auto map = Map::open(reader_, item->value, item->path, item->value_mark, allowed);
    failed = !map.has_value();
    return map;
  }

  /// Calls `element(map, index)` for each mapping in the list under `key`.
  template <class F>
  bool each(const Map& root, std::string_view key, std::initializer_list<std::string_view> allowed,
            F&& element) {
    const auto list = read_list(reader_, root, key);
    if (!list) return false;
    const std::string path = join_path(root.path(), key);
    const Mark fallback = list->empty() ? Mark{} : root.find(key)->value_mark;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto map = Map::open(reader_, (*list)[i], index_path(path, i), fallback, allowed);
      if (!map || !element(*map, i)) return false;
    }
    return true;
  }

  bool dataplane(const Map& root) {
    std::initializer_list<std::string_view> allowed = {
        "workers", "eal", "mac_age_seconds", "mac_table_size", "burst", "rx_queue_size",
        "tx_queue_size", "pool_size", "mirror_pool_size", "clone_pool_size", "copy_below_bytes"};
    bool failed = false;
    const auto map = section(root, "dataplane", allowed, failed);
    if (!map) return !failed;
    DataplaneParams& params = intent_.params;
    for (const DataplaneParam& p : kDataplaneParams) {
      Field<std::uint32_t> value;
      if (!read_uint(reader_, *map, p.key, Need::kOptional, p.lo, p.hi, value)) return false;
      if (value.present) params.*p.member = value.value;
    }
    return read_string_list(reader_, *map, "eal", params.eal_args);
  }

  bool underlay(const Map& root) {
    bool failed = false;
    const auto map = section(root, "underlay",
                             {"port", "address", "address6", "gateway", "gateway6", "next_hop_mac",
                              "ttl", "dscp", "mtu", "vlan", "neighbor_refresh"},
                             failed);
    if (!map) return !failed;
    UnderlayIntent& u = intent_.underlay;
    u.present = true;
    u.mark = map->mark();
    return read_string(reader_, *map, "port", Need::kOptional, u.port) &&
           read_syntax(reader_, *map, "address", u.address, is_ipv4_cidr,
                       "an IPv4 address with prefix length, e.g. 192.0.2.10/24") &&
           read_syntax(reader_, *map, "address6", u.address6, is_ipv6_cidr,
                       "an IPv6 address with prefix length, e.g. 2001:db8::10/64") &&
           read_syntax(reader_, *map, "gateway", u.gateway, is_ipv4, "an IPv4 address") &&
           read_syntax(reader_, *map, "gateway6", u.gateway6, is_ipv6, "an IPv6 address") &&
           read_syntax(reader_, *map, "next_hop_mac", u.next_hop_mac, is_mac,
                       "a MAC address like 02:00:00:00:00:fe") &&
           read_uint(reader_, *map, "ttl", Need::kOptional, 1, 255, u.ttl) &&
           read_uint(reader_, *map, "dscp", Need::kOptional, 0, 63, u.dscp) &&
           read_uint(reader_, *map, "mtu", Need::kOptional, 576, 9216, u.mtu) &&
           read_uint(reader_, *map, "vlan", Need::kOptional, 0, 4094, u.vlan) &&
           read_uint(reader_, *map, "neighbor_refresh", Need::kOptional, 1, 3600, u.neighbor_refresh);
  }

  bool networks(const Map& root) {
    return each(root, "networks", {"name", "vlan"}, [&](const Map& map, std::size_t) {
      NetworkIntent& n = intent_.networks.emplace_back();
      n.mark = map.mark();
      return read_string(reader_, map, "name", Need::kRequired, n.name) &&
             read_uint(reader_, map, "vlan", Need::kRequired, 1, 4094, n.vlan);
    });
  }

  /// An optional `id`: a UUID, stored lowercase.
  bool uuid(const Map& map, Field<std::string>& out) {
    if (!read_string(reader_, map, "id", Need::kOptional, out)) return false;
    if (!out.present) return true;
    if (!is_uuid(out.value)) {
      return reader_.fail(out.mark, join_path(map.path(), "id"),
                          "not a UUID: expected 8-4-4-4-12 hex digits like "
                          "0f576381-e461-4807-bb11-5d57624b30a0, got '" + out.value + "'");
    }
    out.value = normalize_uuid(out.value);
    return true;
  }

  bool ports(const Map& root) {
    return each(root, "ports", {"name", "id", "device", "role", "network"}, [&](const Map& map, std::size_t) {
      PortIntent& p = intent_.ports.emplace_back();
      p.mark = map.mark();
      return read_string(reader_, map, "name", Need::kRequired, p.name) && uuid(map, p.id) &&
             read_string(reader_, map, "device", Need::kRequired, p.device) &&
             read_enum<PortRole>(reader_, map, "role", Need::kRequired,
                                 {{"vm", PortRole::kVm}, {"uplink", PortRole::kUplink},
                                  {"monitor", PortRole::kMonitor}},
                                 false, p.role) &&
             read_string(reader_, map, "network", Need::kOptional, p.network);
    });
  }

  bool erspan(const Map& service, ErspanIntent& e) {
    bool failed = false;
    const auto map = section(service, "erspan", {"index", "hwid", "granularity", "platform_subheader", "platform_id"}, failed);
    if (!map) return !failed;
    e.present = true;
    e.mark = map->mark();
    return read_uint(reader_, *map, "index", Need::kOptional, 0, (1u << 20) - 1, e.index) &&
           read_uint(reader_, *map, "hwid", Need::kOptional, 0, 63, e.hwid) &&
           read_enum<ErspanGranularity>(reader_, *map, "granularity", Need::kOptional,
                                        {{"100us", ErspanGranularity::k100us},
                                         {"100ns", ErspanGranularity::k100ns}},
                                        false, e.granularity) &&
           read_bool(reader_, *map, "platform_subheader", Need::kOptional, e.platform_subheader) &&
           read_uint(reader_, *map, "platform_id", Need::kOptional, 3, 7, e.platform_id) &&
           (!e.platform_id.present || e.platform_id.value == 3 || e.platform_id.value == 7 ||
            reader_.fail(e.platform_id.mark, join_path(map->path(), "platform_id"),
                         "expected 3 (14-bit port index) or 7 (20-bit source index), got " +
                             std::to_string(e.platform_id.value)));
  }

  bool services(const Map& root) {
    return each(root, "tap_services",
                {"id", "name", "description", "port", "remote_ip", "remote_mac", "encap", "vni", "udp_port",
                 "erspan"},
                [&](const Map& map, std::size_t) {
                  ServiceIntent& s = intent_.services.emplace_back();
                  s.mark = map.mark();
                  return uuid(map, s.id) && read_string(reader_, map, "name", Need::kRequired, s.name) &&
                         read_string(reader_, map, "description", Need::kOptional, s.description, true) &&
                         read_string(reader_, map, "port", Need::kOptional, s.port) &&
                         read_syntax(reader_, map, "remote_ip", s.remote_ip, either_ip,
                                     "an IPv4 or IPv6 address") &&
                         read_syntax(reader_, map, "remote_mac", s.remote_mac, is_mac,
                                     "a MAC address like 02:00:00:00:00:0a") &&
                         read_enum<Encap>(reader_, map, "encap", Need::kOptional,
                                          {{"none", Encap::kNone}, {"erspan2", Encap::kErspan2},
                                           {"erspan3", Encap::kErspan3}, {"vxlan", Encap::kVxlan}},
                                          false, s.encap) &&
                         read_uint(reader_, map, "vni", Need::kOptional, 0, (1u << 24) - 1, s.vni) &&
                         read_uint(reader_, map, "udp_port", Need::kOptional, 1, 65535, s.udp_port) &&
                         erspan(map, s.erspan);
                });
  }

  bool flows(const Map& root) {
    return each(root, "tap_flows",
                {"id", "name", "description", "source_port", "tap_service", "direction",
                 "erspan_session_id", "vlan_filter"},
                [&](const Map& map, std::size_t) {
                  FlowIntent& f = intent_.flows.emplace_back();
                  f.mark = map.mark();
                  f.vlans.set();
                  return uuid(map, f.id) && read_string(reader_, map, "name", Need::kRequired, f.name) &&
                         read_string(reader_, map, "description", Need::kOptional, f.description, true) &&
                         read_string(reader_, map, "source_port", Need::kRequired, f.source_port) &&
                         read_string(reader_, map, "tap_service", Need::kRequired, f.tap_service) &&
                         read_enum<Direction>(reader_, map, "direction", Need::kRequired,
                                              {{"IN", Direction::kIn}, {"OUT", Direction::kOut},
                                               {"BOTH", Direction::kBoth}},
                                              true, f.direction) &&
                         read_uint(reader_, map, "erspan_session_id", Need::kOptional, 0, 1023,
                                   f.erspan_session_id) &&
                         vlan_filter(map, f);
                });
  }

  bool vlan_filter(const Map& map, FlowIntent& f) {
    if (!read_string(reader_, map, "vlan_filter", Need::kOptional, f.vlan_filter, true)) return false;
    if (!f.vlan_filter.present) return true;
    auto vlans = parse_vlan_filter(f.vlan_filter.value);
    if (!vlans) {
      return reader_.fail(f.vlan_filter.mark, join_path(map.path(), "vlan_filter"), vlans.error().message);
    }
    f.vlans = vlans.value();
    return true;
  }

  Reader& reader_;
  Intent& intent_;
};

}  // namespace

Result<Intent> parse_intent(std::string_view yaml_text, const std::string& file) {
  auto document = load_single_document(yaml_text, file);
  if (!document) return document.error();
  Intent intent;
  intent.file = file;
  Reader reader(file);
  try {
    Parser(reader, intent).root(document.value());
  } catch (const std::exception& e) {  // yaml-cpp accessors; not expected
    return Error{file, 0, 0, "", std::string("cannot read the intent: ") + e.what()};
  }
  if (!reader.ok()) return reader.take_error();
  return intent;
}

}  // namespace taas::ctl
