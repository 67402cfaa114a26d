#pragma once
// The Neutron Tap-as-a-Service REST API (issue 7), served by taasd itself so
// that the real `openstack tap service|flow ...` commands drive it. Requests
// arrive from the HTTP server (http_server.hpp); changes go through the
// desired state (state.hpp) and then the same OpsHooks as the control socket
// (publish, then persist), so the state file and the metrics see them.
// Control thread only; nothing here throws on peer input.
//
// Routes (a trailing '/' and a ".json" suffix are ignored):
//
//   GET    /                                  {"versions": [v2.0]}
//   GET    /v2.0                              {"resources": [...]}
//   GET    /v2.0/extensions[/{alias}]         "taas", "taas-vlan-filter"
//   GET    /v2.0/ports[?name=&id=]            {"ports": [port, ...]}
//   GET    /v2.0/ports/{id}                   {"port": port}
//   GET    /v2.0/taas/tap_services[?...]      {"tap_services": [tap service, ...]}
//   POST   /v2.0/taas/tap_services            201 {"tap_service": ...}
//   GET    /v2.0/taas/tap_services/{id}       {"tap_service": ...}
//   PUT    /v2.0/taas/tap_services/{id}       {"tap_service": ...} (name, description)
//   DELETE /v2.0/taas/tap_services/{id}       204, empty (its flows go too)
//   ... and the same for /v2.0/taas/tap_flows ({"tap_flow": ...}).
//
//   port         {"id", "name", "description": "", "status" ("ACTIVE"|"DOWN"),
//                 "admin_state_up": true, "mac_address", "device_owner": "",
//                 "tenant_id": "", "project_id": ""}
//   tap service  {"id", "tenant_id": "", "project_id": "", "name",
//                 "description", "port_id" (UUID; "" for an external-mode
//                 service, as networking-vpp), "status",
//                 "erspan_dst_ip" (the collector of an ERSPAN service, else null)}
//   tap flow     {"id", "tenant_id": "", "project_id": "", "name",
//                 "description", "tap_service_id", "source_port" (port UUID),
//                 "direction" ("IN"|"OUT"|"BOTH"), "vlan_filter" (or null),
//                 "status", "erspan_session_id" (or null)}
//
// Collections take filters: `name` and `id` (repeatable: any of the
// values), and any other attribute of the items (exact match; UUIDs in any
// case); `fields` selects the attributes returned; `tenant_id`,
// `project_id` and the paging and sorting parameters are ignored (taasd has
// one tenant and returns everything in one page). {id} in a path is a UUID
// or, as a convenience, a name.
//
// Bodies: {"tap_service": {...}} with name, description, port_id (a port
// UUID or name), erspan_dst_ip (networking-vpp: without port_id an
// external-mode service, with it internal mode; encapsulated as ERSPAN type
// II, as VPP's ERSPAN tunnels are), id (optional UUID), tenant_id,
// project_id (accepted and not stored: replies carry ""). {"tap_flow":
// {...}} with name, description, source_port, tap_service_id (UUIDs or
// names), direction (any case), vlan_filter ("9,18,27-36" or null),
// erspan_session_id (0..1023; an integer or a string of digits), id,
// tenant_id, project_id. Update takes name and description only. A missing
// or empty name becomes the resource's UUID (taasd's names are required
// and unique). Other keys are refused with 400.
//
// Errors: {"NeutronError": {"type": "HTTPBadRequest" | "HTTPNotFound" |
// "HTTPConflict" | "HTTPUnauthorized" | "HTTPMethodNotAllowed" |
// "HTTPInternalServerError", "message": "<field>: <what>", "detail": ""}}
// with 400 / 404 / 409 / 401 / 405 / 500; the field is the request's
// ("tap_flow.source_port", "id" for the resource in the path, "query.<key>").
//
// Authentication: with a token configured, every request must carry
// `X-Auth-Token` equal to it, else 401. Without one, nothing is checked:
// taasd then refuses to listen on anything but a loopback address.

#include <string>

#include "control/http_server.hpp"
#include "control/ops.hpp"
#include "control/state.hpp"

namespace taas::ctl {

class NeutronApi {
 public:
  /// `state` and `hooks` are borrowed for the life of the API. `token`
  /// empty: no authentication.
  NeutronApi(DesiredState& state, OpsHooks& hooks, std::string token)
      : state_(state), hooks_(hooks), token_(std::move(token)) {}

  /// Answers one request. Control thread only.
  HttpResponse handle(const HttpRequest& request);

  /// A NeutronError reply (for HttpServer::set_error_body): the type
  /// Neutron uses for `status`, `message`, "detail": "".
  static HttpResponse error(int status, const std::string& message);

 private:
  DesiredState& state_;
  OpsHooks& hooks_;
  std::string token_;
};

}  // namespace taas::ctl
