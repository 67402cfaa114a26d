// export_intent: Intent + its compiled Snapshot -> intent YAML text that
// compile_intent reads back to the same snapshot (issue 4 `export`).
//
// Hand-written rather than YAML::Emitter so the layout is fixed and matches
// DESIGN.md §9: block lists of block mappings, every string double-quoted.

#include "control/intent_export.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace taas::ctl {

namespace {

using Pairs = std::vector<std::pair<std::string_view, std::string>>;

std::string number(std::uint32_t value) { return std::to_string(value); }

/// `{k: v, ...}` for a nested mapping of plain scalars; `{}` when empty.
std::string flow_map(const Pairs& pairs) {
  std::string out = "{";
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (i != 0) out += ", ";
    out.append(pairs[i].first).append(": ").append(pairs[i].second);
  }
  return out + "}";
}

/// A comment line: control characters (a newline would end the comment and
/// start YAML) replaced by '?'.
std::string comment_text(std::string_view text) {
  std::string out;
  for (unsigned char c : text) out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  return out;
}

void add_string(Pairs& out, std::string_view key, const Field<std::string>& field) {
  if (field.present) out.emplace_back(key, yaml_quote(field.value));
}

void add_uint(Pairs& out, std::string_view key, const Field<std::uint32_t>& field) {
  if (field.present) out.emplace_back(key, number(field.value));
}

/// Name of compiled entity `index`, or `fallback` (the reference as
/// written) when `compiled` does not have it.
template <class Entry>
std::string name_of(const std::vector<Entry>& entries, std::uint16_t index, const std::string& fallback) {
  return index < entries.size() ? entries[index].name : fallback;
}

/// The intent's UUID, else the one compiled for entity `index`.
template <class Entry>
std::string uuid_of(const Field<std::string>& id, const std::vector<Entry>& entries, std::size_t index) {
  if (id.present) return id.value;
  return index < entries.size() ? entries[index].uuid : std::string();
}

class Exporter {
 public:
  Exporter(const Intent& intent, const Snapshot& compiled) : intent_(intent), snap_(compiled) {}

  std::string run() {
    out_ = "# taasd intent export";
    if (snap_.generation != 0) out_ += ": generation " + std::to_string(snap_.generation);
    if (!snap_.source.empty()) out_ += (snap_.generation != 0 ? ", source " : ": source ") + comment_text(snap_.source);
    out_ += "\nversion: 1\n";
    dataplane();
    underlay();
    networks();
    ports();
    services();
    flows();
    return std::move(out_);
  }

 private:
  void line(std::string_view indent, std::string_view key, std::string_view value) {
    out_.append(indent).append(key).append(":");
    if (!value.empty()) out_.append(" ").append(value);
    out_ += '\n';
  }

  /// A list section: `key: []` or one block mapping per element.
  void list(std::string_view key, const std::vector<Pairs>& items) {
    if (items.empty()) {
      line("", key, "[]");
      return;
    }
    line("", key, "");
    for (const Pairs& item : items) {
      for (std::size_t i = 0; i < item.size(); ++i) line(i == 0 ? "  - " : "    ", item[i].first, item[i].second);
    }
  }

  void dataplane() {
    // Defaults are left out, so an export follows the build's defaults as the
    // original intent (which did not set them either) would.
    const DataplaneParams defaults;
    const DataplaneParams& p = intent_.params;
    line("", "dataplane", "");
    line("  ", "workers", number(p.workers));
    if (!p.eal_args.empty()) {
      std::string eal = "[";
      for (std::size_t i = 0; i < p.eal_args.size(); ++i) eal += (i != 0 ? ", " : "") + yaml_quote(p.eal_args[i]);
      line("  ", "eal", eal + "]");
    }
    for (const DataplaneParam& param : kDataplaneParams) {
      if (param.member == &DataplaneParams::workers) continue;  // written above, always
      if (p.*param.member != defaults.*param.member) line("  ", param.key, number(p.*param.member));
    }
  }

  void underlay() {
    const UnderlayIntent& u = intent_.underlay;
    if (!u.present) return;
    Pairs pairs;
    if (u.port.present) pairs.emplace_back("port", yaml_quote(name_of(snap_.ports, snap_.underlay.port, u.port.value)));
    add_string(pairs, "address", u.address);
    add_string(pairs, "address6", u.address6);
    add_string(pairs, "gateway", u.gateway);
    add_string(pairs, "gateway6", u.gateway6);
    add_string(pairs, "next_hop_mac", u.next_hop_mac);
    add_uint(pairs, "ttl", u.ttl);
    add_uint(pairs, "dscp", u.dscp);
    add_uint(pairs, "mtu", u.mtu);
    add_uint(pairs, "vlan", u.vlan);
    add_uint(pairs, "neighbor_refresh", u.neighbor_refresh);
    if (pairs.empty()) {
      line("", "underlay", "{}");
      return;
    }
    line("", "underlay", "");
    for (const auto& [key, value] : pairs) line("  ", key, value);
  }

  void networks() {
    std::vector<Pairs> items;
    for (const NetworkIntent& n : intent_.networks) {
      items.push_back({{"name", yaml_quote(n.name.value)}, {"vlan", number(n.vlan.value)}});
    }
    list("networks", items);
  }

  void ports() {
    std::vector<Pairs> items;
    for (std::size_t i = 0; i < intent_.ports.size(); ++i) {
      const PortIntent& p = intent_.ports[i];
      Pairs& item = items.emplace_back();
      item.emplace_back("name", yaml_quote(p.name.value));
      item.emplace_back("id", yaml_quote(uuid_of(p.id, snap_.ports, i)));
      item.emplace_back("device", yaml_quote(p.device.value));
      item.emplace_back("role", std::string(role_name(p.role.value)));
      if (p.network.present) {
        const std::uint16_t network = i < snap_.ports.size() ? snap_.ports[i].network : kNone;
        item.emplace_back("network", yaml_quote(name_of(snap_.networks, network, p.network.value)));
      }
    }
    list("ports", items);
  }

  static std::string erspan(const ErspanIntent& e) {
    Pairs pairs;
    add_uint(pairs, "index", e.index);
    add_uint(pairs, "hwid", e.hwid);
    if (e.granularity.present) {
      pairs.emplace_back("granularity", e.granularity.value == ErspanGranularity::k100ns ? "100ns" : "100us");
    }
    if (e.platform_subheader.present) {
      pairs.emplace_back("platform_subheader", e.platform_subheader.value ? "true" : "false");
    }
    add_uint(pairs, "platform_id", e.platform_id);
    return flow_map(pairs);
  }

  void services() {
    std::vector<Pairs> items;
    for (std::size_t i = 0; i < intent_.services.size(); ++i) {
      const ServiceIntent& s = intent_.services[i];
      Pairs& item = items.emplace_back();
      item.emplace_back("name", yaml_quote(s.name.value));
      item.emplace_back("id", yaml_quote(uuid_of(s.id, snap_.services, i)));
      add_string(item, "description", s.description);
      if (s.port.present) {
        // In port and internal mode the compiled service port is the
        // destination port itself.
        const std::uint16_t port = i < snap_.services.size() ? snap_.services[i].port : kNone;
        item.emplace_back("port", yaml_quote(name_of(snap_.ports, port, s.port.value)));
      }
      add_string(item, "remote_ip", s.remote_ip);
      add_string(item, "remote_mac", s.remote_mac);
      if (s.encap.present) item.emplace_back("encap", std::string(encap_name(s.encap.value)));
      add_uint(item, "vni", s.vni);
      add_uint(item, "udp_port", s.udp_port);
      if (s.erspan.present) item.emplace_back("erspan", erspan(s.erspan));
    }
    list("tap_services", items);
  }

  void flows() {
    std::vector<Pairs> items;
    for (std::size_t i = 0; i < intent_.flows.size(); ++i) {
      const FlowIntent& f = intent_.flows[i];
      const FlowEntry* entry = i < snap_.flows.size() ? &snap_.flows[i] : nullptr;
      Pairs& item = items.emplace_back();
      item.emplace_back("name", yaml_quote(f.name.value));
      item.emplace_back("id", yaml_quote(uuid_of(f.id, snap_.flows, i)));
      add_string(item, "description", f.description);
      item.emplace_back("source_port",
                        yaml_quote(entry ? name_of(snap_.ports, entry->source_port, f.source_port.value)
                                         : f.source_port.value));
      item.emplace_back("tap_service",
                        yaml_quote(entry ? name_of(snap_.services, entry->service, f.tap_service.value)
                                         : f.tap_service.value));
      item.emplace_back("direction", std::string(direction_name(f.direction.value)));
      // Pin the session id, given or assigned: a re-apply must not move a
      // collector's session even if services or flows are added before it.
      if (entry != nullptr && entry->erspan_session_id != kNone) {
        item.emplace_back("erspan_session_id", number(entry->erspan_session_id));
      } else {
        add_uint(item, "erspan_session_id", f.erspan_session_id);
      }
      add_string(item, "vlan_filter", f.vlan_filter);
    }
    list("tap_flows", items);
  }

  const Intent& intent_;
  const Snapshot& snap_;
  std::string out_;
};

}  // namespace

std::string export_intent(const Intent& intent, const Snapshot& compiled) {
  return Exporter(intent, compiled).run();
}

}  // namespace taas::ctl
