#pragma once
// The control-socket protocol (DESIGN.md §6): newline-delimited JSON over a
// Unix stream socket, one request per line, one reply per line.
//
//   request  {"v": 1, "id": <string|integer, optional>, "op": "tap_service.create",
//             "args": {...}}
//   reply    {"v": 1, "id": <echo or null>, "ok": true, "result": <any JSON>}
//            {"v": 1, "id": <echo or null>, "ok": false,
//             "error": {"code": 400, "field": "args.name", "message": "..."}}
//
// This is the codec only: typed decoding of requests for taasd, encoding of
// requests and decoding of replies for taasctl. No sockets, no DPDK. Range
// checks that the intent parser repeats are kept light; types, required
// fields and unknown keys are checked here, every error naming its field.
// Control thread only; nothing here throws on peer input.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <yaml-cpp/yaml.h>

#include "control/intent_model.hpp"
#include "control/json_writer.hpp"
#include "control/result.hpp"
#include "taas/snapshot.hpp"

namespace taas::ctl {

/// The protocol version this build speaks (the only one so far).
inline constexpr std::int64_t kProtocolVersion = 1;

/// Longest request line accepted, without its '\n'. A longer line gets a
/// 400 and the connection should be closed (the rest of it is unread).
inline constexpr std::size_t kMaxRequestBytes = std::size_t{1} << 20;

/// Error codes, after HTTP as the TaaS API uses them.
inline constexpr int kInvalid = 400;   // malformed request or invalid value
inline constexpr int kNotFound = 404;  // no resource with that name or id
inline constexpr int kConflict = 409;  // violates a rule of DESIGN.md §2
inline constexpr int kInternal = 500;  // taasd's fault

/// True when a line of `bytes` bytes (without '\n') is over the limit.
/// Lets the socket reader give up before buffering more.
constexpr bool request_too_long(std::size_t bytes) noexcept { return bytes > kMaxRequestBytes; }

/// A request id as the client sent it, echoed in the reply: none (reply
/// "id": null), a string or an integer.
using RequestId = std::variant<std::monostate, std::string, std::int64_t>;

enum class Op : std::uint8_t {
  kServiceCreate,
  kServiceList,
  kServiceShow,
  kServiceUpdate,
  kServiceDelete,
  kFlowCreate,
  kFlowList,
  kFlowShow,
  kFlowUpdate,
  kFlowDelete,
  kPortList,
  kPortShow,
  kApply,
  kExport,
  kStats,
  kHealth,
};

/// Wire name, e.g. "tap_service.create".
std::string_view op_name(Op op) noexcept;

/// The Op with this wire name (exact, case-sensitive).
std::optional<Op> op_from_name(std::string_view name) noexcept;

/// Every wire name, comma-separated (for error messages and help).
const std::string& op_names();

/// `erspan` of tap_service.create (fields of DESIGN.md §9).
struct ErspanArgs {
  std::optional<std::uint32_t> index;
  std::optional<std::uint32_t> hwid;
  std::optional<ErspanGranularity> granularity;
  std::optional<bool> platform_subheader;
  std::optional<std::uint32_t> platform_id;
  bool operator==(const ErspanArgs&) const = default;
};

/// tap_service.create: the fields of a tap service (DESIGN.md §2, §9).
struct ServiceCreateArgs {
  std::optional<std::string> id;  // a UUID, lowercase
  std::string name;
  std::optional<std::string> description;
  std::optional<std::string> port;
  std::optional<std::string> remote_ip;  // IPv4 or IPv6 syntax checked
  std::optional<Encap> encap;
  std::optional<std::uint32_t> vni;
  std::optional<std::uint32_t> udp_port;
  std::optional<ErspanArgs> erspan;
  std::optional<std::string> remote_mac;  // MAC syntax checked
  bool operator==(const ServiceCreateArgs&) const = default;
};

/// tap_flow.create: the fields of a tap flow.
struct FlowCreateArgs {
  std::optional<std::string> id;  // a UUID, lowercase
  std::string name;
  std::optional<std::string> description;
  std::string source_port;
  std::string tap_service;  // name or UUID
  Direction direction = Direction::kBoth;
  std::optional<std::uint32_t> erspan_session_id;
  std::optional<std::string> vlan_filter;  // as written; syntax checked
  bool operator==(const FlowCreateArgs&) const = default;
};

/// show / delete of services and flows, port.show: a name or a UUID.
struct RefArgs {
  std::string ref;
  bool operator==(const RefArgs&) const = default;
};

/// tap_service.update, tap_flow.update: TaaS lets only the name and the
/// description change; at least one is given.
struct UpdateArgs {
  std::string ref;
  std::optional<std::string> name;
  std::optional<std::string> description;
  bool operator==(const UpdateArgs&) const = default;
};

/// apply: a whole intent file's text (YAML), applied transactionally;
/// `file` (optional) names it in error messages.
struct ApplyArgs {
  std::string intent;
  std::string file;
  bool operator==(const ApplyArgs&) const = default;
};

/// The args of a request; which alternative is fixed by the Op:
/// monostate for list, export, stats, health.
using Args = std::variant<std::monostate, ServiceCreateArgs, FlowCreateArgs, RefArgs, UpdateArgs, ApplyArgs>;

struct Request {
  Op op = Op::kHealth;
  Args args;
  bool operator==(const Request&) const = default;
};

/// A request line decoded. `id` is filled whenever it could be read, also
/// when the request is rejected, so that the error reply can echo it.
struct ParsedRequest {
  RequestId id;
  Result<Request> request;  // on error: code 400, error().field / .message
};

/// Decodes one request line (without its '\n'). Every failure is a 400 with
/// the field it names: "" for not JSON / not an object / too long, "v",
/// "id", "op", "args", "args.<name>", "args.erspan.<name>", or the name of
/// an unknown top-level key.
ParsedRequest parse_request(std::string_view line);

/// The reply line (no '\n') for an accepted request. `result` writes exactly
/// one JSON value; when empty, the result is null.
std::string encode_ok(const RequestId& id, const std::function<void(JsonWriter&)>& result);

/// The reply line (no '\n') for a failed request.
std::string encode_error(const RequestId& id, int code, std::string_view field, std::string_view message);

/// encode_error for an Error value: its field and message, with
/// "file:line:col: " in front when the error has a file (an intent error
/// from apply). JSON syntax errors have no file; their message says the
/// column.
std::string encode_error(const RequestId& id, int code, const Error& error);

/// Client side: the request line (no '\n') for `request`; parse_request of
/// it gives `request` back.
std::string encode_request(const RequestId& id, const Request& request);

/// Client side: a decoded reply.
struct Reply {
  RequestId id;
  bool ok = false;
  YAML::Node result;  // when ok: the result, JSON kinds kept (json_read.hpp)
  int code = 0;       // when !ok
  std::string field;
  std::string message;
};

/// Client side: decodes one reply line. Errors (field names the part of the
/// reply that is wrong) mean the server does not speak this protocol.
Result<Reply> parse_reply(std::string_view line);

}  // namespace taas::ctl
