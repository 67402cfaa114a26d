// The Neutron API's JSON (neutron_json.hpp): items, filters, bodies, errors.

#include "control/neutron_json.hpp"

#include <algorithm>
#include <optional>

#include "control/addr_syntax.hpp"
#include "control/intent_model.hpp"
#include "control/json_read.hpp"
#include "control/resource_status.hpp"
#include "control/uuid.hpp"
#include "control/vlan_filter.hpp"

namespace taas::ctl::neutron {
namespace {

Value str(std::string_view s) { return {Value::Kind::kString, std::string(s)}; }
Value null() { return {Value::Kind::kNull, {}}; }
Value number(std::uint64_t n) { return {Value::Kind::kNumber, std::to_string(n)}; }
Value boolean(bool b) { return {Value::Kind::kBool, b ? "true" : "false"}; }

int hex(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) == (y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
  });
}

/// Query parameters that are not attribute filters.
bool ignored_param(std::string_view key) {
  static constexpr std::string_view kIgnored[] = {"fields",   "tenant_id", "project_id", "limit",
                                                   "marker",   "page_reverse", "sort_key", "sort_dir"};
  return std::find(std::begin(kIgnored), std::end(kIgnored), key) != std::end(kIgnored);
}

bool value_equals(const Value& v, std::string_view wanted) {
  switch (v.kind) {
    case Value::Kind::kString:
      return v.text == wanted || (is_uuid(v.text) && is_uuid(wanted) && iequals(v.text, wanted));
    case Value::Kind::kNumber:
      return v.text == wanted;
    case Value::Kind::kBool:
      return iequals(v.text, wanted);
    case Value::Kind::kNull:
      return false;
  }
  return false;
}

std::string_view error_type(int status) {
  switch (status) {
    case 400: return "HTTPBadRequest";
    case 401: return "HTTPUnauthorized";
    case 403: return "HTTPForbidden";
    case 404: return "HTTPNotFound";
    case 405: return "HTTPMethodNotAllowed";
    case 409: return "HTTPConflict";
    case 411: return "HTTPLengthRequired";
    case 413: return "HTTPRequestEntityTooLarge";
    case 417: return "HTTPExpectationFailed";
    case 431: return "HTTPRequestHeaderFieldsTooLarge";
    case 503: return "HTTPServiceUnavailable";
    case 505: return "HTTPVersionNotSupported";
    default: return "HTTPInternalServerError";
  }
}

/// The Neutron name of a field of the request's own resource ("port" of
/// the control socket's args is "port_id" here).
std::string neutron_field(Resource r, std::string_view field) {
  static constexpr std::pair<std::string_view, std::string_view> kService[] = {
      {"port", "port_id"}, {"remote_ip", "erspan_dst_ip"}, {"encap", "erspan_dst_ip"}};
  static constexpr std::pair<std::string_view, std::string_view> kFlow[] = {{"tap_service", "tap_service_id"}};
  if (field == "args.ref") return "id";
  if (field == "args") return std::string(resource_key(r));
  if (field.substr(0, 5) != "args.") return std::string(field);
  std::string_view rest = field.substr(5);
  const std::string_view head = rest.substr(0, rest.find('.'));
  const std::string_view tail = rest.substr(head.size());
  std::string_view name = head;
  if (r == Resource::kTapService) {
    for (const auto& [from, to] : kService) name = head == from ? to : name;
  } else {
    for (const auto& [from, to] : kFlow) name = head == from ? to : name;
  }
  return std::string(resource_key(r)) + "." + std::string(name) + std::string(tail);
}

/// The body's one member `key` as an object whose keys are `allowed`;
/// `note` explains a refused key instead of the list of allowed ones.
std::optional<JsonObject> wrapped(JsonReader& r, const YAML::Node& root, std::string_view key,
                                  std::initializer_list<std::string_view> allowed, std::string_view note = {}) {
  const std::string k(key);
  const std::string shape = "the body is {\"" + k + "\": {...}}";
  const auto top = r.object(root, "", {key}, shape);
  if (!top) return std::nullopt;
  const YAML::Node* inner = top->find(key);
  if (inner == nullptr || json_kind(*inner) == JsonKind::kNull) {
    r.fail(k, "required: " + shape);
    return std::nullopt;
  }
  return r.object(*inner, k, allowed, note);
}

Result<YAML::Node> body_json(std::string_view body, std::string_view key) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return Error{"", 0, 0, std::string(key), "required: the body is {\"" + std::string(key) + "\": {...}}", 400};
  auto node = load_json(body);
  if (!node) {
    Error e = node.error();
    e.message = "the request body is not valid JSON: " + e.message;
    e.code = 400;
    return e;
  }
  return node.value();
}

Error reader_error(const JsonReader& r) {
  Error e = r.error();
  e.code = 400;
  return e;
}

/// An optional string that may be empty (then absent).
bool optional_text(JsonReader& r, const JsonObject& o, std::string_view key, std::optional<std::string>& out) {
  if (!r.string(o, key, Need::kOptional, out, true)) return false;
  if (out && out->empty()) out.reset();
  return true;
}

/// tenant_id / project_id: strings, not stored.
bool ownership(JsonReader& r, const JsonObject& o) {
  std::optional<std::string> ignored;
  return r.string(o, "tenant_id", Need::kOptional, ignored, true) &&
         r.string(o, "project_id", Need::kOptional, ignored, true);
}

bool read_id(JsonReader& r, const JsonObject& o, std::optional<std::string>& out) {
  if (!r.string(o, "id", Need::kOptional, out)) return false;
  if (out && !is_uuid(*out)) return r.fail(json_path(o.path, "id"), "not a UUID: " + json_quote(*out));
  if (out) out = normalize_uuid(*out);
  return true;
}

/// A missing or empty name becomes the UUID, generated when not given.
void default_name(std::optional<std::string>& name, std::optional<std::string>& id, std::string& out) {
  if (name && !name->empty()) {
    out = *name;
    return;
  }
  if (!id) id = generate_uuid_v4();
  out = *id;
}

/// erspan_session_id: an integer or a string of digits (the ERSPAN
/// extension's CLI sends what was typed), 0..1023.
bool session_id(JsonReader& r, const JsonObject& o, std::optional<std::uint32_t>& out) {
  const YAML::Node* node = o.find("erspan_session_id");
  if (node != nullptr && json_kind(*node) == JsonKind::kString) {
    const std::string text = node->Scalar();
    if (!text.empty() && text.size() <= 4 && text.find_first_not_of("0123456789") == std::string::npos &&
        std::stoul(text) <= 1023) {
      out = static_cast<std::uint32_t>(std::stoul(text));
      return true;
    }
    return r.fail(json_path(o.path, "erspan_session_id"), "expected an integer from 0 to 1023, got " + describe_json(*node));
  }
  std::optional<std::int64_t> v;
  if (!r.integer(o, "erspan_session_id", Need::kOptional, 0, 1023, v)) return false;
  if (v) out = static_cast<std::uint32_t>(*v);
  return true;
}

}  // namespace

const Value* Item::find(std::string_view key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return &v;
  return nullptr;
}

bool url_decode(std::string_view text, bool plus_space, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return false;
      const int hi = hex(text[i + 1]);
      const int lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += plus_space && c == '+' ? ' ' : c;
    }
  }
  return true;
}

Result<Query> parse_query(std::string_view query) {
  Query out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    std::string key, value;
    if (!url_decode(part.substr(0, eq), true, key) ||
        !url_decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true, value)) {
      return Error{"", 0, 0, "query", "malformed percent-escape in " + json_quote(part), 400};
    }
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

Item port_item(const Snapshot& snap, const OpsHooks& hooks, std::size_t i) {
  const PortEntry& p = snap.ports[i];
  const auto index = static_cast<std::uint16_t>(i);
  return Item{{{"id", str(p.uuid)},
               {"name", str(p.name)},
               {"description", str("")},
               {"status", str(hooks.port_up(index) ? "ACTIVE" : "DOWN")},
               {"admin_state_up", boolean(true)},
               {"mac_address", str(hooks.port_mac(index))},
               {"device_owner", str("")},
               {"tenant_id", str("")},
               {"project_id", str("")}}};
}

Item service_item(const Snapshot& snap, const OpsHooks& hooks, std::size_t i,
                  const std::vector<std::uint16_t>& neighbors) {
  const ServiceEntry& s = snap.services[i];
  const bool local = s.port != kNone && !external_service(snap, s);
  const bool erspan = s.encap == Encap::kErspan2 || s.encap == Encap::kErspan3;
  return Item{{{"id", str(s.uuid)},
               {"tenant_id", str("")},
               {"project_id", str("")},
               {"name", str(s.name)},
               {"description", str(s.description)},
               {"port_id", str(local ? std::string_view(snap.ports[s.port].uuid) : "")},
               {"status", str(service_status(snap, hooks, i, neighbors))},
               {"erspan_dst_ip", erspan && !s.remote_ip.empty() ? str(s.remote_ip) : null()}}};
}

Item flow_item(const Snapshot& snap, const OpsHooks& hooks, std::size_t i,
               const std::vector<std::uint16_t>& neighbors) {
  const FlowEntry& f = snap.flows[i];
  return Item{{{"id", str(f.uuid)},
               {"tenant_id", str("")},
               {"project_id", str("")},
               {"name", str(f.name)},
               {"description", str(f.description)},
               {"tap_service_id", str(snap.services[f.service].uuid)},
               {"source_port", str(snap.ports[f.source_port].uuid)},
               {"direction", str(direction_name(f.direction))},
               {"vlan_filter", f.vlan_filter.empty() ? null() : str(f.vlan_filter)},
               {"status", str(flow_status(snap, hooks, i, neighbors))},
               {"erspan_session_id", f.erspan_session_id == kNone ? null() : number(f.erspan_session_id)}}};
}

bool matches(const Item& item, const Query& query) {
  for (const auto& [key, unused] : query) {
    if (ignored_param(key)) continue;
    const Value* v = item.find(key);
    if (v == nullptr) continue;
    bool any = false;
    for (const auto& [k, wanted] : query) any = any || (k == key && value_equals(*v, wanted));
    if (!any) return false;
  }
  return true;
}

void write_item(JsonWriter& w, const Item& item, const Query& query) {
  const bool select = std::any_of(query.begin(), query.end(), [](const auto& p) { return p.first == "fields"; });
  w.begin_object();
  for (const auto& [key, v] : item.fields) {
    if (select && std::none_of(query.begin(), query.end(),
                               [&](const auto& p) { return p.first == "fields" && p.second == key; })) {
      continue;
    }
    w.key(key);
    switch (v.kind) {
      case Value::Kind::kString: w.string(v.text); break;
      case Value::Kind::kNull: w.null(); break;
      case Value::Kind::kNumber: w.raw_number(v.text); break;
      case Value::Kind::kBool: w.boolean(v.text == "true"); break;
    }
  }
  w.end_object();
}

std::string_view resource_key(Resource r) noexcept {
  return r == Resource::kTapService ? "tap_service" : "tap_flow";
}

HttpResponse error_response(int status, const std::string& message) {
  JsonWriter w;
  w.begin_object().key("NeutronError").begin_object();
  w.field("type", error_type(status)).field("message", message).field("detail", "");
  w.end_object().end_object();
  return HttpResponse{status, "application/json", {}, w.take()};
}

HttpResponse error_response(Resource r, Error error) {
  error.field = neutron_field(r, error.field);
  const int status = error.code == 0 ? 400 : error.code;
  return error_response(status, error.to_string());
}

Result<ServiceCreateArgs> read_service_create(std::string_view body) {
  auto root = body_json(body, "tap_service");
  if (!root) return root.error();
  JsonReader r;
  const auto o = wrapped(r, root.value(), "tap_service",
                         {"id", "name", "description", "port_id", "erspan_dst_ip", "tenant_id", "project_id"});
  ServiceCreateArgs a;
  std::optional<std::string> name;
  if (!(o && read_id(r, *o, a.id) && r.string(*o, "name", Need::kOptional, name, true) &&
        r.string(*o, "description", Need::kOptional, a.description, true) && optional_text(r, *o, "port_id", a.port) &&
        optional_text(r, *o, "erspan_dst_ip", a.remote_ip) && ownership(r, *o))) {
    return reader_error(r);
  }
  if (a.remote_ip && !is_ipv4(*a.remote_ip) && !is_ipv6(*a.remote_ip)) {
    return Error{"", 0, 0, "tap_service.erspan_dst_ip",
                 "expected an IPv4 or IPv6 address, got " + json_quote(*a.remote_ip), 400};
  }
  if (!a.port && !a.remote_ip) {
    return Error{"", 0, 0, "tap_service.port_id",
                 "required: the port the copies are delivered to (or erspan_dst_ip for an ERSPAN collector)", 400};
  }
  // networking-vpp's ERSPAN extension: VPP's ERSPAN tunnels are type II.
  if (a.remote_ip) a.encap = Encap::kErspan2;
  default_name(name, a.id, a.name);
  return a;
}

Result<FlowCreateArgs> read_flow_create(std::string_view body) {
  auto root = body_json(body, "tap_flow");
  if (!root) return root.error();
  JsonReader r;
  const auto o = wrapped(r, root.value(), "tap_flow",
                         {"id", "name", "description", "source_port", "tap_service_id", "direction", "vlan_filter",
                          "erspan_session_id", "tenant_id", "project_id"});
  FlowCreateArgs a;
  std::optional<std::string> name, source, service;
  std::optional<Direction> direction;
  if (!(o && read_id(r, *o, a.id) && r.string(*o, "name", Need::kOptional, name, true) &&
        r.string(*o, "description", Need::kOptional, a.description, true) &&
        r.string(*o, "source_port", Need::kRequired, source) &&
        r.string(*o, "tap_service_id", Need::kRequired, service) &&
        r.enumeration<Direction>(*o, "direction", Need::kRequired,
                                 {{"IN", Direction::kIn}, {"OUT", Direction::kOut}, {"BOTH", Direction::kBoth}},
                                 true, direction) &&
        optional_text(r, *o, "vlan_filter", a.vlan_filter) && session_id(r, *o, a.erspan_session_id) &&
        ownership(r, *o))) {
    return reader_error(r);
  }
  if (a.vlan_filter) {
    auto vlans = parse_vlan_filter(*a.vlan_filter);
    if (!vlans) return Error{"", 0, 0, "tap_flow.vlan_filter", vlans.error().message, 400};
  }
  a.source_port = *source;
  a.tap_service = *service;
  a.direction = *direction;
  default_name(name, a.id, a.name);
  return a;
}

Result<UpdateArgs> read_update(std::string_view body, Resource res) {
  const std::string_view key = resource_key(res);
  auto root = body_json(body, key);
  if (!root) return root.error();
  JsonReader r;
  const auto o = wrapped(r, root.value(), key, {"name", "description"},
                         "TaaS updates only the name and the description");
  UpdateArgs a;
  if (!(o && r.string(*o, "name", Need::kOptional, a.name, true) &&
        r.string(*o, "description", Need::kOptional, a.description, true))) {
    return reader_error(r);
  }
  return a;
}

}  // namespace taas::ctl::neutron
