// DesiredState (state.hpp): the running intent, changed transactionally by
// the control socket and by apply, with identities pinned after every
// compile.

#include "control/state.hpp"

#include <algorithm>
#include <exception>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "control/intent_export.hpp"
#include "control/uuid.hpp"
#include "control/vlan_filter.hpp"
#include "control/yaml_load.hpp"
#include "control/yaml_reader.hpp"

namespace taas::ctl {

namespace {

/// A field given by a control-socket request: present, no position.
template <class T>
Field<T> given(T value) {
  return {std::move(value), Mark{}, true};
}

template <class T>
Field<T> maybe(const std::optional<T>& value) {
  return value ? given(*value) : Field<T>{};
}

Error with_code(Error error, int code) {
  if (error.code == 0) error.code = code;
  return error;
}

/// An error about the request's own entity (YAML path `own`, e.g.
/// "tap_flows[7]") names its field as "args.<field>", with no file or line;
/// others are left as they are.
Error for_request(Error error, const std::string& own) {
  const std::string& field = error.field;
  if (field.compare(0, own.size(), own) != 0) return error;
  if (field.size() != own.size() && field[own.size()] != '.') return error;  // "tap_flows[70]"
  error.field = "args" + field.substr(own.size());
  error.file.clear();
  error.line = 0;
  error.column = 0;
  return error;
}

// --- identities -----------------------------------------------------------

void pin_id(Field<std::string>& id, const std::string& uuid, Mark at) {
  if (!id.present) id = {uuid, at, true};
}

/// Writes what `snap` (compiled from `intent`) generated or resolved back
/// into `intent`: UUIDs, ERSPAN session ids, references as UUIDs. `intent`
/// then compiles to the same snapshot whatever is renamed, added or deleted
/// later. The underlay's port reference stays as written: apply compares it.
void pin(Intent& intent, const Snapshot& snap) {
  for (std::size_t i = 0; i < intent.ports.size(); ++i) {
    pin_id(intent.ports[i].id, snap.ports[i].uuid, intent.ports[i].mark);
  }
  for (std::size_t i = 0; i < intent.services.size(); ++i) {
    ServiceIntent& s = intent.services[i];
    pin_id(s.id, snap.services[i].uuid, s.mark);
    // In port and internal mode the compiled port is the destination.
    if (s.port.present && snap.services[i].port != kNone) s.port.value = snap.ports[snap.services[i].port].uuid;
  }
  for (std::size_t i = 0; i < intent.flows.size(); ++i) {
    FlowIntent& f = intent.flows[i];
    const FlowEntry& entry = snap.flows[i];
    pin_id(f.id, entry.uuid, f.mark);
    f.source_port.value = snap.ports[entry.source_port].uuid;
    f.tap_service.value = snap.services[entry.service].uuid;
    if (entry.erspan_session_id != kNone) {
      const Mark at = f.erspan_session_id.present ? f.erspan_session_id.mark : f.mark;
      f.erspan_session_id = {entry.erspan_session_id, at, true};
    }
  }
}

/// 409 when an entity is named like the id of another entity of the same
/// kind: references are pinned to UUIDs and names are looked up first, so
/// such a name would silently take over the other entity's references.
/// Checked before validation (which would resolve the references to it).
template <class Entity>
std::optional<Error> name_is_other_id(const std::string& file, const std::vector<Entity>& entities, const char* key,
                                      const char* what) {
  std::unordered_map<std::string, std::size_t> by_id;
  for (std::size_t j = 0; j < entities.size(); ++j)
    if (entities[j].id.present) by_id.emplace(entities[j].id.value, j);
  for (std::size_t i = 0; i < entities.size(); ++i) {
    const Field<std::string>& name = entities[i].name;
    if (!is_uuid(name.value)) continue;
    auto it = by_id.find(normalize_uuid(name.value));
    if (it == by_id.end() || it->second == i) continue;
    return Error{file, name.mark.line, name.mark.column, index_path(key, i) + ".name",
                 "name " + quote(name.value) + " is the id of " + what + " " +
                     quote(entities[it->second].name.value) + " (" + index_path(key, it->second) +
                     "); a name must not be another " + what + "'s id",
                 kConflict};
  }
  return std::nullopt;
}

std::optional<Error> names_are_not_ids(const Intent& intent) {
  if (auto e = name_is_other_id(intent.file, intent.ports, "ports", "port")) return e;
  if (auto e = name_is_other_id(intent.file, intent.services, "tap_services", "tap service")) return e;
  return name_is_other_id(intent.file, intent.flows, "tap_flows", "tap flow");
}

/// Entities of `applied` without an id take the UUID of the running entity
/// of the same name, unless `applied` gives that UUID to another entity.
template <class Entity>
void inherit_ids(const std::vector<Entity>& running, std::vector<Entity>& applied) {
  std::unordered_map<std::string, const std::string*> by_name;
  for (const Entity& r : running)
    if (r.id.present) by_name.emplace(r.name.value, &r.id.value);
  std::unordered_set<std::string> taken;
  for (const Entity& a : applied)
    if (a.id.present) taken.insert(a.id.value);
  for (Entity& a : applied) {
    if (a.id.present) continue;
    auto it = by_name.find(a.name.value);
    if (it != by_name.end() && taken.count(*it->second) == 0) a.id = {*it->second, a.mark, true};
  }
}

/// Index of the entry named `ref`, else of the one whose UUID is `ref` in
/// any case; kAbsent when neither.
constexpr std::uint32_t kAbsent = 0xffffffffu;

template <class Entry>
std::uint32_t lookup(const std::vector<Entry>& entries, std::string_view ref) {
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (entries[i].name == ref) return static_cast<std::uint32_t>(i);
  if (!is_uuid(ref)) return kAbsent;
  const std::string uuid = normalize_uuid(ref);
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (entries[i].uuid == uuid) return static_cast<std::uint32_t>(i);
  return kAbsent;
}

template <class Entry>
Result<std::uint32_t> find_entry(const std::vector<Entry>& entries, std::string_view ref, std::string_view field,
                                 const std::string& what) {
  const std::uint32_t index = lookup(entries, ref);
  if (index != kAbsent) return index;
  return Error{"", 0, 0, std::string(field),
               "unknown " + what + " " + quote(std::string(ref)) + ": no " + what + " has this name or id", kNotFound};
}

// --- apply: the sections that need a restart -------------------------------

std::string show(const Field<std::string>& f) { return f.present ? quote(f.value) : "not set"; }
std::string show(const Field<std::uint32_t>& f) { return f.present ? quote(std::to_string(f.value)) : "not set"; }

std::string show_list(const std::vector<std::string>& words) {
  std::string out = "[";
  for (std::size_t i = 0; i < words.size(); ++i) out += (i != 0 ? ", " : "") + words[i];
  return quote(out + "]");
}

template <class T>
bool same(const Field<T>& a, const Field<T>& b) {
  return a.present == b.present && (!a.present || a.value == b.value);
}

/// The position of `dataplane.<key>` in the applied text (the intent keeps
/// no marks for the dataplane section): the value, else the section, else
/// nothing.
Mark dataplane_mark(std::string_view text, const std::string& file, std::string_view key) {
  auto doc = load_single_document(text, file);
  if (!doc) return {};
  try {
    const YAML::Node root = doc.value();
    const YAML::Node section = root["dataplane"];
    if (!section.IsDefined() || !section.IsMap()) return {};
    const YAML::Node value = section[std::string(key)];
    return value.IsDefined() ? mark_of(value) : mark_of(section);
  } catch (const std::exception&) {  // yaml-cpp accessors; not expected
    return {};
  }
}

/// Compares what cannot change while taasd runs: the dataplane section,
/// networks, ports and underlay. The first difference is a 409 naming the
/// applied field.
class FixedSections {
 public:
  FixedSections(const Intent& running, const Intent& applied, std::string_view text)
      : running_(running), applied_(applied), text_(text) {}

  std::optional<Error> check() {
    if (dataplane() && networks() && ports() && underlay()) return std::nullopt;
    return std::move(error_);
  }

 private:
  bool differ(const std::string& field, Mark at, std::string_view section, const std::string& running,
              const std::string& applied) {
    error_ = Error{applied_.file, at.line, at.column, field,
                   "changing the " + std::string(section) + " needs a restart of taasd (running: " + running +
                       ", applied: " + applied + ")",
                   kConflict};
    return false;
  }

  template <class T>
  bool field(const Field<T>& r, const Field<T>& a, const std::string& path, Mark element, std::string_view section) {
    return same(r, a) || differ(path, a.present ? a.mark : element, section, show(r), show(a));
  }

  bool dataplane() {
    const DataplaneParams& r = running_.params;
    const DataplaneParams& a = applied_.params;
    const char* section = "dataplane section";
    for (const DataplaneParam& p : kDataplaneParams) {
      if (r.*p.member == a.*p.member) continue;
      return differ("dataplane." + std::string(p.key), dataplane_mark(text_, applied_.file, p.key), section,
                    quote(std::to_string(r.*p.member)), quote(std::to_string(a.*p.member)));
    }
    if (r.eal_args == a.eal_args) return true;
    return differ("dataplane.eal", dataplane_mark(text_, applied_.file, "eal"), section, show_list(r.eal_args),
                  show_list(a.eal_args));
  }

  /// Equal lengths, else a difference at the first index one list lacks.
  template <class Entity>
  bool count(const std::vector<Entity>& r, const std::vector<Entity>& a, const char* key) {
    if (r.size() == a.size()) return true;
    const std::size_t i = std::min(r.size(), a.size());
    return differ(index_path(key, i), i < a.size() ? a[i].mark : Mark{}, key,
                  i < r.size() ? quote(r[i].name.value) : "no entry",
                  i < a.size() ? quote(a[i].name.value) : "no entry");
  }

  bool networks() {
    const auto& r = running_.networks;
    const auto& a = applied_.networks;
    for (std::size_t i = 0; i < std::min(r.size(), a.size()); ++i) {
      const std::string path = index_path("networks", i);
      if (!field(r[i].name, a[i].name, path + ".name", a[i].mark, "networks") ||
          !field(r[i].vlan, a[i].vlan, path + ".vlan", a[i].mark, "networks")) {
        return false;
      }
    }
    return count(r, a, "networks");
  }

  bool ports() {
    const auto& r = running_.ports;
    const auto& a = applied_.ports;
    for (std::size_t i = 0; i < std::min(r.size(), a.size()); ++i) {
      const std::string path = index_path("ports", i);
      const Mark at = a[i].mark;
      if (!field(r[i].name, a[i].name, path + ".name", at, "ports") ||
          !field(r[i].id, a[i].id, path + ".id", at, "ports") ||
          !field(r[i].device, a[i].device, path + ".device", at, "ports")) {
        return false;
      }
      if (r[i].role.value != a[i].role.value) {
        return differ(path + ".role", a[i].role.mark, "ports", quote(std::string(role_name(r[i].role.value))),
                      quote(std::string(role_name(a[i].role.value))));
      }
      if (!field(r[i].network, a[i].network, path + ".network", at, "ports")) return false;
    }
    return count(r, a, "ports");
  }

  /// The port a reference names in the (equal) port lists; kNone if none.
  std::uint16_t port_index(const std::string& ref) const {
    const auto& ports = running_.ports;
    for (std::size_t i = 0; i < ports.size(); ++i)
      if (ports[i].name.value == ref) return static_cast<std::uint16_t>(i);
    if (!is_uuid(ref)) return kNone;
    const std::string uuid = normalize_uuid(ref);
    for (std::size_t i = 0; i < ports.size(); ++i)
      if (ports[i].id.present && ports[i].id.value == uuid) return static_cast<std::uint16_t>(i);
    return kNone;
  }

  bool underlay() {
    const UnderlayIntent& r = running_.underlay;
    const UnderlayIntent& a = applied_.underlay;
    const char* section = "underlay";
    if (r.present != a.present) {
      return differ("underlay", a.mark, section, r.present ? "set" : "not set", a.present ? "set" : "not set");
    }
    if (!r.present) return true;
    // A port named by name in one file and by UUID in the other is the same
    // port; an unknown one is left to the validator (404).
    if (r.port.present != a.port.present ||
        (a.port.present && port_index(a.port.value) != kNone && port_index(a.port.value) != port_index(r.port.value))) {
      return differ("underlay.port", a.port.present ? a.port.mark : a.mark, section, show(r.port), show(a.port));
    }
    const struct {
      const char* key;
      const Field<std::string>& r;
      const Field<std::string>& a;
    } strings[] = {{"address", r.address, a.address},       {"address6", r.address6, a.address6},
                   {"gateway", r.gateway, a.gateway},       {"gateway6", r.gateway6, a.gateway6},
                   {"next_hop_mac", r.next_hop_mac, a.next_hop_mac}};
    for (const auto& s : strings) {
      if (!field(s.r, s.a, std::string("underlay.") + s.key, a.mark, section)) return false;
    }
    const struct {
      const char* key;
      const Field<std::uint32_t>& r;
      const Field<std::uint32_t>& a;
    } numbers[] = {{"ttl", r.ttl, a.ttl},    {"dscp", r.dscp, a.dscp}, {"mtu", r.mtu, a.mtu},
                   {"vlan", r.vlan, a.vlan}, {"neighbor_refresh", r.neighbor_refresh, a.neighbor_refresh}};
    for (const auto& n : numbers) {
      if (!field(n.r, n.a, std::string("underlay.") + n.key, a.mark, section)) return false;
    }
    return true;
  }

  const Intent& running_;
  const Intent& applied_;
  std::string_view text_;
  std::optional<Error> error_;
};

// --- control-socket requests ----------------------------------------------

ServiceIntent service_intent(const ServiceCreateArgs& a) {
  ServiceIntent s;
  s.id = maybe(a.id);
  s.name = given(a.name);
  s.description = maybe(a.description);
  s.port = maybe(a.port);
  s.remote_ip = maybe(a.remote_ip);
  s.remote_mac = maybe(a.remote_mac);
  s.encap = maybe(a.encap);
  s.vni = maybe(a.vni);
  s.udp_port = maybe(a.udp_port);
  if (a.erspan) {
    ErspanIntent& e = s.erspan;
    e.present = true;
    e.index = maybe(a.erspan->index);
    e.hwid = maybe(a.erspan->hwid);
    e.granularity = maybe(a.erspan->granularity);
    e.platform_subheader = maybe(a.erspan->platform_subheader);
    e.platform_id = maybe(a.erspan->platform_id);
  }
  return s;
}

/// 409 "args.id" when `id` is the UUID of a service or a flow.
std::optional<Error> id_taken(const Snapshot& snap, const std::optional<std::string>& id) {
  if (!id) return std::nullopt;
  const auto taken = [&](const std::string& what, const std::string& name) {
    return Error{"", 0, 0, "args.id",
                 "id " + quote(*id) + " is already used by " + what + " " + quote(name) + "; ids must be unique",
                 kConflict};
  };
  for (const ServiceEntry& s : snap.services)
    if (s.uuid == *id) return taken("tap service", s.name);
  for (const FlowEntry& f : snap.flows)
    if (f.uuid == *id) return taken("tap flow", f.name);
  return std::nullopt;
}

template <class Entity>
void rename(Entity& e, const UpdateArgs& a) {
  if (a.name) e.name = given(*a.name);
  if (a.description) e.description = given(*a.description);
}

}  // namespace

Result<DesiredState> DesiredState::from_text(std::string_view yaml_text, const std::string& file) {
  auto parsed = parse_intent(yaml_text, file);
  if (!parsed) return with_code(parsed.error(), kInvalid);
  if (auto error = names_are_not_ids(parsed.value())) return *std::move(error);
  auto resolution = validate_intent(parsed.value());
  if (!resolution) return with_code(resolution.error(), kConflict);
  DesiredState state;
  state.snap_ = compile_snapshot(parsed.value(), resolution.value());
  state.intent_ = std::move(parsed).value();
  pin(state.intent_, state.snap_);
  return state;
}

Result<std::uint64_t> DesiredState::commit(Intent candidate) {
  if (auto error = names_are_not_ids(candidate)) return *std::move(error);
  auto resolution = validate_intent(candidate);
  if (!resolution) return with_code(resolution.error(), kConflict);
  Snapshot snap = compile_snapshot(candidate, resolution.value());
  snap.generation = snap_.generation + 1;
  pin(candidate, snap);
  intent_ = std::move(candidate);
  snap_ = std::move(snap);
  return snap_.generation;
}

Result<std::uint32_t> DesiredState::find_service(std::string_view ref, std::string_view field) const {
  return find_entry(snap_.services, ref, field, "tap service");
}

Result<std::uint32_t> DesiredState::find_flow(std::string_view ref, std::string_view field) const {
  return find_entry(snap_.flows, ref, field, "tap flow");
}

Result<std::uint32_t> DesiredState::find_port(std::string_view ref, std::string_view field) const {
  return find_entry(snap_.ports, ref, field, "port");
}

Result<std::uint32_t> DesiredState::create_service(const ServiceCreateArgs& args) {
  if (auto error = id_taken(snap_, args.id)) return *error;
  Intent candidate = intent_;
  candidate.services.push_back(service_intent(args));
  const std::size_t index = candidate.services.size() - 1;
  auto done = commit(std::move(candidate));
  if (!done) return for_request(done.error(), index_path("tap_services", index));
  return static_cast<std::uint32_t>(index);
}

Result<std::uint32_t> DesiredState::update_service(const UpdateArgs& args) {
  auto found = find_service(args.ref);
  if (!found) return found.error();
  const std::uint32_t index = found.value();
  Intent candidate = intent_;
  rename(candidate.services[index], args);
  auto done = commit(std::move(candidate));
  if (!done) return for_request(done.error(), index_path("tap_services", index));
  return index;
}

Result<std::vector<std::string>> DesiredState::delete_service(const RefArgs& args) {
  auto found = find_service(args.ref);
  if (!found) return found.error();
  const std::uint32_t index = found.value();
  Intent candidate = intent_;
  std::vector<std::string> deleted;
  std::vector<FlowIntent> kept;
  for (std::size_t i = 0; i < candidate.flows.size(); ++i) {
    if (snap_.flows[i].service == index) {
      deleted.push_back(snap_.flows[i].uuid);
    } else {
      kept.push_back(std::move(candidate.flows[i]));
    }
  }
  candidate.flows = std::move(kept);
  candidate.services.erase(candidate.services.begin() + index);
  auto done = commit(std::move(candidate));
  if (!done) return done.error();
  return deleted;
}

Result<std::uint32_t> DesiredState::create_flow(const FlowCreateArgs& args) {
  if (auto error = id_taken(snap_, args.id)) return *error;
  FlowIntent f;
  f.id = maybe(args.id);
  f.name = given(args.name);
  f.description = maybe(args.description);
  f.source_port = given(args.source_port);
  f.tap_service = given(args.tap_service);
  f.direction = given(args.direction);
  f.erspan_session_id = maybe(args.erspan_session_id);
  f.vlans.set();
  if (args.vlan_filter) {
    auto vlans = parse_vlan_filter(*args.vlan_filter);
    if (!vlans) return Error{"", 0, 0, "args.vlan_filter", vlans.error().message, kInvalid};
    f.vlan_filter = given(*args.vlan_filter);
    f.vlans = vlans.value();
  }
  // Session ids are pinned, so the compiler would give a new flow a session
  // of its own; the default is one session per service (DESIGN.md §2), so
  // the flow joins the session of the service's first flow instead.
  if (!args.erspan_session_id) {
    const std::uint32_t service = lookup(snap_.services, args.tap_service);
    for (const FlowEntry& other : snap_.flows) {
      if (service == kAbsent || other.service != service || other.erspan_session_id == kNone) continue;
      f.erspan_session_id = given(std::uint32_t{other.erspan_session_id});
      break;
    }
  }
  Intent candidate = intent_;
  candidate.flows.push_back(std::move(f));
  const std::size_t index = candidate.flows.size() - 1;
  auto done = commit(std::move(candidate));
  if (!done) return for_request(done.error(), index_path("tap_flows", index));
  return static_cast<std::uint32_t>(index);
}

Result<std::uint32_t> DesiredState::update_flow(const UpdateArgs& args) {
  auto found = find_flow(args.ref);
  if (!found) return found.error();
  const std::uint32_t index = found.value();
  Intent candidate = intent_;
  rename(candidate.flows[index], args);
  auto done = commit(std::move(candidate));
  if (!done) return for_request(done.error(), index_path("tap_flows", index));
  return index;
}

Result<std::string> DesiredState::delete_flow(const RefArgs& args) {
  auto found = find_flow(args.ref);
  if (!found) return found.error();
  const std::uint32_t index = found.value();
  std::string uuid = snap_.flows[index].uuid;
  Intent candidate = intent_;
  candidate.flows.erase(candidate.flows.begin() + index);
  auto done = commit(std::move(candidate));
  if (!done) return done.error();
  return uuid;
}

Result<std::uint64_t> DesiredState::apply(std::string_view yaml_text, const std::string& file) {
  auto parsed = parse_intent(yaml_text, file);
  if (!parsed) return with_code(parsed.error(), kInvalid);
  Intent candidate = std::move(parsed).value();
  inherit_ids(intent_.ports, candidate.ports);
  inherit_ids(intent_.services, candidate.services);
  inherit_ids(intent_.flows, candidate.flows);
  if (auto error = FixedSections(intent_, candidate, yaml_text).check()) return *std::move(error);
  return commit(std::move(candidate));
}

std::string DesiredState::export_yaml() const { return export_intent(intent_, snap_); }

}  // namespace taas::ctl
