// taasctl end to end against a fake taasd (taasctl/run.hpp): the line each
// command sends, what it prints, its exit code and its one stderr line.

#include "taasctl/run.hpp"

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "taasctl/render.hpp"
#include "tests/unit/taasctl/fake_server.hpp"

namespace taas::ctl::cli {
namespace {

using test::FakeServer;
using test::Step;
using Strings = std::vector<std::string>;

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs taasctl with `args` (after the program name) against `socket`.
Outcome taasctl(const std::string& socket, const Strings& args) {
  std::vector<std::string> all{"taasctl", "--socket", socket, "--timeout", "5"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  for (const std::string& a : all) argv.push_back(a.c_str());
  std::ostringstream out;
  std::ostringstream err;
  const int code = taasctl_main(static_cast<int>(argv.size()), argv.data(), nullptr, out, err);
  return {code, out.str(), err.str()};
}

std::string ok(const std::string& result) { return R"({"v":1,"id":null,"ok":true,"result":)" + result + "}\n"; }

std::string error(int code, const std::string& field, const std::string& message) {
  return R"({"v":1,"id":null,"ok":false,"error":{"code":)" + std::to_string(code) + R"(,"field":")" + field +
         R"(","message":")" + message + "\"}}\n";
}

TEST(TaasctlRun, ShowPrintsTheRecord) {
  FakeServer server({{ok(R"({"id":"a1","name":"ts_0","status":"ACTIVE","flows":0})")}});
  const Outcome o = taasctl(server.path(), {"tap", "service", "show", "ts_0", "-f", "value", "-c", "status"});
  EXPECT_EQ(o.exit_code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "ACTIVE\n");
  EXPECT_EQ(o.err, "");
  EXPECT_EQ(server.requests(), Strings{R"({"v":1,"op":"tap_service.show","args":{"ref":"ts_0"}})"});
}

TEST(TaasctlRun, CreatePrintsTheCreatedFlow) {
  FakeServer server({{ok(R"({"id":"f1","name":"tf_0","direction":"IN","status":"ACTIVE"})")}});
  const Outcome o = taasctl(server.path(), {"tap", "flow", "create", "--name", "tf_0", "--port", "vm1",
                                            "--tap-service", "ts_0", "--direction", "in", "-f", "json"});
  EXPECT_EQ(o.exit_code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "{\n  \"id\": \"f1\",\n  \"name\": \"tf_0\",\n  \"direction\": \"IN\",\n  \"status\": \"ACTIVE\"\n}\n");
  EXPECT_EQ(server.requests(),
            Strings{R"({"v":1,"op":"tap_flow.create","args":{"name":"tf_0","source_port":"vm1",)"
                    R"("tap_service":"ts_0","direction":"IN"}})"});
}

TEST(TaasctlRun, ListPrintsTheTable) {
  FakeServer server({{ok(R"([{"id":"p1","name":"vm1","role":"vm","network":"tenant-a","status":"ACTIVE"}])")}});
  const Outcome o = taasctl(server.path(), {"port", "list"});
  EXPECT_EQ(o.exit_code, kExitOk) << o.err;
  EXPECT_EQ(o.out,
            "+----+------+------+----------+--------+\n"
            "| ID | Name | Role | Network  | Status |\n"
            "+----+------+------+----------+--------+\n"
            "| p1 | vm1  | vm   | tenant-a | ACTIVE |\n"
            "+----+------+------+----------+--------+\n");
}

TEST(TaasctlRun, ServerErrorIsOneLineAndExitOne) {
  FakeServer server({{error(404, "args.ref", "no tap service named 'x'")}});
  const Outcome o = taasctl(server.path(), {"tap", "service", "show", "x"});
  EXPECT_EQ(o.exit_code, kExitServerError);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "taasctl: error 404: args.ref: no tap service named 'x'\n");
}

TEST(TaasctlRun, ServerErrorWithoutAField) {
  FakeServer server({{error(409, "", "changing the ports needs a restart")}});
  const Outcome o = taasctl(server.path(), {"health"});
  EXPECT_EQ(o.exit_code, kExitServerError);
  EXPECT_EQ(o.err, "taasctl: error 409: changing the ports needs a restart\n");
}

TEST(TaasctlRun, DeleteSendsOneRequestPerRefAndPrintsNothing) {
  FakeServer server({{ok(R"({"id":"a","deleted_flows":[]})")}, {ok(R"({"id":"b","deleted_flows":["f"]})")}});
  const Outcome o = taasctl(server.path(), {"tap", "service", "delete", "a", "b"});
  EXPECT_EQ(o.exit_code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "");
  EXPECT_EQ(server.requests(), (Strings{R"({"v":1,"op":"tap_service.delete","args":{"ref":"a"}})",
                                        R"({"v":1,"op":"tap_service.delete","args":{"ref":"b"}})"}));
}

TEST(TaasctlRun, DeleteStopsAtTheFirstFailure) {
  // Three refs, the second unknown: the third is never sent.
  FakeServer server({{ok(R"({"id":"a"})")}, {error(404, "args.ref", "no tap flow named 'nope'")}});
  const Outcome o = taasctl(server.path(), {"tap", "flow", "delete", "a", "nope", "c"});
  EXPECT_EQ(o.exit_code, kExitServerError);
  EXPECT_EQ(o.err, "taasctl: error 404: args.ref: no tap flow named 'nope'\n");
  EXPECT_EQ(server.requests(), (Strings{R"({"v":1,"op":"tap_flow.delete","args":{"ref":"a"}})",
                                        R"({"v":1,"op":"tap_flow.delete","args":{"ref":"nope"}})"}));
}

TEST(TaasctlRun, ApplyAndExport) {
  char path[] = "/tmp/taasctl-run-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string intent = "version: 1\ntap_flows: []\n";
  ASSERT_EQ(::write(fd, intent.data(), intent.size()), static_cast<ssize_t>(intent.size()));
  ::close(fd);
  {
    FakeServer server({{ok(R"({"generation":2,"tap_services":1,"tap_flows":0})")}});
    const Outcome o = taasctl(server.path(), {"apply", path});
    EXPECT_EQ(o.exit_code, kExitOk) << o.err;
    EXPECT_EQ(o.out, "applied: generation 2, 1 tap services, 0 tap flows\n");
    EXPECT_EQ(server.requests(), Strings{R"({"v":1,"op":"apply","args":{"intent":"version: 1\ntap_flows: []\n","file":")" +
                                         std::string(path) + R"("}})"});
  }
  ::unlink(path);
  FakeServer server({{ok(R"({"intent":"version: 1\n# exported\n"})")}});
  const Outcome o = taasctl(server.path(), {"export"});
  EXPECT_EQ(o.exit_code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "version: 1\n# exported\n");
}

TEST(TaasctlRun, StatsJson) {
  FakeServer server({{ok(R"({"generation":1,"ports":{}})")}});
  const Outcome o = taasctl(server.path(), {"stats", "-f", "json"});
  EXPECT_EQ(o.exit_code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "{\n  \"generation\": 1,\n  \"ports\": {}\n}\n");
}

TEST(TaasctlRun, UnreachableSocketIsExitThree) {
  const Outcome o = taasctl("/tmp/taasctl-no-such-dir/taasd.sock", {"health"});
  EXPECT_EQ(o.exit_code, kExitTransport);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "taasctl: cannot connect to /tmp/taasctl-no-such-dir/taasd.sock: No such file or directory\n");
}

TEST(TaasctlRun, ReplyThatIsNotTheProtocolIsExitThree) {
  const auto expect = [](const std::string& reply, const std::string& err_tail) {
    FakeServer server({{reply}});
    const Outcome o = taasctl(server.path(), {"health"});
    EXPECT_EQ(o.exit_code, kExitTransport) << reply;
    EXPECT_EQ(o.out, "");
    EXPECT_EQ(o.err, "taasctl: " + server.path() + ": " + err_tail + "\n") << reply;
  };
  expect("HTTP/1.1 400 Bad Request\n", "not a taasd reply: not valid JSON: expected a value (object, array, string, number, true, false or "
         "null), got 'H' (at column 1)");
  expect(R"({"v":2,"ok":true,"result":null})"
         "\n",
         "not a taasd reply: v: unsupported protocol version 2; this side speaks version 1");
  expect(R"({"v":1,"ok":true})"
         "\n",
         "not a taasd reply: result: missing in a reply with \"ok\": true");
  expect("", "connection closed without a reply");
}

TEST(TaasctlRun, ResultOfTheWrongShapeIsExitThree) {
  FakeServer server({{ok(R"({"id":"a"})")}});
  const Outcome o = taasctl(server.path(), {"tap", "service", "list"});
  EXPECT_EQ(o.exit_code, kExitTransport);
  EXPECT_EQ(o.err, "taasctl: unexpected reply: result: expected an array, got an object\n");
}

TEST(TaasctlRun, ColumnTheReplyLacksIsAFormatterErrorExitTwo) {
  FakeServer server({{ok(R"({"generation":1})")}});
  const Outcome o = taasctl(server.path(), {"health", "-c", "workers"});
  EXPECT_EQ(o.exit_code, kExitUsage);
  EXPECT_EQ(o.err, "taasctl: -c: unknown column \"workers\"; known columns: generation\n");
}

TEST(TaasctlRun, UsageErrorsSendNothing) {
  FakeServer server({});
  const Outcome o = taasctl(server.path(), {"tap", "service", "create", "--name", "x", "--vni", "-1"});
  EXPECT_EQ(o.exit_code, kExitUsage);
  EXPECT_EQ(o.err, "taasctl: --vni: expected a whole number from 0 to 4294967295, got \"-1\"\n");
  EXPECT_TRUE(server.requests().empty());
}

}  // namespace
}  // namespace taas::ctl::cli
