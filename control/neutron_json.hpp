#pragma once
// The Neutron API's JSON (neutron_api.hpp has the shapes): resources as
// flat items that collections filter and trim, query strings, request
// bodies read into the control socket's argument types, and NeutronError
// replies. No I/O. Control thread only; nothing here throws on peer input.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "control/http_server.hpp"
#include "control/json_writer.hpp"
#include "control/ops.hpp"
#include "control/protocol.hpp"
#include "control/result.hpp"
#include "taas/snapshot.hpp"

namespace taas::ctl::neutron {

/// One attribute value of a resource.
struct Value {
  enum class Kind : std::uint8_t { kString, kNull, kNumber, kBool };
  Kind kind = Kind::kNull;
  std::string text;  // the string, the number's digits, "true" / "false"
};

/// A resource as an ordered list of attributes.
struct Item {
  std::vector<std::pair<std::string, Value>> fields;
  const Value* find(std::string_view key) const;
};

/// Query parameters in order, decoded ('+' is a space). Repeated keys stay.
using Query = std::vector<std::pair<std::string, std::string>>;

/// Percent-decodes `text` ('+' as a space when `plus_space`); false on a
/// malformed escape.
bool url_decode(std::string_view text, bool plus_space, std::string& out);

/// Parses "a=1&b=2&a=3". 400 naming "query" on a malformed escape.
Result<Query> parse_query(std::string_view query);

Item port_item(const Snapshot& snap, const OpsHooks& hooks, std::size_t port);
/// `neighbors`: service_neighbors(snap) (resource_status.hpp).
Item service_item(const Snapshot& snap, const OpsHooks& hooks, std::size_t service,
                  const std::vector<std::uint16_t>& neighbors);
Item flow_item(const Snapshot& snap, const OpsHooks& hooks, std::size_t flow,
               const std::vector<std::uint16_t>& neighbors);

/// Whether `item` passes the query's filters: every filtered attribute
/// equals one of the values given for it. Parameters that are not
/// attributes of the item, `fields`, `tenant_id`, `project_id` and the
/// paging and sorting ones are ignored.
bool matches(const Item& item, const Query& query);

/// Writes `item` as an object; only the attributes named by `fields`
/// parameters when there are any.
void write_item(JsonWriter& w, const Item& item, const Query& query);

/// Which resource a body or an error is about.
enum class Resource : std::uint8_t { kTapService, kTapFlow };

/// "tap_service" / "tap_flow".
std::string_view resource_key(Resource r) noexcept;

/// The Neutron reply for an error: {"NeutronError": {"type", "message",
/// "detail": ""}} with the type Neutron uses for `status`.
HttpResponse error_response(int status, const std::string& message);

/// error_response for an Error from the desired state or a body reader:
/// its code (400 when unset) and its text, the request's own fields
/// ("args.port") renamed as Neutron calls them ("tap_service.port_id",
/// "id" for the resource in the path).
HttpResponse error_response(Resource r, Error error);

/// POST bodies. A missing or empty name becomes the UUID (generated here
/// when the body gives none).
Result<ServiceCreateArgs> read_service_create(std::string_view body);
Result<FlowCreateArgs> read_flow_create(std::string_view body);
/// PUT body: name and description (either may be absent; an empty name is
/// returned as "" for the caller to replace). `ref` is left empty.
Result<UpdateArgs> read_update(std::string_view body, Resource r);

}  // namespace taas::ctl::neutron
