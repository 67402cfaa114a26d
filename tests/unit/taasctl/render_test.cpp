// taasctl's output (taasctl/render.hpp): canned results of every operation,
// as control/ops.hpp shapes them, printed exactly as the operator sees
// them; results of the wrong shape; JSON kinds kept in every cell.

#include "taasctl/render.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "control/json_read.hpp"

namespace taas::ctl::cli {
namespace {

using Strings = std::vector<std::string>;

YAML::Node json(const std::string& text) {
  auto node = load_json(text);
  EXPECT_TRUE(node.ok()) << text << "\n  -> " << node.error().to_string();
  return node.ok() ? node.value() : YAML::Node();
}

/// The output of a result that must render.
std::string print(Op op, const std::string& result, Format format = Format::kTable, const Strings& columns = {}) {
  const Rendered r = render_result(op, json(result), format, columns);
  EXPECT_EQ(r.exit_code, kExitOk) << r.text;
  return r.text;
}

const std::string kService =
    R"({"id":"6c3f0a2e-1b1d-4c43-9d0e-3c1f7f0f0a11","name":"ts_local","description":"",)"
    R"("port":"monitor","port_id":"0f576381-e461-4807-bb11-5d57624b30a0","mode":"port","encap":"none",)"
    R"("remote_ip":null,"vni":null,"status":"ACTIVE","flows":2})";

const std::string kFlow =
    R"({"id":"1b7e5b5e-2f7a-4c43-9d0e-3c1f7f0f0a11","name":"tf_0","description":"web",)"
    R"("source_port":"vm1","source_port_id":"0f576381-e461-4807-bb11-5d57624b30a0","tap_service":"ts_local",)"
    R"("tap_service_id":"6c3f0a2e-1b1d-4c43-9d0e-3c1f7f0f0a11","direction":"BOTH","vlan_filter":"9,18,27-36",)"
    R"("erspan_session_id":null,"status":"DOWN"})";

TEST(TaasctlRender, ServiceShowTable) {
  EXPECT_EQ(print(Op::kServiceShow, kService),
            "+-------------+--------------------------------------+\n"
            "| Field       | Value                                |\n"
            "+-------------+--------------------------------------+\n"
            "| id          | 6c3f0a2e-1b1d-4c43-9d0e-3c1f7f0f0a11 |\n"
            "| name        | ts_local                             |\n"
            "| description |                                      |\n"
            "| port        | monitor                              |\n"
            "| port_id     | 0f576381-e461-4807-bb11-5d57624b30a0 |\n"
            "| mode        | port                                 |\n"
            "| encap       | none                                 |\n"
            "| remote_ip   | None                                 |\n"
            "| vni         | None                                 |\n"
            "| status      | ACTIVE                               |\n"
            "| flows       | 2                                    |\n"
            "+-------------+--------------------------------------+\n");
}

TEST(TaasctlRender, ServiceShowJsonYamlValueWithColumns) {
  EXPECT_EQ(print(Op::kServiceCreate, kService, Format::kJson, {"name", "vni", "flows", "remote_ip"}),
            "{\n  \"name\": \"ts_local\",\n  \"vni\": null,\n  \"flows\": 2,\n  \"remote_ip\": null\n}\n");
  EXPECT_EQ(print(Op::kServiceUpdate, kService, Format::kYaml, {"description", "status", "flows"}),
            "description: ''\nstatus: ACTIVE\nflows: 2\n");
  EXPECT_EQ(print(Op::kServiceShow, kService, Format::kValue, {"id"}), "6c3f0a2e-1b1d-4c43-9d0e-3c1f7f0f0a11\n");
}

TEST(TaasctlRender, ShowKeepsTheOrderOfOpsHppWhateverTheReplyOrder) {
  EXPECT_EQ(print(Op::kPortShow,
                  R"({"service_port":false,"status":"ACTIVE","mac":"02:00:00:00:00:01","network":"tenant-a",)"
                  R"("device":"net_null0","role":"vm","name":"vm1","id":"0f576381-e461-4807-bb11-5d57624b30a0"})",
                  Format::kYaml),
            "id: 0f576381-e461-4807-bb11-5d57624b30a0\nname: vm1\nrole: vm\ndevice: net_null0\nnetwork: tenant-a\n"
            "mac: 02:00:00:00:00:01\nstatus: ACTIVE\nservice_port: false\n");
}

TEST(TaasctlRender, ShowAppendsFieldsTaasctlDoesNotKnowAndSkipsMissingOnes) {
  EXPECT_EQ(print(Op::kHealth, R"({"pid":42,"generation":3,"workers":1,"tags":["a","b"]})", Format::kJson),
            "{\n  \"generation\": 3,\n  \"workers\": 1,\n  \"pid\": 42,\n  \"tags\": [\n    \"a\",\n    \"b\"\n  ]\n}\n");
  // -c naming a field the reply lacks is the formatter's refusal: exit 2.
  const Rendered r = render_result(Op::kHealth, json(R"({"generation":3})"), Format::kTable, {"workers"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_EQ(r.text, "-c: unknown column \"workers\"; known columns: generation");
}

TEST(TaasctlRender, FlowShowValue) {
  EXPECT_EQ(print(Op::kFlowShow, kFlow, Format::kValue),
            "1b7e5b5e-2f7a-4c43-9d0e-3c1f7f0f0a11\ntf_0\nweb\nvm1\n0f576381-e461-4807-bb11-5d57624b30a0\nts_local\n"
            "6c3f0a2e-1b1d-4c43-9d0e-3c1f7f0f0a11\nBOTH\n9,18,27-36\nNone\nDOWN\n");
}

TEST(TaasctlRender, HealthTable) {
  EXPECT_EQ(print(Op::kHealth,
                  R"({"generation":7,"workers":2,"workers_alive":2,"uptime_seconds":3600,)"
                  R"("intent_file":"/etc/taasd/intent.yaml","state_file":null})"),
            "+----------------+------------------------+\n"
            "| Field          | Value                  |\n"
            "+----------------+------------------------+\n"
            "| generation     | 7                      |\n"
            "| workers        | 2                      |\n"
            "| workers_alive  | 2                      |\n"
            "| uptime_seconds | 3600                   |\n"
            "| intent_file    | /etc/taasd/intent.yaml |\n"
            "| state_file     | None                   |\n"
            "+----------------+------------------------+\n");
}

TEST(TaasctlRender, ServiceListTable) {
  const std::string list =
      "[" + kService +
      R"(,{"id":"2d1e0f3a-0000-4000-8000-000000000002","name":"ts_vxlan","description":"","port":null,)"
      R"("port_id":null,"mode":"external","encap":"vxlan","remote_ip":"198.51.100.8","vni":5000,)"
      R"("status":"ERROR","flows":0}])";
  EXPECT_EQ(print(Op::kServiceList, list),
            "+--------------------------------------+----------+---------+----------+--------+\n"
            "| ID                                   | Name     | Port    | Mode     | Status |\n"
            "+--------------------------------------+----------+---------+----------+--------+\n"
            "| 6c3f0a2e-1b1d-4c43-9d0e-3c1f7f0f0a11 | ts_local | monitor | port     | ACTIVE |\n"
            "| 2d1e0f3a-0000-4000-8000-000000000002 | ts_vxlan | None    | external | ERROR  |\n"
            "+--------------------------------------+----------+---------+----------+--------+\n");
  EXPECT_EQ(print(Op::kServiceList, list, Format::kValue, {"Name", "Status"}), "ts_local ACTIVE\nts_vxlan ERROR\n");
}

TEST(TaasctlRender, FlowListJsonHasTheHeadingsAsKeysLikeCliff) {
  EXPECT_EQ(print(Op::kFlowList, "[" + kFlow + "]", Format::kJson),
            "[\n"
            "  {\n"
            "    \"ID\": \"1b7e5b5e-2f7a-4c43-9d0e-3c1f7f0f0a11\",\n"
            "    \"Name\": \"tf_0\",\n"
            "    \"Status\": \"DOWN\",\n"
            "    \"source_port\": \"vm1\",\n"
            "    \"tap_service_id\": \"6c3f0a2e-1b1d-4c43-9d0e-3c1f7f0f0a11\",\n"
            "    \"Direction\": \"BOTH\"\n"
            "  }\n"
            "]\n");
}

TEST(TaasctlRender, PortListYamlAndMissingKeysAsNull) {
  EXPECT_EQ(print(Op::kPortList,
                  R"([{"id":"a","name":"vm1","role":"vm","network":"tenant-a","status":"ACTIVE"},)"
                  R"({"id":"b","name":"monitor","role":"monitor","network":null}])",
                  Format::kYaml),
            "- ID: a\n  Name: vm1\n  Role: vm\n  Network: tenant-a\n  Status: ACTIVE\n"
            "- ID: b\n  Name: monitor\n  Role: monitor\n  Network: null\n  Status: null\n");
}

TEST(TaasctlRender, EmptyListsPrintNothingInATable) {
  EXPECT_EQ(print(Op::kFlowList, "[]"), "");
  EXPECT_EQ(print(Op::kFlowList, "[]", Format::kJson), "[]\n");
}

TEST(TaasctlRender, ResultsOfTheWrongShapeAreTransportErrors) {
  const auto expect = [](Op op, const std::string& result, const std::string& message) {
    const Rendered r = render_result(op, json(result), Format::kTable, {});
    EXPECT_EQ(r.exit_code, kExitTransport) << result;
    EXPECT_EQ(r.text, message) << result;
  };
  expect(Op::kServiceList, "{}", "unexpected reply: result: expected an array, got an object");
  expect(Op::kFlowList, R"([{"id":"a"},"b"])", "unexpected reply: result[1]: expected an object, got the string \"b\"");
  expect(Op::kServiceShow, "[]", "unexpected reply: result: expected an object, got an array");
  expect(Op::kHealth, "null", "unexpected reply: result: expected an object, got null");
  expect(Op::kApply, R"({"generation":2})",
         "unexpected reply: result: expected generation, tap_services and tap_flows, got {\"generation\":2}");
  expect(Op::kExport, R"({"intent":5})",
         "unexpected reply: result: expected an object with the string \"intent\", got an object");
  expect(Op::kStats, R"({"ports":[]})", "unexpected reply: result.ports: expected an object, got an array");
  expect(Op::kStats, R"({"tap_flows":{"tf_0":1}})", "unexpected reply: result.tap_flows.tf_0: expected an object, got the number 1");
}

TEST(TaasctlRender, DeletePrintsNothing) {
  EXPECT_EQ(print(Op::kServiceDelete, R"({"id":"a","deleted_flows":["b","c"]})"), "");
  EXPECT_EQ(print(Op::kFlowDelete, R"({"id":"b"})", Format::kJson), "");
}

TEST(TaasctlRender, ApplySummary) {
  EXPECT_EQ(print(Op::kApply, R"({"generation":4,"tap_services":3,"tap_flows":1})"),
            "applied: generation 4, 3 tap services, 1 tap flows\n");
  // Lists of ids count as their length.
  EXPECT_EQ(print(Op::kApply, R"({"generation":5,"tap_services":["a","b"],"tap_flows":[]})"),
            "applied: generation 5, 2 tap services, 0 tap flows\n");
}

TEST(TaasctlRender, ExportPrintsTheIntentTextExactly) {
  EXPECT_EQ(print(Op::kExport, R"({"intent":"version: 1\ntap_services:\n  - {name: ts, port: mon}\n"})"),
            "version: 1\ntap_services:\n  - {name: ts, port: mon}\n");
  EXPECT_EQ(print(Op::kExport, R"({"intent":"version: 1"})", Format::kJson), "version: 1");
}

const std::string kStats =
    R"({"generation":3,)"
    R"("ports":{"vm1":{"rx_packets":10,"rx_bytes":640,"tx_packets":8,"tx_bytes":512,"rx_dropped":0,"tx_dropped":1},)"
    R"("monitor":{"rx_packets":0,"rx_bytes":0,"tx_packets":18,"tx_bytes":1152,"rx_dropped":0,"tx_dropped":0}},)"
    R"("tap_services":{"ts_local":{"packets":18,"bytes":1152,)"
    R"("dropped":{"nombuf":1,"tx_full":2,"no_neighbor":0,"port_down":4}}},)"
    R"("tap_flows":{"tf_0":{"packets":18,"bytes":1152}}})";

TEST(TaasctlRender, StatsTables) {
  EXPECT_EQ(print(Op::kStats, kStats),
            "+---------+------------+------------+------------+------------+\n"
            "| Port    | rx_packets | tx_packets | rx_dropped | tx_dropped |\n"
            "+---------+------------+------------+------------+------------+\n"
            "| vm1     |         10 |          8 |          0 |          1 |\n"
            "| monitor |          0 |         18 |          0 |          0 |\n"
            "+---------+------------+------------+------------+------------+\n"
            "\n"
            "+-------------+---------+-------+---------+\n"
            "| Tap Service | packets | bytes | dropped |\n"
            "+-------------+---------+-------+---------+\n"
            "| ts_local    |      18 |  1152 |       7 |\n"
            "+-------------+---------+-------+---------+\n"
            "\n"
            "+----------+---------+-------+\n"
            "| Tap Flow | packets | bytes |\n"
            "+----------+---------+-------+\n"
            "| tf_0     |      18 |  1152 |\n"
            "+----------+---------+-------+\n");
}

TEST(TaasctlRender, StatsTablesSkipEmptySections) {
  EXPECT_EQ(print(Op::kStats, R"({"generation":1,"ports":{},"tap_services":{},"tap_flows":{"f":{"packets":1}}})"),
            "+----------+---------+-------+\n"
            "| Tap Flow | packets | bytes |\n"
            "+----------+---------+-------+\n"
            "| f        |       1 | None  |\n"
            "+----------+---------+-------+\n");
  EXPECT_EQ(print(Op::kStats, R"({"generation":1})"), "");
}

TEST(TaasctlRender, StatsJsonIsTheWholeObjectIndented) {
  EXPECT_EQ(print(Op::kStats,
                  R"({"generation":3,"ports":{"vm1":{"rx_packets":18446744073709551615}},"tap_services":{},)"
                  R"("tap_flows":{"tf_0":{"packets":1,"rate":0.5,"tags":[],"up":true,"note":null}}})",
                  Format::kJson),
            "{\n"
            "  \"generation\": 3,\n"
            "  \"ports\": {\n"
            "    \"vm1\": {\n"
            "      \"rx_packets\": 18446744073709551615\n"
            "    }\n"
            "  },\n"
            "  \"tap_services\": {},\n"
            "  \"tap_flows\": {\n"
            "    \"tf_0\": {\n"
            "      \"packets\": 1,\n"
            "      \"rate\": 0.5,\n"
            "      \"tags\": [],\n"
            "      \"up\": true,\n"
            "      \"note\": null\n"
            "    }\n"
            "  }\n"
            "}\n");
}

TEST(TaasctlRender, StatsYaml) {
  EXPECT_EQ(print(Op::kStats,
                  R"({"generation":3,"ports":{"vm1":{"rx_packets":10}},"tap_services":{},)"
                  R"("tap_flows":{"yes":{"packets":1,"ids":["a","1"],"rows":[{"a":1,"b":"x"}]}}})",
                  Format::kYaml),
            "generation: 3\n"
            "ports:\n"
            "  vm1:\n"
            "    rx_packets: 10\n"
            "tap_services: {}\n"
            "tap_flows:\n"
            "  'yes':\n"
            "    packets: 1\n"
            "    ids:\n"
            "    - a\n"
            "    - '1'\n"
            "    rows:\n"
            "    - a: 1\n"
            "      b: x\n");
}

TEST(TaasctlRender, StatsRefusesValueFormat) {
  const Rendered r = render_result(Op::kStats, json(kStats), Format::kValue, {});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_EQ(r.text, "-f: stats prints table, json or yaml");
}

TEST(TaasctlRender, CellsKeepJsonKinds) {
  const auto cell = [](const std::string& text) { return node_cell(json(text)).value; };
  EXPECT_EQ(cell("null"), Cell::Value{});
  EXPECT_EQ(cell(R"("5")"), Cell::Value{std::string("5")});
  EXPECT_EQ(cell("5"), Cell::Value{std::int64_t{5}});
  EXPECT_EQ(cell("-7"), Cell::Value{std::int64_t{-7}});
  EXPECT_EQ(cell("true"), Cell::Value{true});
  EXPECT_EQ(cell(R"("true")"), Cell::Value{std::string("true")});
  EXPECT_EQ(cell("1.5e3"), Cell::Value{std::string("1.5e3")});
  EXPECT_EQ(cell("18446744073709551616"), Cell::Value{std::string("18446744073709551616")});
  EXPECT_EQ(cell(R"(["a","b"])"), (Cell::Value{Strings{"a", "b"}}));
  EXPECT_EQ(cell("[]"), Cell::Value{Strings{}});
  EXPECT_EQ(cell(R"(["a",1])"), Cell::Value{std::string(R"(["a",1])")});
  EXPECT_EQ(cell(R"({"k":[null]})"), Cell::Value{std::string(R"({"k":[null]})")});
}

TEST(TaasctlRender, ServerErrorLine) {
  Reply reply;
  reply.code = 404;
  reply.field = "args.ref";
  reply.message = "no tap service named 'x'";
  EXPECT_EQ(server_error_line(reply), "error 404: args.ref: no tap service named 'x'");
  reply.code = 500;
  reply.field.clear();
  reply.message = "publishing failed";
  EXPECT_EQ(server_error_line(reply), "error 500: publishing failed");
}

}  // namespace
}  // namespace taas::ctl::cli
