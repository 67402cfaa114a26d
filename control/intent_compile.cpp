// compile_snapshot: a validated Intent -> the flat tables workers read
// (include/taas/snapshot.hpp), and the public entry points of intent.hpp.

#include "control/intent.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "control/intent_model.hpp"
#include "control/uuid.hpp"

namespace taas::ctl {

namespace {

std::string uuid_or_new(const Field<std::string>& id) {
  return id.present ? id.value : generate_uuid_v4();
}

bool has(Direction direction, Direction bit) {
  return (static_cast<unsigned>(direction) & static_cast<unsigned>(bit)) != 0;
}

void compile_ports(const Intent& intent, const Resolution& r, Snapshot& snap) {
  snap.ports.reserve(intent.ports.size());
  for (std::size_t i = 0; i < intent.ports.size(); ++i) {
    const PortIntent& p = intent.ports[i];
    PortEntry& entry = snap.ports.emplace_back();
    entry.name = p.name.value;
    entry.uuid = uuid_or_new(p.id);
    entry.device = p.device.value;
    entry.role = p.role.value;
    entry.network = r.port_network[i];
    if (entry.network != kNone) snap.networks[entry.network].vm_ports.push_back(static_cast<std::uint16_t>(i));
  }
  for (std::uint16_t port : r.service_port)
    if (port != kNone) snap.ports[port].service_port = true;
  snap.uplink = r.uplink;
}

void compile_mirrors(const Intent& intent, const Resolution& r, Snapshot& snap) {
  snap.mirror_out.assign(snap.ports.size(), {});
  snap.mirror_in.assign(snap.ports.size(), {});
  std::unordered_map<VlanBits, std::uint16_t> filters;
  for (std::size_t i = 0; i < intent.flows.size(); ++i) {
    const FlowIntent& f = intent.flows[i];
    const std::uint16_t source = r.flow_source[i];
    const std::uint16_t service = r.flow_service[i];
    MirrorTarget target{service, snap.services[service].port, static_cast<std::uint32_t>(i)};
    // A vlan_filter is checked per frame: a VM may send tagged frames, and
    // every other frame of an access port is on its network's VLAN. Equal
    // filters share one set.
    if (!f.vlans.all()) {
      const auto [it, added] = filters.try_emplace(f.vlans, snap.vlan_filters.size());
      if (added) snap.vlan_filters.push_back(f.vlans);
      target.filter = it->second;
    }
    if (has(f.direction.value, Direction::kOut)) snap.mirror_out[source].push_back(target);
    if (has(f.direction.value, Direction::kIn)) snap.mirror_in[source].push_back(target);
  }
}

}  // namespace

Snapshot compile_snapshot(const Intent& intent, const Resolution& r) {
  Snapshot snap;
  snap.generation = 1;
  snap.source = intent.file;
  snap.params = intent.params;

  snap.vlan_to_network.fill(kNone);
  snap.networks.reserve(intent.networks.size());
  for (std::size_t i = 0; i < intent.networks.size(); ++i) {
    const NetworkIntent& n = intent.networks[i];
    NetworkEntry& entry = snap.networks.emplace_back();
    entry.name = n.name.value;
    entry.vlan = static_cast<std::uint16_t>(n.vlan.value);
    snap.vlan_to_network[entry.vlan] = static_cast<std::uint16_t>(i);
  }

  compile_ports(intent, r, snap);

  snap.services.reserve(intent.services.size());
  for (std::size_t i = 0; i < intent.services.size(); ++i) {
    const ServiceIntent& s = intent.services[i];
    ServiceEntry& entry = snap.services.emplace_back();
    entry.name = s.name.value;
    entry.uuid = uuid_or_new(s.id);
    entry.description = s.description.value;
    entry.port = r.service_port[i];
    entry.encap = s.encap.present ? s.encap.value : Encap::kNone;
    entry.remote_ip = s.remote_ip.value;
    entry.vni = s.vni.value;
  }

  snap.flows.reserve(intent.flows.size());
  for (std::size_t i = 0; i < intent.flows.size(); ++i) {
    const FlowIntent& f = intent.flows[i];
    snap.flows.push_back({f.name.value, uuid_or_new(f.id), f.description.value, r.flow_source[i],
                          r.flow_service[i], f.direction.value, f.vlan_filter.value, r.flow_session[i]});
  }

  compile_mirrors(intent, r, snap);
  compile_remote(intent, r, snap);
  return snap;
}

Result<Snapshot> compile_intent(std::string_view yaml_text, const std::string& file_name) {
  auto intent = parse_intent(yaml_text, file_name);
  if (!intent) return intent.error();
  auto resolution = validate_intent(intent.value());
  if (!resolution) return resolution.error();
  return compile_snapshot(intent.value(), resolution.value());
}

Result<Snapshot> load_intent_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Error{path, 0, 0, "", "cannot read the intent file: it is a directory"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{path, 0, 0, "", std::string("cannot open the intent file: ") + std::strerror(errno)};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Error{path, 0, 0, "", std::string("cannot read the intent file: ") + std::strerror(errno)};
  }
  return compile_intent(text.str(), path);
}

}  // namespace taas::ctl
