#include "control/protocol_args.hpp"

#include <string>
#include <type_traits>

#include "control/addr_syntax.hpp"
#include "control/uuid.hpp"
#include "control/vlan_filter.hpp"

namespace taas::ctl {

namespace {

constexpr std::int64_t kMaxU32 = 0xffffffff;

/// An optional integer field stored as uint32 (range [lo, hi]).
bool read_u32(JsonReader& r, const JsonObject& o, std::string_view key, std::int64_t lo, std::int64_t hi,
              std::optional<std::uint32_t>& out) {
  std::optional<std::int64_t> v;
  if (!r.integer(o, key, Need::kOptional, lo, hi, v)) return false;
  if (v) out = static_cast<std::uint32_t>(*v);
  return true;
}

/// A required non-empty string.
bool read_required(JsonReader& r, const JsonObject& o, std::string_view key, std::string& out) {
  std::optional<std::string> v;
  if (!r.string(o, key, Need::kRequired, v)) return false;
  out = std::move(*v);
  return true;
}

/// An optional `id`: a UUID, stored lowercase.
bool read_uuid(JsonReader& r, const JsonObject& o, std::optional<std::string>& out) {
  if (!r.string(o, "id", Need::kOptional, out)) return false;
  if (!out) return true;
  if (!is_uuid(*out)) {
    return r.fail(json_path(o.path, "id"),
                  "not a UUID: expected 8-4-4-4-12 hex digits like 0f576381-e461-4807-bb11-5d57624b30a0, got " +
                      json_quote(*out));
  }
  out = normalize_uuid(*out);
  return true;
}

/// An optional string that must satisfy `valid`.
bool read_syntax(JsonReader& r, const JsonObject& o, std::string_view key, bool (*valid)(std::string_view),
                 std::string_view expected, std::optional<std::string>& out) {
  if (!r.string(o, key, Need::kOptional, out)) return false;
  if (out && !valid(*out)) {
    return r.fail(json_path(o.path, key), "expected " + std::string(expected) + ", got " + json_quote(*out));
  }
  return true;
}

bool either_ip(std::string_view text) { return is_ipv4(text) || is_ipv6(text); }

bool read_erspan(JsonReader& r, const JsonObject& service, std::optional<ErspanArgs>& out) {
  bool present = false;
  const auto o = r.member_object(service, "erspan",
                                 {"index", "hwid", "granularity", "platform_subheader", "platform_id"}, present);
  if (!o) return r.ok();
  ErspanArgs& e = out.emplace();
  if (!(read_u32(r, *o, "index", 0, (1 << 20) - 1, e.index) && read_u32(r, *o, "hwid", 0, 63, e.hwid) &&
        r.enumeration<ErspanGranularity>(*o, "granularity", Need::kOptional,
                                         {{"100us", ErspanGranularity::k100us},
                                          {"100ns", ErspanGranularity::k100ns}},
                                         false, e.granularity) &&
        r.boolean(*o, "platform_subheader", Need::kOptional, e.platform_subheader) &&
        read_u32(r, *o, "platform_id", 3, 7, e.platform_id))) {
    return false;
  }
  if (e.platform_id && *e.platform_id != 3 && *e.platform_id != 7) {
    return r.fail(json_path(o->path, "platform_id"),
                  "expected 3 (14-bit port index) or 7 (20-bit source index), got " +
                      std::to_string(*e.platform_id));
  }
  return true;
}

bool read_service(JsonReader& r, const YAML::Node& node, ServiceCreateArgs& s) {
  const auto o = r.object(node, "args",
                          {"id", "name", "description", "port", "remote_ip", "encap", "vni", "udp_port", "erspan",
                           "remote_mac"});
  return o && read_uuid(r, *o, s.id) && read_required(r, *o, "name", s.name) &&
         r.string(*o, "description", Need::kOptional, s.description, true) &&
         r.string(*o, "port", Need::kOptional, s.port) &&
         read_syntax(r, *o, "remote_ip", either_ip, "an IPv4 or IPv6 address", s.remote_ip) &&
         r.enumeration<Encap>(*o, "encap", Need::kOptional,
                              {{"none", Encap::kNone}, {"erspan2", Encap::kErspan2}, {"erspan3", Encap::kErspan3},
                               {"vxlan", Encap::kVxlan}},
                              false, s.encap) &&
         read_u32(r, *o, "vni", 0, (1 << 24) - 1, s.vni) && read_u32(r, *o, "udp_port", 1, 65535, s.udp_port) &&
         read_erspan(r, *o, s.erspan) &&
         read_syntax(r, *o, "remote_mac", is_mac, "a MAC address like 02:00:00:00:00:0a", s.remote_mac);
}

bool read_flow(JsonReader& r, const YAML::Node& node, FlowCreateArgs& f) {
  const auto o = r.object(node, "args",
                          {"id", "name", "description", "source_port", "tap_service", "direction",
                           "erspan_session_id", "vlan_filter"});
  std::optional<Direction> direction;
  if (!(o && read_uuid(r, *o, f.id) && read_required(r, *o, "name", f.name) &&
        r.string(*o, "description", Need::kOptional, f.description, true) &&
        read_required(r, *o, "source_port", f.source_port) && read_required(r, *o, "tap_service", f.tap_service) &&
        r.enumeration<Direction>(*o, "direction", Need::kRequired,
                                 {{"IN", Direction::kIn}, {"OUT", Direction::kOut}, {"BOTH", Direction::kBoth}},
                                 true, direction) &&
        read_u32(r, *o, "erspan_session_id", 0, 1023, f.erspan_session_id) &&
        r.string(*o, "vlan_filter", Need::kOptional, f.vlan_filter, true))) {
    return false;
  }
  f.direction = *direction;
  if (f.vlan_filter) {
    auto vlans = parse_vlan_filter(*f.vlan_filter);
    if (!vlans) return r.fail("args.vlan_filter", vlans.error().message);
  }
  return true;
}

bool read_ref(JsonReader& r, const YAML::Node& node, RefArgs& a) {
  const auto o = r.object(node, "args", {"ref"});
  return o && read_required(r, *o, "ref", a.ref);
}

bool read_update(JsonReader& r, const YAML::Node& node, UpdateArgs& a) {
  const auto o = r.object(node, "args", {"ref", "name", "description"},
                          "TaaS allows updating only name and description (give ref to say which)");
  if (!(o && read_required(r, *o, "ref", a.ref) && r.string(*o, "name", Need::kOptional, a.name) &&
        r.string(*o, "description", Need::kOptional, a.description, true))) {
    return false;
  }
  if (!a.name && !a.description) return r.fail("args", "nothing to update: give name and/or description");
  return true;
}

bool read_apply(JsonReader& r, const YAML::Node& node, ApplyArgs& a) {
  const auto o = r.object(node, "args", {"intent", "file"});
  std::optional<std::string> intent;
  std::optional<std::string> file;
  if (!(o && r.string(*o, "intent", Need::kRequired, intent) && r.string(*o, "file", Need::kOptional, file)))
    return false;
  a.intent = std::move(*intent);
  if (file) a.file = std::move(*file);
  return true;
}

/// Reads args that must be an object with required fields: absent args are
/// reported as "missing" on the object itself.
template <class T>
bool read_with(JsonReader& r, const YAML::Node* node, Args& out, bool (*read)(JsonReader&, const YAML::Node&, T&)) {
  if (node == nullptr) return r.fail("args", "missing; this operation needs args (an object)");
  T value;
  if (!read(r, *node, value)) return false;
  out = std::move(value);
  return true;
}

std::string_view granularity_name(ErspanGranularity g) { return g == ErspanGranularity::k100ns ? "100ns" : "100us"; }

template <class T>
void put(JsonWriter& w, std::string_view key, const std::optional<T>& value) {
  if (!value) return;
  if constexpr (std::is_same_v<T, std::string>) {
    w.field(key, *value);
  } else if constexpr (std::is_same_v<T, bool>) {
    w.field_bool(key, *value);
  } else {
    w.field_uint(key, *value);
  }
}

void write_service(JsonWriter& w, const ServiceCreateArgs& s) {
  w.begin_object();
  put(w, "id", s.id);
  w.field("name", s.name);
  put(w, "description", s.description);
  put(w, "port", s.port);
  put(w, "remote_ip", s.remote_ip);
  if (s.encap) w.field("encap", encap_name(*s.encap));
  put(w, "vni", s.vni);
  put(w, "udp_port", s.udp_port);
  if (s.erspan) {
    const ErspanArgs& e = *s.erspan;
    w.key("erspan").begin_object();
    put(w, "index", e.index);
    put(w, "hwid", e.hwid);
    if (e.granularity) w.field("granularity", granularity_name(*e.granularity));
    put(w, "platform_subheader", e.platform_subheader);
    put(w, "platform_id", e.platform_id);
    w.end_object();
  }
  put(w, "remote_mac", s.remote_mac);
  w.end_object();
}

void write_flow(JsonWriter& w, const FlowCreateArgs& f) {
  w.begin_object();
  put(w, "id", f.id);
  w.field("name", f.name);
  put(w, "description", f.description);
  w.field("source_port", f.source_port);
  w.field("tap_service", f.tap_service);
  w.field("direction", direction_name(f.direction));
  put(w, "erspan_session_id", f.erspan_session_id);
  put(w, "vlan_filter", f.vlan_filter);
  w.end_object();
}

}  // namespace

bool decode_args(JsonReader& r, Op op, const YAML::Node* args, Args& out) {
  switch (op) {
    case Op::kServiceCreate:
      return read_with<ServiceCreateArgs>(r, args, out, read_service);
    case Op::kFlowCreate:
      return read_with<FlowCreateArgs>(r, args, out, read_flow);
    case Op::kServiceShow:
    case Op::kServiceDelete:
    case Op::kFlowShow:
    case Op::kFlowDelete:
    case Op::kPortShow:
      return read_with<RefArgs>(r, args, out, read_ref);
    case Op::kServiceUpdate:
    case Op::kFlowUpdate:
      return read_with<UpdateArgs>(r, args, out, read_update);
    case Op::kApply:
      return read_with<ApplyArgs>(r, args, out, read_apply);
    case Op::kServiceList:
    case Op::kFlowList:
    case Op::kPortList:
    case Op::kExport:
    case Op::kStats:
    case Op::kHealth:
      out = std::monostate{};
      if (args == nullptr) return true;
      return r.object(*args, "args", {}, std::string(op_name(op)) + " takes no args").has_value();
  }
  return r.fail("op", "unhandled operation");
}

bool encode_args(JsonWriter& w, const Args& args) {
  if (std::holds_alternative<std::monostate>(args)) return false;
  w.key("args");
  if (const auto* s = std::get_if<ServiceCreateArgs>(&args)) {
    write_service(w, *s);
  } else if (const auto* f = std::get_if<FlowCreateArgs>(&args)) {
    write_flow(w, *f);
  } else if (const auto* ref = std::get_if<RefArgs>(&args)) {
    w.begin_object().field("ref", ref->ref).end_object();
  } else if (const auto* u = std::get_if<UpdateArgs>(&args)) {
    w.begin_object().field("ref", u->ref);
    put(w, "name", u->name);
    put(w, "description", u->description);
    w.end_object();
  } else if (const auto* a = std::get_if<ApplyArgs>(&args)) {
    w.begin_object().field("intent", a->intent);
    if (!a->file.empty()) w.field("file", a->file);
    w.end_object();
  }
  return true;
}

}  // namespace taas::ctl
