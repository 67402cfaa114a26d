// NeutronApi (control/neutron_api.hpp): the routes against a real
// DesiredState, the dataplane behind a fake OpsHooks.

#include "control/neutron_api.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "control/json_read.hpp"
#include "tests/unit/control/state_fixture.hpp"

namespace taas::ctl {
namespace {

using namespace state_fixture;

class FakeHooks final : public OpsHooks {
 public:
  Result<std::uint64_t> publish(const Snapshot& snap) override {
    if (fail_publish) return Error{"", 0, 0, "", "publication refused", 500};
    published.push_back(snap.generation);
    return snap.generation;
  }
  bool port_up(std::uint16_t port) const override { return down.count(port) == 0; }
  bool neighbor_resolved(std::uint16_t) const override { return resolved; }
  std::string port_mac(std::uint16_t port) const override { return "02:00:00:00:00:0" + std::to_string(port); }
  std::string stats_json() const override { return "{}"; }
  std::uint32_t workers() const override { return 1; }
  std::uint32_t workers_alive() const override { return 1; }
  std::uint64_t uptime_seconds() const override { return 1; }
  std::optional<SwapTiming> last_swap() const override { return std::nullopt; }
  void changed(const DesiredState& state) override { saved.push_back(state.snapshot().generation); }

  bool fail_publish = false;
  bool resolved = true;
  std::set<std::uint16_t> down;
  std::vector<std::uint64_t> published;
  std::vector<std::uint64_t> saved;
};

class Neutron : public ::testing::Test {
 protected:
  /// One request; the reply's body parsed (a Null node when empty).
  YAML::Node call(const std::string& method, const std::string& target, const std::string& body = "",
                  std::optional<std::string> token = std::nullopt) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    r.body = body;
    if (token) r.headers.emplace_back("x-auth-token", *token);
    r.headers.emplace_back("host", "127.0.0.1:9696");
    reply = api.handle(r);
    if (reply.body.empty()) return YAML::Node();
    auto parsed = load_json(reply.body);
    EXPECT_TRUE(parsed.ok()) << reply.body;
    return parsed.ok() ? parsed.value() : YAML::Node();
  }

  /// The NeutronError of the last reply: checks status, type and that the
  /// message starts with `field`.
  void expect_error(int status, const std::string& type, const std::string& field) {
    EXPECT_EQ(reply.status, status) << reply.body;
    auto parsed = load_json(reply.body);
    ASSERT_TRUE(parsed.ok()) << reply.body;
    const YAML::Node e = parsed.value()["NeutronError"];
    ASSERT_TRUE(e.IsMap()) << reply.body;
    EXPECT_EQ(e["type"].Scalar(), type) << reply.body;
    EXPECT_EQ(e["message"].Scalar().rfind(field + ": ", 0), 0u) << reply.body;
    EXPECT_EQ(e["detail"].Scalar(), "");
  }

  std::string port_uuid(std::uint16_t port) const { return state.snapshot().ports[port].uuid; }

  DesiredState state = load();
  FakeHooks hooks;
  NeutronApi api{state, hooks, ""};
  HttpResponse reply;
};

TEST_F(Neutron, PortsListFiltersAndFields) {
  YAML::Node all = call("GET", "/v2.0/ports");
  ASSERT_EQ(reply.status, 200);
  ASSERT_EQ(all["ports"].size(), 5u);
  EXPECT_EQ(all["ports"][0]["name"].Scalar(), "vm1");
  EXPECT_EQ(all["ports"][0]["id"].Scalar(), port_uuid(kVm1));
  EXPECT_EQ(all["ports"][0]["status"].Scalar(), "ACTIVE");
  EXPECT_EQ(all["ports"][0]["tenant_id"].Scalar(), "");
  EXPECT_EQ(all["ports"][0]["mac_address"].Scalar(), "02:00:00:00:00:00");

  YAML::Node byname = call("GET", "/v2.0/ports?name=mon");
  ASSERT_EQ(byname["ports"].size(), 1u);
  EXPECT_EQ(byname["ports"][0]["id"].Scalar(), port_uuid(kMon));

  std::string upper = port_uuid(kVm2);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  YAML::Node byid = call("GET", "/v2.0/ports?id=" + upper + "&id=" + port_uuid(kMon) + "&tenant_id=x");
  ASSERT_EQ(byid["ports"].size(), 2u);
  EXPECT_EQ(byid["ports"][0]["name"].Scalar(), "vm2");

  EXPECT_EQ(call("GET", "/v2.0/ports?name=nosuch")["ports"].size(), 0u);
  EXPECT_EQ(call("GET", "/v2.0/ports?name=vm1&id=" + port_uuid(kVm2))["ports"].size(), 0u);

  hooks.down.insert(kVm1);
  YAML::Node trimmed = call("GET", "/v2.0/ports.json?fields=id&fields=status&status=DOWN");
  ASSERT_EQ(trimmed["ports"].size(), 1u);
  EXPECT_EQ(trimmed["ports"][0].size(), 2u);
  EXPECT_EQ(trimmed["ports"][0]["status"].Scalar(), "DOWN");
}

TEST_F(Neutron, PortShow) {
  YAML::Node p = call("GET", "/v2.0/ports/" + port_uuid(kUplink));
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(p["port"]["name"].Scalar(), "uplink");
  call("GET", "/v2.0/ports/0f576381-e461-4807-bb11-5d57624b30a0");
  expect_error(404, "HTTPNotFound", "id");
  call("POST", "/v2.0/ports", "{}");
  expect_error(405, "HTTPMethodNotAllowed", "method POST is not allowed here; allowed");
}

TEST_F(Neutron, ServiceCreatePortMode) {
  const auto before = state.snapshot().generation;
  YAML::Node s = call("POST", "/v2.0/taas/tap_services",
                      R"({"tap_service": {"name": "ts_0", "description": "d", "port_id": ")" + port_uuid(kMon2) +
                          R"(", "tenant_id": "t1", "project_id": "t1"}})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  const YAML::Node ts = s["tap_service"];
  EXPECT_EQ(ts["name"].Scalar(), "ts_0");
  EXPECT_EQ(ts["description"].Scalar(), "d");
  EXPECT_EQ(ts["port_id"].Scalar(), port_uuid(kMon2));
  EXPECT_EQ(ts["status"].Scalar(), "ACTIVE");
  EXPECT_EQ(ts["tenant_id"].Scalar(), "");  // accepted, not stored
  EXPECT_TRUE(ts["erspan_dst_ip"].IsNull());
  EXPECT_EQ(ts["id"].Scalar(), state.snapshot().services.back().uuid);
  EXPECT_EQ(hooks.published, std::vector<std::uint64_t>{before + 1});
  EXPECT_EQ(hooks.saved, std::vector<std::uint64_t>{before + 1});
  // Show, by UUID and by name; list filtered.
  EXPECT_EQ(call("GET", "/v2.0/taas/tap_services/" + ts["id"].Scalar())["tap_service"]["name"].Scalar(), "ts_0");
  EXPECT_EQ(call("GET", "/v2.0/taas/tap_services/ts_0/")["tap_service"]["id"].Scalar(), ts["id"].Scalar());
  YAML::Node list = call("GET", "/v2.0/taas/tap_services?name=ts_0");
  ASSERT_EQ(list["tap_services"].size(), 1u);
  EXPECT_EQ(call("GET", "/v2.0/taas/tap_services")["tap_services"].size(), 4u);
  hooks.down.insert(kMon2);
  EXPECT_EQ(call("GET", "/v2.0/taas/tap_services/ts_0")["tap_service"]["status"].Scalar(), "DOWN");
}

TEST_F(Neutron, ServiceCreateErspanModes) {
  YAML::Node ext = call("POST", "/v2.0/taas/tap_services",
                        R"({"tap_service": {"name": "ts_ext", "erspan_dst_ip": "203.0.113.9", "port_id": ""}})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(ext["tap_service"]["port_id"].Scalar(), "");
  EXPECT_EQ(ext["tap_service"]["erspan_dst_ip"].Scalar(), "203.0.113.9");
  const ServiceEntry& e = state.snapshot().services.back();
  EXPECT_EQ(e.encap, Encap::kErspan2);
  EXPECT_EQ(e.remote_ip, "203.0.113.9");
  EXPECT_EQ(e.port, kUplink);

  YAML::Node in = call("POST", "/v2.0/taas/tap_services",
                       R"({"tap_service": {"name": "ts_int", "erspan_dst_ip": "203.0.113.9", "port_id": "mon2"}})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(in["tap_service"]["port_id"].Scalar(), port_uuid(kMon2));
  EXPECT_EQ(state.snapshot().services.back().port, kMon2);
  EXPECT_EQ(state.snapshot().services.back().encap, Encap::kErspan2);

  // A flow into it: a session id as a string of digits, direction any case.
  YAML::Node f = call("POST", "/v2.0/taas/tap_flows",
                      R"({"tap_flow": {"name": "tf_e", "source_port": "vm2", "tap_service_id": "ts_ext",
                                       "direction": "out", "erspan_session_id": "234"}})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(f["tap_flow"]["erspan_session_id"].Scalar(), "234");
  EXPECT_EQ(f["tap_flow"]["direction"].Scalar(), "OUT");
  hooks.resolved = false;
  EXPECT_EQ(call("GET", "/v2.0/taas/tap_flows/tf_e")["tap_flow"]["status"].Scalar(), "ERROR");
}

TEST_F(Neutron, ServiceWithoutNameIsNamedByItsId) {
  YAML::Node s = call("POST", "/v2.0/taas/tap_services", R"({"tap_service": {"port_id": "mon2"}})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(s["tap_service"]["name"].Scalar(), s["tap_service"]["id"].Scalar());
  YAML::Node u = call("PUT", "/v2.0/taas/tap_services/" + s["tap_service"]["id"].Scalar(),
                      R"({"tap_service": {"name": "named"}})");
  EXPECT_EQ(u["tap_service"]["name"].Scalar(), "named");
  u = call("PUT", "/v2.0/taas/tap_services/named", R"({"tap_service": {"name": ""}})");
  EXPECT_EQ(u["tap_service"]["name"].Scalar(), s["tap_service"]["id"].Scalar());
}

TEST_F(Neutron, ServiceCreateRefusals) {
  const Before before(state);
  const struct {
    const char* body;
    int status;
    const char* type;
    const char* field;
  } cases[] = {
      {R"({"tap_service": {"name": "x"}})", 400, "HTTPBadRequest", "tap_service.port_id"},
      {R"({"tap_service": {"name": "x", "port_id": "nosuch"}})", 404, "HTTPNotFound", "tap_service.port_id"},
      {R"({"tap_service": {"name": "x", "port_id": "vm1"}})", 409, "HTTPConflict", "tap_service.port_id"},
      {R"({"tap_service": {"name": "ts_local", "port_id": "mon2"}})", 409, "HTTPConflict", "tap_service.name"},
      {R"({"tap_service": {"name": "x", "erspan_dst_ip": "1.2.3"}})", 400, "HTTPBadRequest",
       "tap_service.erspan_dst_ip"},
      {R"({"tap_service": {"name": "x", "port_id": "mon2", "vni": 5}})", 400, "HTTPBadRequest", "tap_service.vni"},
      {R"({"tap_service": {"name": 5, "port_id": "mon2"}})", 400, "HTTPBadRequest", "tap_service.name"},
      {R"({"tap_services": {}})", 400, "HTTPBadRequest", "tap_services"},
      {R"({})", 400, "HTTPBadRequest", "tap_service"},
      {R"([])", 400, "HTTPBadRequest", ""},
      {"", 400, "HTTPBadRequest", "tap_service"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    call("POST", "/v2.0/taas/tap_services", c.body);
    if (std::string(c.field).empty()) {
      EXPECT_EQ(reply.status, c.status) << reply.body;
    } else {
      expect_error(c.status, c.type, c.field);
    }
  }
  call("POST", "/v2.0/taas/tap_services", "{not json");
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("not valid JSON"), std::string::npos) << reply.body;
  before.expect_same(state);
  EXPECT_TRUE(hooks.published.empty());
  EXPECT_TRUE(hooks.saved.empty());
}

TEST_F(Neutron, FlowCreateAndRefusals) {
  const std::string svc = state.snapshot().services[0].uuid;  // ts_local, on mon
  YAML::Node f = call("POST", "/v2.0/taas/tap_flows",
                      R"({"tap_flow": {"name": "tf_0", "source_port": ")" + port_uuid(kVm2) +
                          R"(", "tap_service_id": ")" + svc + R"(", "direction": "BOTH", "vlan_filter": "1-5,9"}})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  const YAML::Node tf = f["tap_flow"];
  EXPECT_EQ(tf["source_port"].Scalar(), port_uuid(kVm2));
  EXPECT_EQ(tf["tap_service_id"].Scalar(), svc);
  EXPECT_EQ(tf["vlan_filter"].Scalar(), "1-5,9");
  EXPECT_EQ(tf["status"].Scalar(), "ACTIVE");
  EXPECT_TRUE(tf["erspan_session_id"].IsNull());
  EXPECT_EQ(call("GET", "/v2.0/taas/tap_flows?tap_service_id=" + svc)["tap_flows"].size(), 2u);
  hooks.down.insert(kVm2);
  EXPECT_EQ(call("GET", "/v2.0/taas/tap_flows/tf_0")["tap_flow"]["status"].Scalar(), "DOWN");

  const Before before(state);
  const std::string start = R"({"tap_flow": {"name": "tf_x", "tap_service_id": "ts_local", )";
  const struct {
    std::string body;
    int status;
    const char* field;
  } cases[] = {
      {start + R"("source_port": "mon", "direction": "BOTH"}})", 409, "tap_flow.source_port"},
      {start + R"("source_port": "vm1", "direction": "SIDEWAYS"}})", 400, "tap_flow.direction"},
      {start + R"("source_port": "vm1"}})", 400, "tap_flow.direction"},
      {start + R"("source_port": "vm1", "direction": "IN", "vlan_filter": "1-5,x"}})", 400, "tap_flow.vlan_filter"},
      {start + R"("source_port": "0f576381-e461-4807-bb11-5d57624b30a0", "direction": "IN"}})", 404,
       "tap_flow.source_port"},
      {R"({"tap_flow": {"name": "tf_x", "tap_service_id": "nosuch", "source_port": "vm1", "direction": "IN"}})", 404,
       "tap_flow.tap_service_id"},
      {start + R"("source_port": "vm1", "direction": "IN", "erspan_session_id": 1024}})", 400,
       "tap_flow.erspan_session_id"},
      {start + R"("source_port": "vm1", "direction": "BOTH"}})", 409, "tap_flow"},  // f_local again
      {start + R"("direction": "IN"}})", 400, "tap_flow.source_port"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    call("POST", "/v2.0/taas/tap_flows", c.body);
    const std::string type = c.status == 400 ? "HTTPBadRequest" : c.status == 404 ? "HTTPNotFound" : "HTTPConflict";
    expect_error(c.status, type, c.field);
  }
  before.expect_same(state);
}

TEST_F(Neutron, UpdateChangesOnlyNameAndDescription) {
  YAML::Node u = call("PUT", "/v2.0/taas/tap_flows/f_er1", R"({"tap_flow": {"description": "hello"}})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(u["tap_flow"]["description"].Scalar(), "hello");
  EXPECT_EQ(u["tap_flow"]["name"].Scalar(), "f_er1");
  EXPECT_EQ(hooks.published.size(), 1u);

  const Before before(state);
  call("PUT", "/v2.0/taas/tap_services/ts_local", R"({"tap_service": {"port_id": "mon2"}})");
  expect_error(400, "HTTPBadRequest", "tap_service.port_id");
  EXPECT_NE(reply.body.find("only the name and the description"), std::string::npos);
  call("PUT", "/v2.0/taas/tap_services/nosuch", R"({"tap_service": {"name": "n"}})");
  expect_error(404, "HTTPNotFound", "id");
  call("PUT", "/v2.0/taas/tap_services/ts_local", R"({"tap_service": {"name": "ts_er1"}})");
  expect_error(409, "HTTPConflict", "tap_service.name");
  // Nothing to change: the resource as it is, no new generation.
  YAML::Node same = call("PUT", "/v2.0/taas/tap_services/ts_local", R"({"tap_service": {}})");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(same["tap_service"]["name"].Scalar(), "ts_local");
  before.expect_same(state);
  EXPECT_EQ(hooks.published.size(), 1u);
}

TEST_F(Neutron, DeleteServiceTakesItsFlows) {
  const std::string id = state.snapshot().services[1].uuid;  // ts_er1, fed by f_er1
  YAML::Node none = call("DELETE", "/v2.0/taas/tap_services/" + id);
  EXPECT_EQ(reply.status, 204);
  EXPECT_TRUE(reply.body.empty());
  EXPECT_TRUE(none.IsNull());
  EXPECT_EQ(state.snapshot().services.size(), 2u);
  EXPECT_EQ(state.snapshot().flows.size(), 2u);
  EXPECT_EQ(hooks.saved.size(), 1u);
  call("DELETE", "/v2.0/taas/tap_services/" + id);
  expect_error(404, "HTTPNotFound", "id");
  call("DELETE", "/v2.0/taas/tap_flows/f_local");
  EXPECT_EQ(reply.status, 204);
  EXPECT_EQ(call("GET", "/v2.0/taas/tap_flows?name=f_local")["tap_flows"].size(), 0u);
  call("DELETE", "/v2.0/taas/tap_flows");
  expect_error(405, "HTTPMethodNotAllowed", "method DELETE is not allowed here; allowed");
}

TEST_F(Neutron, FailedPublicationRestoresTheState) {
  const Before before(state);
  hooks.fail_publish = true;
  call("POST", "/v2.0/taas/tap_services", R"({"tap_service": {"name": "ts_0", "port_id": "mon2"}})");
  EXPECT_EQ(reply.status, 500);
  EXPECT_NE(reply.body.find("HTTPInternalServerError"), std::string::npos);
  call("DELETE", "/v2.0/taas/tap_flows/f_local");
  EXPECT_EQ(reply.status, 500);
  before.expect_same(state);
  EXPECT_TRUE(hooks.saved.empty());
}

TEST_F(Neutron, TokenIsRequiredWhenConfigured) {
  NeutronApi guarded(state, hooks, "s3cret");
  HttpRequest r;
  r.method = "GET";
  r.path = r.target = "/v2.0/ports";
  EXPECT_EQ(guarded.handle(r).status, 401);
  r.headers.emplace_back("x-auth-token", "notused");
  reply = guarded.handle(r);
  expect_error(401, "HTTPUnauthorized", "X-Auth-Token");
  r.headers.back().second = "s3cret";
  EXPECT_EQ(guarded.handle(r).status, 200);
  r.headers.back().second = "s3cret2";
  EXPECT_EQ(guarded.handle(r).status, 401);
}

TEST_F(Neutron, DiscoveryAndUnknownRoutes) {
  YAML::Node v = call("GET", "/");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(v["versions"][0]["id"].Scalar(), "v2.0");
  EXPECT_EQ(v["versions"][0]["links"][0]["href"].Scalar(), "http://127.0.0.1:9696/v2.0/");
  EXPECT_EQ(call("GET", "/v2.0/")["resources"].size(), 3u);
  EXPECT_EQ(call("GET", "/v2.0/extensions")["extensions"][0]["alias"].Scalar(), "taas");
  EXPECT_EQ(call("GET", "/v2.0/extensions/taas")["extension"]["alias"].Scalar(), "taas");
  call("GET", "/v2.0/networks");
  expect_error(404, "HTTPNotFound", "path");
  call("GET", "/v3/ports");
  expect_error(404, "HTTPNotFound", "path");
  call("GET", "/v2.0/taas/tap_services?name=%zz");
  expect_error(400, "HTTPBadRequest", "query");
  call("GET", "/v2.0/taas/tap_services/a/b");
  expect_error(404, "HTTPNotFound", "path");
  // Names with spaces and escapes in queries and paths.
  call("PUT", "/v2.0/taas/tap_services/ts_local", R"({"tap_service": {"name": "my svc"}})");
  EXPECT_EQ(call("GET", "/v2.0/taas/tap_services?name=my+svc")["tap_services"].size(), 1u);
  EXPECT_EQ(call("GET", "/v2.0/taas/tap_services/my%20svc")["tap_service"]["name"].Scalar(), "my svc");
  EXPECT_FALSE(reply.headers.empty());
  EXPECT_EQ(reply.headers.back().first, "X-Openstack-Request-Id");
}

}  // namespace
}  // namespace taas::ctl
