#include "control/protocol.hpp"

#include <array>
#include <utility>

#include "control/json_read.hpp"
#include "control/protocol_args.hpp"

namespace taas::ctl {

namespace {

constexpr std::array<std::pair<Op, std::string_view>, 16> kOps{{
    {Op::kServiceCreate, "tap_service.create"},
    {Op::kServiceList, "tap_service.list"},
    {Op::kServiceShow, "tap_service.show"},
    {Op::kServiceUpdate, "tap_service.update"},
    {Op::kServiceDelete, "tap_service.delete"},
    {Op::kFlowCreate, "tap_flow.create"},
    {Op::kFlowList, "tap_flow.list"},
    {Op::kFlowShow, "tap_flow.show"},
    {Op::kFlowUpdate, "tap_flow.update"},
    {Op::kFlowDelete, "tap_flow.delete"},
    {Op::kPortList, "port.list"},
    {Op::kPortShow, "port.show"},
    {Op::kApply, "apply"},
    {Op::kExport, "export"},
    {Op::kStats, "stats"},
    {Op::kHealth, "health"},
}};

Error invalid(std::string field, std::string message) { return Error{"", 0, 0, std::move(field), std::move(message)}; }

/// Reads `id` (string, integer or null) from a top-level object. Anything
/// else is an error naming "id"; the id then stays none.
std::optional<Error> read_id(const YAML::Node& root, RequestId& id) {
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it->first.Scalar() != "id") continue;
    const YAML::Node value = it->second;  // a copy: it-> points into a temporary
    switch (json_kind(value)) {
      case JsonKind::kNull:
        return std::nullopt;
      case JsonKind::kString:
        id = value.Scalar();
        return std::nullopt;
      case JsonKind::kNumber:
        if (const auto n = json_integer(value)) {
          id = *n;
          return std::nullopt;
        }
        break;
      default:
        break;
    }
    return invalid("id", "expected a string or an integer (echoed in the reply), got " + describe_json(value));
  }
  return std::nullopt;
}

/// Checks "v": present, an integer, a version spoken here.
bool check_version(JsonReader& reader, const JsonObject& root) {
  const YAML::Node* v = root.find("v");
  const std::string spoken = "this side speaks version " + std::to_string(kProtocolVersion);
  if (v == nullptr) return reader.fail("v", "missing protocol version; " + spoken);
  const auto version = json_integer(*v);
  if (!version) return reader.fail("v", "expected an integer protocol version, got " + describe_json(*v));
  if (*version != kProtocolVersion) {
    return reader.fail("v", "unsupported protocol version " + std::to_string(*version) + "; " + spoken);
  }
  return true;
}

void write_id(JsonWriter& w, const RequestId& id) {
  w.key("id");
  if (const auto* s = std::get_if<std::string>(&id)) {
    w.string(*s);
  } else if (const auto* n = std::get_if<std::int64_t>(&id)) {
    w.signed_int(*n);
  } else {
    w.null();
  }
}

/// The envelope of a request, after the id was read.
Result<Request> read_request(const YAML::Node& root) {
  JsonReader reader;
  const auto top = reader.object(root, "", {"v", "id", "op", "args"}, "a request has v, id, op and args");
  if (!top || !check_version(reader, *top)) return reader.error();

  const YAML::Node* op_node = top->find("op");
  if (op_node == nullptr || json_kind(*op_node) == JsonKind::kNull) {
    return invalid("op", "missing operation; expected one of " + op_names());
  }
  if (json_kind(*op_node) != JsonKind::kString) {
    return invalid("op", "expected an operation name (a string), got " + describe_json(*op_node));
  }
  const auto op = op_from_name(op_node->Scalar());
  if (!op) {
    return invalid("op", "unknown operation " + json_quote(op_node->Scalar()) + "; expected one of " + op_names());
  }

  const YAML::Node* args = top->find("args");
  if (args != nullptr && json_kind(*args) == JsonKind::kNull) args = nullptr;
  if (args != nullptr && json_kind(*args) != JsonKind::kObject) {
    return invalid("args", "expected an object, got " + describe_json(*args));
  }
  Request request{*op, {}};
  if (!decode_args(reader, *op, args, request.args)) return reader.error();
  return request;
}

/// The error part of a reply.
bool read_reply_error(JsonReader& reader, const JsonObject& top, Reply& reply) {
  bool present = false;
  const auto error = reader.member_object(top, "error", {"code", "field", "message"}, present);
  if (!present && reader.ok()) return reader.fail("error", "missing in a reply with \"ok\": false");
  std::optional<std::int64_t> code;
  std::optional<std::string> field;
  std::optional<std::string> message;
  if (!(error && reader.integer(*error, "code", Need::kRequired, 100, 599, code) &&
        reader.string(*error, "field", Need::kRequired, field, true) &&
        reader.string(*error, "message", Need::kRequired, message, true))) {
    return false;
  }
  if (top.find("result") != nullptr) return reader.fail("result", "a failed reply carries no result");
  reply.code = static_cast<int>(*code);
  reply.field = std::move(*field);
  reply.message = std::move(*message);
  return true;
}

}  // namespace

std::string_view op_name(Op op) noexcept {
  for (const auto& [value, name] : kOps) {
    if (value == op) return name;
  }
  return "?";
}

std::optional<Op> op_from_name(std::string_view name) noexcept {
  for (const auto& [value, wire] : kOps) {
    if (wire == name) return value;
  }
  return std::nullopt;
}

const std::string& op_names() {
  static const std::string kNames = [] {
    std::string out;
    for (const auto& entry : kOps) {
      if (!out.empty()) out += ", ";
      out += entry.second;
    }
    return out;
  }();
  return kNames;
}

ParsedRequest parse_request(std::string_view line) {
  if (request_too_long(line.size())) {
    return {{}, invalid("", "request longer than " + std::to_string(kMaxRequestBytes) + " bytes")};
  }
  auto doc = load_json(line);
  if (!doc) return {{}, doc.error()};
  const YAML::Node& root = doc.value();
  if (json_kind(root) != JsonKind::kObject) {
    return {{}, invalid("", "a request is a JSON object, got " + describe_json(root))};
  }
  RequestId id;
  if (auto bad_id = read_id(root, id)) return {{}, std::move(*bad_id)};
  return {std::move(id), read_request(root)};
}

std::string encode_ok(const RequestId& id, const std::function<void(JsonWriter&)>& result) {
  JsonWriter w;
  w.begin_object().key("v").signed_int(kProtocolVersion);
  write_id(w, id);
  w.field_bool("ok", true).key("result");
  if (result) {
    result(w);
  } else {
    w.null();
  }
  w.end_object();
  return w.take();
}

std::string encode_error(const RequestId& id, int code, std::string_view field, std::string_view message) {
  JsonWriter w;
  w.begin_object().key("v").signed_int(kProtocolVersion);
  write_id(w, id);
  w.field_bool("ok", false).key("error").begin_object();
  w.key("code").signed_int(code).field("field", field).field("message", message);
  w.end_object().end_object();
  return w.take();
}

std::string encode_error(const RequestId& id, int code, const Error& error) {
  if (error.file.empty()) return encode_error(id, code, error.field, error.message);
  Error position = error;
  position.field.clear();
  position.message.clear();
  std::string where = position.to_string();  // "file:line:col: "
  while (!where.empty() && (where.back() == ' ' || where.back() == ':')) where.pop_back();
  return encode_error(id, code, error.field, where + ": " + error.message);
}

std::string encode_request(const RequestId& id, const Request& request) {
  JsonWriter w;
  w.begin_object().key("v").signed_int(kProtocolVersion);
  if (!std::holds_alternative<std::monostate>(id)) write_id(w, id);
  w.field("op", op_name(request.op));
  encode_args(w, request.args);
  w.end_object();
  return w.take();
}

Result<Reply> parse_reply(std::string_view line) {
  auto doc = load_json(line);
  if (!doc) return doc.error();
  JsonReader reader;
  const auto top = reader.object(doc.value(), "", {"v", "id", "ok", "result", "error"});
  if (!top || !check_version(reader, *top)) return reader.error();
  Reply reply;
  if (auto bad_id = read_id(doc.value(), reply.id)) return std::move(*bad_id);
  std::optional<bool> ok;
  if (!reader.boolean(*top, "ok", Need::kRequired, ok)) return reader.error();
  reply.ok = *ok;
  if (reply.ok) {
    const YAML::Node* result = top->find("result");
    if (result == nullptr) return invalid("result", "missing in a reply with \"ok\": true");
    if (top->find("error") != nullptr) return invalid("error", "a successful reply carries no error");
    reply.result = *result;
  } else if (!read_reply_error(reader, *top, reply)) {
    return reader.error();
  }
  return reply;
}

}  // namespace taas::ctl
