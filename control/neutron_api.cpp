// NeutronApi (neutron_api.hpp): routes -> desired-state operations ->
// Neutron JSON. The JSON itself is in neutron_json.cpp.

#include "control/neutron_api.hpp"

#include <algorithm>
#include <exception>
#include <functional>
#include <optional>
#include <tuple>
#include <vector>

#include "control/json_writer.hpp"
#include "control/log.hpp"
#include "control/neutron_json.hpp"
#include "control/resource_status.hpp"
#include "control/uuid.hpp"

namespace taas::ctl {
namespace {

using neutron::Item;
using neutron::Query;
using neutron::Resource;

/// Equal strings, in time that does not depend on where they differ.
bool same_secret(std::string_view a, std::string_view b) noexcept {
  unsigned diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const unsigned x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

HttpResponse json_reply(int status, const std::function<void(JsonWriter&)>& body) {
  JsonWriter w;
  body(w);
  return HttpResponse{status, "application/json", {}, w.take()};
}

/// The path split at '/', each segment percent-decoded; a trailing '/' and
/// a ".json" suffix dropped. False on a malformed escape.
bool split_path(std::string_view path, std::vector<std::string>& out) {
  if (path.size() > 5 && path.substr(path.size() - 5) == ".json") path.remove_suffix(5);
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    std::string segment;
    if (!neutron::url_decode(path.substr(0, slash), false, segment)) return false;
    out.push_back(std::move(segment));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return true;
}

HttpResponse not_allowed(const std::string& method, const char* allow) {
  HttpResponse r = neutron::error_response(405, "method " + method + " is not allowed here; allowed: " + allow);
  r.headers.emplace_back("Allow", allow);
  return r;
}

/// "http://HOST" from the Host header, for links ("" without one).
std::string base_url(const HttpRequest& req) {
  const std::string* host = req.header("host");
  return host != nullptr && !host->empty() ? "http://" + *host : std::string();
}

void links(JsonWriter& w, const std::string& href) {
  w.key("links").begin_array().begin_object().field("href", href).field("rel", "self").end_object().end_array();
}

HttpResponse versions(const HttpRequest& req) {
  return json_reply(200, [&](JsonWriter& w) {
    w.begin_object().key("versions").begin_array().begin_object().field("id", "v2.0").field("status", "CURRENT");
    links(w, base_url(req) + "/v2.0/");
    w.end_object().end_array().end_object();
  });
}

HttpResponse resources(const HttpRequest& req) {
  return json_reply(200, [&](JsonWriter& w) {
    w.begin_object().key("resources").begin_array();
    for (const auto& [name, collection, path] : {std::tuple{"port", "ports", "/v2.0/ports"},
                                                 std::tuple{"tap_service", "tap_services", "/v2.0/taas/tap_services"},
                                                 std::tuple{"tap_flow", "tap_flows", "/v2.0/taas/tap_flows"}}) {
      w.begin_object().field("name", name).field("collection", collection);
      links(w, base_url(req) + path);
      w.end_object();
    }
    w.end_array().end_object();
  });
}

struct Extension {
  const char* alias;
  const char* name;
  const char* description;
};
constexpr Extension kExtensions[] = {
    {"taas", "Neutron Tap as a Service", "Neutron Tap as a Service extension (served by taasd)."},
    {"taas-vlan-filter", "VLAN filtering for Neutron Tap as a Service", "The vlan_filter attribute of tap flows."},
};

void write_extension(JsonWriter& w, const Extension& e) {
  w.begin_object().field("alias", e.alias).field("name", e.name).field("description", e.description);
  w.field("updated", "2024-01-01T00:00:00-00:00").key("links").begin_array().end_array().end_object();
}

HttpResponse extensions(const std::vector<std::string>& seg) {
  if (seg.size() == 2) {
    return json_reply(200, [](JsonWriter& w) {
      w.begin_object().key("extensions").begin_array();
      for (const Extension& e : kExtensions) write_extension(w, e);
      w.end_array().end_object();
    });
  }
  for (const Extension& e : kExtensions) {
    if (seg[2] != e.alias) continue;
    return json_reply(200, [&](JsonWriter& w) {
      w.begin_object().key("extension");
      write_extension(w, e);
      w.end_object();
    });
  }
  return neutron::error_response(404, "id: extension '" + seg[2] + "' is not supported");
}

/// One collection or one resource of a kind.
struct Kind {
  Resource resource;
  const char* singular;  // "tap_service"
  const char* plural;    // "tap_services"
};
constexpr Kind kServices{Resource::kTapService, "tap_service", "tap_services"};
constexpr Kind kFlows{Resource::kTapFlow, "tap_flow", "tap_flows"};

class Router {
 public:
  Router(DesiredState& state, OpsHooks& hooks, const HttpRequest& req, const Query& query)
      : state_(state), hooks_(hooks), req_(req), query_(query) {}

  HttpResponse ports(const std::vector<std::string>& seg) {
    if (!reading()) return not_allowed(req_.method, "GET");
    const Snapshot& snap = state_.snapshot();
    if (seg.size() == 2) {
      std::vector<Item> items;
      for (std::size_t i = 0; i < snap.ports.size(); ++i) items.push_back(neutron::port_item(snap, hooks_, i));
      return list("ports", items);
    }
    auto i = state_.find_port(seg[2], "args.ref");
    if (!i) return neutron::error_response(404, "id: " + i.error().message);
    return one(200, "port", neutron::port_item(snap, hooks_, i.value()));
  }

  HttpResponse taas(const Kind& kind, const std::vector<std::string>& seg) {
    if (seg.size() == 3) {
      if (reading()) return list(kind.plural, items(kind));
      if (req_.method == "POST") return create(kind);
      return not_allowed(req_.method, "GET, POST");
    }
    const std::string& ref = seg[3];
    if (reading()) {
      auto i = find(kind, ref);
      return i ? one(200, kind.singular, item(kind, i.value())) : neutron::error_response(kind.resource, i.error());
    }
    if (req_.method == "PUT") return update(kind, ref);
    if (req_.method == "DELETE") return remove(kind, ref);
    return not_allowed(req_.method, "GET, PUT, DELETE");
  }

 private:
  /// GET, or HEAD (the server sends the headers of the GET reply).
  bool reading() const { return req_.method == "GET" || req_.method == "HEAD"; }

  Result<std::uint32_t> find(const Kind& kind, const std::string& ref) const {
    return kind.resource == Resource::kTapService ? state_.find_service(ref) : state_.find_flow(ref);
  }

  /// Whether an entity of `kind` other than `self` is named `name`.
  bool taken(const Kind& kind, const std::string& name, std::uint32_t self) const {
    const Snapshot& snap = state_.snapshot();
    const std::size_t n = kind.resource == Resource::kTapService ? snap.services.size() : snap.flows.size();
    for (std::size_t i = 0; i < n; ++i) {
      const std::string& other = kind.resource == Resource::kTapService ? snap.services[i].name : snap.flows[i].name;
      if (i != self && other == name) return true;
    }
    return false;
  }

  Item item(const Kind& kind, std::size_t i) const {
    const Snapshot& snap = state_.snapshot();
    const auto nb = service_neighbors(snap);
    return kind.resource == Resource::kTapService ? neutron::service_item(snap, hooks_, i, nb)
                                                  : neutron::flow_item(snap, hooks_, i, nb);
  }

  std::vector<Item> items(const Kind& kind) const {
    const Snapshot& snap = state_.snapshot();
    const auto nb = service_neighbors(snap);
    std::vector<Item> out;
    const std::size_t n = kind.resource == Resource::kTapService ? snap.services.size() : snap.flows.size();
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(kind.resource == Resource::kTapService ? neutron::service_item(snap, hooks_, i, nb)
                                                           : neutron::flow_item(snap, hooks_, i, nb));
    }
    return out;
  }

  HttpResponse list(const char* plural, const std::vector<Item>& all) const {
    return json_reply(200, [&](JsonWriter& w) {
      w.begin_object().key(plural).begin_array();
      for (const Item& it : all)
        if (neutron::matches(it, query_)) neutron::write_item(w, it, query_);
      w.end_array().end_object();
    });
  }

  HttpResponse one(int status, const char* singular, const Item& it) const {
    return json_reply(status, [&](JsonWriter& w) {
      w.begin_object().key(singular);
      neutron::write_item(w, it, query_);
      w.end_object();
    });
  }

  /// Runs `change` on the desired state; on success publishes and persists
  /// it, as the control socket does. A failed publication restores the
  /// state as it was (OpsHooks::publish).
  template <class Change>
  std::optional<HttpResponse> commit(const Kind& kind, Change&& change) {
    DesiredState before = state_;
    if (std::optional<Error> refused = change()) return neutron::error_response(kind.resource, *refused);
    auto published = hooks_.publish(state_.snapshot());
    if (!published) {
      state_ = std::move(before);
      Error e = published.error();
      e.code = 500;
      return neutron::error_response(kind.resource, e);
    }
    hooks_.changed(state_);
    return std::nullopt;
  }

  HttpResponse create(const Kind& kind) {
    std::uint32_t index = 0;
    auto refused = commit(kind, [&]() -> std::optional<Error> {
      if (kind.resource == Resource::kTapService) {
        auto args = neutron::read_service_create(req_.body);
        if (!args) return args.error();
        auto i = state_.create_service(args.value());
        if (!i) return i.error();
        index = i.value();
      } else {
        auto args = neutron::read_flow_create(req_.body);
        if (!args) return args.error();
        auto i = state_.create_flow(args.value());
        if (!i) return i.error();
        index = i.value();
      }
      return std::nullopt;
    });
    if (refused) return *std::move(refused);
    return one(201, kind.singular, item(kind, index));
  }

  HttpResponse update(const Kind& kind, const std::string& ref) {
    auto found = find(kind, ref);
    if (!found) return neutron::error_response(kind.resource, found.error());
    auto args = neutron::read_update(req_.body, kind.resource);
    if (!args) return neutron::error_response(kind.resource, args.error());
    UpdateArgs a = std::move(args).value();
    const Snapshot& snap = state_.snapshot();
    a.ref = kind.resource == Resource::kTapService ? snap.services[found.value()].uuid : snap.flows[found.value()].uuid;
    if (a.name && a.name->empty()) a.name = a.ref;  // as on create: no name -> the UUID
    if (!a.name && !a.description) return one(200, kind.singular, item(kind, found.value()));
    // The validator would name the other holder of the name (and its line
    // in the state); the request's own field is clearer.
    if (a.name && taken(kind, *a.name, found.value())) {
      return neutron::error_response(
          kind.resource, Error{"", 0, 0, "args.name",
                               "name '" + *a.name + "' is already used by another " +
                                   (kind.resource == Resource::kTapService ? "tap service" : "tap flow") +
                                   "; names must be unique",
                               409});
    }
    std::uint32_t index = 0;
    auto refused = commit(kind, [&]() -> std::optional<Error> {
      auto i = kind.resource == Resource::kTapService ? state_.update_service(a) : state_.update_flow(a);
      if (!i) return i.error();
      index = i.value();
      return std::nullopt;
    });
    if (refused) return *std::move(refused);
    return one(200, kind.singular, item(kind, index));
  }

  HttpResponse remove(const Kind& kind, const std::string& ref) {
    auto found = find(kind, ref);
    if (!found) return neutron::error_response(kind.resource, found.error());
    const Snapshot& snap = state_.snapshot();
    const RefArgs args{kind.resource == Resource::kTapService ? snap.services[found.value()].uuid
                                                              : snap.flows[found.value()].uuid};
    auto refused = commit(kind, [&]() -> std::optional<Error> {
      if (kind.resource == Resource::kTapService) {
        auto done = state_.delete_service(args);
        return done ? std::nullopt : std::optional<Error>(done.error());
      }
      auto done = state_.delete_flow(args);
      return done ? std::nullopt : std::optional<Error>(done.error());
    });
    if (refused) return *std::move(refused);
    return HttpResponse{204, "application/json", {}, {}};
  }

  DesiredState& state_;
  OpsHooks& hooks_;
  const HttpRequest& req_;
  const Query& query_;
};

}  // namespace

HttpResponse NeutronApi::error(int status, const std::string& message) {
  return neutron::error_response(status, message);
}

HttpResponse NeutronApi::handle(const HttpRequest& req) {
  HttpResponse reply;
  try {
    reply = [&]() -> HttpResponse {
      if (!token_.empty()) {
        const std::string* token = req.header("x-auth-token");
        if (token == nullptr || !same_secret(*token, token_)) {
          return neutron::error_response(
              401, token == nullptr ? "X-Auth-Token: required: this taasd accepts only requests with its token"
                                    : "X-Auth-Token: not the token this taasd accepts");
        }
      }
      std::vector<std::string> seg;
      if (!split_path(req.path, seg)) return neutron::error_response(400, "path: malformed percent-escape");
      auto query = neutron::parse_query(req.query);
      if (!query) return neutron::error_response(400, query.error().to_string());
      const bool read = req.method == "GET" || req.method == "HEAD";
      if (seg.empty()) return read ? versions(req) : not_allowed(req.method, "GET");
      if (seg[0] != "v2.0") return neutron::error_response(404, "path: no such resource: " + req.path);
      if (seg.size() == 1) return read ? resources(req) : not_allowed(req.method, "GET");
      Router router(state_, hooks_, req, query.value());
      if (seg[1] == "extensions" && seg.size() <= 3) return read ? extensions(seg) : not_allowed(req.method, "GET");
      if (seg[1] == "ports" && seg.size() <= 3) return router.ports(seg);
      if (seg[1] == "taas" && seg.size() >= 3 && seg.size() <= 4) {
        if (seg[2] == "tap_services") return router.taas(kServices, seg);
        if (seg[2] == "tap_flows") return router.taas(kFlows, seg);
      }
      return neutron::error_response(404, "path: no such resource: " + req.path);
    }();
  } catch (const std::exception& e) {  // bad_alloc and the like: taasd's fault
    reply = neutron::error_response(500, std::string("internal error: ") + e.what());
  }
  reply.headers.emplace_back("X-Openstack-Request-Id", "req-" + generate_uuid_v4());
  log(LogLevel::kDebug, "neutron api: " + req.method + " " + req.target + " -> " + std::to_string(reply.status));
  return reply;
}

}  // namespace taas::ctl
