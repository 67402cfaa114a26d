// taasctl's command line (taasctl/command_line.hpp): the exact request line
// every command produces, the global options, and every usage error with
// its exit code and stderr text.

#include "taasctl/command_line.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "control/protocol.hpp"
#include "taasctl/render.hpp"

namespace taas::ctl::cli {
namespace {

using Strings = std::vector<std::string>;

struct Parsed {
  CommandLine command_line;
  std::string out;
  std::string err;
};

Parsed parse(const Strings& args, const char* env_socket = nullptr) {
  std::ostringstream out;
  std::ostringstream err;
  CommandLine cl = parse_command_line(args, env_socket, out, err);
  return {std::move(cl), out.str(), err.str()};
}

/// The request lines a command line sends (no id, as taasctl sends them).
Strings lines(const Strings& args) {
  const Parsed p = parse(args);
  EXPECT_TRUE(p.command_line.invocation.has_value()) << p.err;
  EXPECT_EQ(p.err, "");
  Strings out;
  if (!p.command_line.invocation) return out;
  for (const Request& r : p.command_line.invocation->requests) out.push_back(encode_request({}, r));
  return out;
}

std::string line(const Strings& args) {
  const Strings all = lines(args);
  EXPECT_EQ(all.size(), 1u);
  return all.empty() ? "" : all.front();
}

/// A command line that must fail with exit 2; returns stderr.
std::string usage_error(const Strings& args) {
  const Parsed p = parse(args);
  EXPECT_FALSE(p.command_line.invocation.has_value());
  EXPECT_EQ(p.command_line.exit_code, kExitUsage);
  EXPECT_EQ(p.out, "");
  return p.err;
}

// ---- tap service ---------------------------------------------------------------

TEST(TaasctlCommandLine, ServiceCreateWithEveryOption) {
  EXPECT_EQ(line({"tap", "service", "create", "--name", "ts_0", "--description", "to the IDS", "--port", "mon",
                  "--remote-ip", "198.51.100.7", "--encap", "erspan3", "--vni", "5000", "--udp-port", "4789",
                  "--remote-mac", "02:00:00:00:00:0a", "--erspan-index", "7", "--erspan-hwid", "1",
                  "--erspan-granularity", "100ns", "--erspan-platform-subheader", "--erspan-platform-id", "7",
                  "--id", "0f576381-e461-4807-bb11-5d57624b30a0"}),
            R"({"v":1,"op":"tap_service.create","args":{"id":"0f576381-e461-4807-bb11-5d57624b30a0",)"
            R"("name":"ts_0","description":"to the IDS","port":"mon","remote_ip":"198.51.100.7","encap":"erspan3",)"
            R"("vni":5000,"udp_port":4789,"erspan":{"index":7,"hwid":1,"granularity":"100ns",)"
            R"("platform_subheader":true,"platform_id":7},"remote_mac":"02:00:00:00:00:0a"}})");
}

TEST(TaasctlCommandLine, ServiceCreateSendsOnlyWhatIsGiven) {
  EXPECT_EQ(line({"tap", "service", "create", "--name", "ts"}),
            R"({"v":1,"op":"tap_service.create","args":{"name":"ts"}})");
  EXPECT_EQ(line({"tap", "service", "create", "--name", "ts", "--description", ""}),
            R"({"v":1,"op":"tap_service.create","args":{"name":"ts","description":""}})");
  EXPECT_EQ(line({"tap", "service", "create", "--name", "ts", "--no-erspan-platform-subheader"}),
            R"({"v":1,"op":"tap_service.create","args":{"name":"ts","erspan":{"platform_subheader":false}}})");
  EXPECT_EQ(line({"tap", "service", "create", "--name=ts", "--encap=vxlan", "--vni=0"}),
            R"({"v":1,"op":"tap_service.create","args":{"name":"ts","encap":"vxlan","vni":0}})");
}

TEST(TaasctlCommandLine, ServiceCreateRejectsBadValuesBeforeSending) {
  EXPECT_EQ(usage_error({"tap", "service", "create", "--name", "ts", "--encap", "gre"}),
            "taasctl: --encap: expected none, erspan2, erspan3 or vxlan, got \"gre\"\n");
  EXPECT_EQ(usage_error({"tap", "service", "create", "--name", "ts", "--encap", "VXLAN"}),
            "taasctl: --encap: expected none, erspan2, erspan3 or vxlan, got \"VXLAN\"\n");
  EXPECT_EQ(usage_error({"tap", "service", "create", "--name", "ts", "--erspan-granularity", "1ms"}),
            "taasctl: --erspan-granularity: expected 100us or 100ns, got \"1ms\"\n");
  EXPECT_EQ(usage_error({"tap", "service", "create", "--name", "ts", "--erspan-platform-id", "5"}),
            "taasctl: --erspan-platform-id: expected 3 or 7, got \"5\"\n");
  // CLI11 alone would read these as 4294967295, 16 and 8.
  for (const char* bad : {"-1", "0x10", "4294967296", "5k", "", "+5", "99999999999"}) {
    EXPECT_EQ(usage_error({"tap", "service", "create", "--name", "ts", "--vni", bad}),
              std::string("taasctl: --vni: expected a whole number from 0 to 4294967295, got \"") + bad + "\"\n")
        << bad;
  }
  EXPECT_EQ(line({"tap", "service", "create", "--name", "ts", "--udp-port", "010"}),
            R"({"v":1,"op":"tap_service.create","args":{"name":"ts","udp_port":10}})");
}

TEST(TaasctlCommandLine, ServiceCreateNeedsAName) {
  EXPECT_EQ(usage_error({"tap", "service", "create", "--port", "mon"}),
            "taasctl: --name is required\nRun with --help for more information.\n");
}

TEST(TaasctlCommandLine, ServiceListShowUpdateDelete) {
  EXPECT_EQ(line({"tap", "service", "list"}), R"({"v":1,"op":"tap_service.list"})");
  EXPECT_EQ(line({"tap", "service", "show", "ts_0"}), R"({"v":1,"op":"tap_service.show","args":{"ref":"ts_0"}})");
  EXPECT_EQ(line({"tap", "service", "update", "ts_0", "--name", "ts_1"}),
            R"({"v":1,"op":"tap_service.update","args":{"ref":"ts_0","name":"ts_1"}})");
  EXPECT_EQ(line({"tap", "service", "update", "--description", "", "ts_0"}),
            R"({"v":1,"op":"tap_service.update","args":{"ref":"ts_0","description":""}})");
  EXPECT_EQ(lines({"tap", "service", "delete", "a", "b", "c"}),
            (Strings{R"({"v":1,"op":"tap_service.delete","args":{"ref":"a"}})",
                     R"({"v":1,"op":"tap_service.delete","args":{"ref":"b"}})",
                     R"({"v":1,"op":"tap_service.delete","args":{"ref":"c"}})"}));
}

TEST(TaasctlCommandLine, UpdateNeedsSomethingToChange) {
  EXPECT_EQ(usage_error({"tap", "service", "update", "ts_0"}),
            "taasctl: update: nothing to update: give --name and/or --description\n");
  EXPECT_EQ(usage_error({"tap", "flow", "update", "tf_0"}),
            "taasctl: update: nothing to update: give --name and/or --description\n");
}

TEST(TaasctlCommandLine, ShowAndDeleteNeedARef) {
  EXPECT_EQ(usage_error({"tap", "service", "show"}), "taasctl: REF is required\nRun with --help for more information.\n");
  EXPECT_EQ(usage_error({"tap", "flow", "delete"}), "taasctl: REF is required\nRun with --help for more information.\n");
}

// ---- tap flow ------------------------------------------------------------------

TEST(TaasctlCommandLine, FlowCreateWithEveryOption) {
  EXPECT_EQ(line({"tap", "flow", "create", "--name", "tf_0", "--port", "vm1", "--tap-service", "ts_0", "--direction",
                  "BOTH", "--description", "web tier", "--erspan-session-id", "42", "--vlan-filter", "9,18,27-36",
                  "--id", "1b7e5b5e-2f7a-4c43-9d0e-3c1f7f0f0a11"}),
            R"({"v":1,"op":"tap_flow.create","args":{"id":"1b7e5b5e-2f7a-4c43-9d0e-3c1f7f0f0a11","name":"tf_0",)"
            R"("description":"web tier","source_port":"vm1","tap_service":"ts_0","direction":"BOTH",)"
            R"("erspan_session_id":42,"vlan_filter":"9,18,27-36"}})");
}

TEST(TaasctlCommandLine, FlowDirectionIsCaseInsensitiveAndSentUpperCase) {
  const std::string base = R"({"v":1,"op":"tap_flow.create","args":{"name":"f","source_port":"vm1",)"
                           R"("tap_service":"ts","direction":")";
  const Strings create{"tap", "flow", "create", "--name", "f", "--port", "vm1", "--tap-service", "ts", "--direction"};
  for (const auto& [given, sent] : std::vector<std::pair<std::string, std::string>>{
           {"in", "IN"}, {"Out", "OUT"}, {"both", "BOTH"}, {"IN", "IN"}}) {
    Strings args = create;
    args.push_back(given);
    EXPECT_EQ(line(args), base + sent + "\"}}") << given;
  }
  Strings bad = create;
  bad.push_back("sideways");
  EXPECT_EQ(usage_error(bad), "taasctl: --direction: expected IN, OUT or BOTH, got \"SIDEWAYS\"\n");
}

TEST(TaasctlCommandLine, FlowCreateNeedsPortServiceAndDirection) {
  EXPECT_EQ(usage_error({"tap", "flow", "create", "--name", "f", "--port", "vm1", "--direction", "IN"}),
            "taasctl: --tap-service is required\nRun with --help for more information.\n");
  EXPECT_EQ(usage_error({"tap", "flow", "create", "--name", "f", "--port", "vm1", "--tap-service", "ts"}),
            "taasctl: --direction is required\nRun with --help for more information.\n");
}

TEST(TaasctlCommandLine, FlowListShowUpdateDelete) {
  EXPECT_EQ(line({"tap", "flow", "list"}), R"({"v":1,"op":"tap_flow.list"})");
  EXPECT_EQ(line({"tap", "flow", "show", "tf_0"}), R"({"v":1,"op":"tap_flow.show","args":{"ref":"tf_0"}})");
  EXPECT_EQ(line({"tap", "flow", "update", "tf_0", "--name", "n", "--description", "d"}),
            R"({"v":1,"op":"tap_flow.update","args":{"ref":"tf_0","name":"n","description":"d"}})");
  EXPECT_EQ(lines({"tap", "flow", "delete", "tf_0", "tf_1"}),
            (Strings{R"({"v":1,"op":"tap_flow.delete","args":{"ref":"tf_0"}})",
                     R"({"v":1,"op":"tap_flow.delete","args":{"ref":"tf_1"}})"}));
}

// ---- ports, apply, export, stats, health -------------------------------------------

TEST(TaasctlCommandLine, PortsExportStatsHealth) {
  EXPECT_EQ(line({"port", "list"}), R"({"v":1,"op":"port.list"})");
  EXPECT_EQ(line({"port", "show", "vm1"}), R"({"v":1,"op":"port.show","args":{"ref":"vm1"}})");
  EXPECT_EQ(line({"export"}), R"({"v":1,"op":"export"})");
  EXPECT_EQ(line({"stats"}), R"({"v":1,"op":"stats"})");
  EXPECT_EQ(line({"health"}), R"({"v":1,"op":"health"})");
}

class TaasctlApply : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/taasctl-apply-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    file_ = dir_ + "/intent.yaml";
    std::ofstream(file_) << "version: 1\ntap_services:\n  - {name: \"ts\", port: mon}\n";
  }
  void TearDown() override {
    std::remove(file_.c_str());
    ::rmdir(dir_.c_str());
  }
  std::string dir_;
  std::string file_;
};

TEST_F(TaasctlApply, SendsTheFileTextAsPositionalOrOption) {
  const std::string expected =
      R"({"v":1,"op":"apply","args":{"intent":"version: 1\ntap_services:\n  - {name: \"ts\", port: mon}\n","file":")" +
      file_ + R"("}})";
  EXPECT_EQ(line({"apply", file_}), expected);
  EXPECT_EQ(line({"apply", "--file", file_}), expected);
}

TEST_F(TaasctlApply, NeedsExactlyOneReadableFile) {
  EXPECT_EQ(usage_error({"apply"}), "taasctl: apply: give the intent file once, as FILE or as --file FILE\n");
  EXPECT_EQ(usage_error({"apply", file_, "--file", file_}),
            "taasctl: apply: give the intent file once, as FILE or as --file FILE\n");
  EXPECT_EQ(usage_error({"apply", dir_ + "/missing.yaml"}),
            "taasctl: cannot read " + dir_ + "/missing.yaml: No such file or directory\n");
  // -f is the output format elsewhere; apply has no -f.
  EXPECT_EQ(usage_error({"apply", "-f", file_}).rfind("taasctl: ", 0), 0u);
}

TEST_F(TaasctlApply, RefusesAFileTaasdWouldRefuseAsTooLong) {
  std::ofstream(file_) << std::string(kMaxRequestBytes, 'x');
  // {"v":1,"op":"apply","args":{"intent":"...","file":"<path>"}} adds 41
  // bytes plus the file member.
  const std::string err = usage_error({"apply", file_});
  const std::size_t file_member = std::string(R"(,"file":"")").size() + file_.size();
  EXPECT_EQ(err, "taasctl: the request is " + std::to_string(kMaxRequestBytes + 41 + file_member) +
                     " bytes; taasd takes at most " + std::to_string(kMaxRequestBytes) + "\n");
}

// ---- global options ------------------------------------------------------------

TEST(TaasctlCommandLine, SocketFromOptionThenEnvironmentThenDefault) {
  EXPECT_EQ(parse({"health"}).command_line.invocation->socket, "/run/taasd/taasd.sock");
  EXPECT_EQ(parse({"health"}, "").command_line.invocation->socket, "/run/taasd/taasd.sock");
  EXPECT_EQ(parse({"health"}, "/tmp/env.sock").command_line.invocation->socket, "/tmp/env.sock");
  EXPECT_EQ(parse({"--socket", "/tmp/opt.sock", "health"}, "/tmp/env.sock").command_line.invocation->socket,
            "/tmp/opt.sock");
  // Also after the command, as openstack's global options are.
  EXPECT_EQ(parse({"tap", "service", "list", "--socket", "/tmp/late.sock"}).command_line.invocation->socket,
            "/tmp/late.sock");
}

TEST(TaasctlCommandLine, TimeoutInSeconds) {
  EXPECT_EQ(parse({"health"}).command_line.invocation->timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(parse({"--timeout", "2.5", "health"}).command_line.invocation->timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(parse({"health", "--timeout", "0.0001"}).command_line.invocation->timeout, std::chrono::milliseconds(1));
  for (const char* bad : {"0", "-1", "soon", "1s", "nan", "inf", "100000"}) {
    EXPECT_EQ(usage_error({"--timeout", bad, "health"}),
              std::string("taasctl: --timeout: expected a number of seconds greater than 0 (at most 86400), got \"") +
                  bad + "\"\n")
        << bad;
  }
}

TEST(TaasctlCommandLine, FormatAndColumns) {
  const Parsed p = parse({"tap", "service", "list", "-f", "json", "-c", "Name", "--column", "ID"});
  ASSERT_TRUE(p.command_line.invocation.has_value()) << p.err;
  EXPECT_EQ(p.command_line.invocation->format, Format::kJson);
  EXPECT_EQ(p.command_line.invocation->columns, (Strings{"Name", "ID"}));
  EXPECT_EQ(parse({"tap", "flow", "list"}).command_line.invocation->format, Format::kTable);
  EXPECT_EQ(parse({"health", "--format", "yaml"}).command_line.invocation->format, Format::kYaml);
  EXPECT_EQ(parse({"stats", "-f", "json"}).command_line.invocation->format, Format::kJson);
}

TEST(TaasctlCommandLine, ColumnTakesOneValueSoARefCanFollow) {
  const Parsed p = parse({"tap", "service", "show", "-c", "id", "-c", "status", "ts_0"});
  ASSERT_TRUE(p.command_line.invocation.has_value()) << p.err;
  EXPECT_EQ(p.command_line.invocation->columns, (Strings{"id", "status"}));
  EXPECT_EQ(encode_request({}, p.command_line.invocation->requests.at(0)),
            R"({"v":1,"op":"tap_service.show","args":{"ref":"ts_0"}})");
}

TEST(TaasctlCommandLine, ColumnsAreCheckedBeforeAnythingIsSent) {
  EXPECT_EQ(usage_error({"tap", "service", "list", "-c", "Tenant"}),
            "taasctl: -c: unknown column \"Tenant\"; known columns: ID, Name, Port, Mode, Status\n");
  EXPECT_EQ(usage_error({"tap", "flow", "list", "-c", "direction"}),
            "taasctl: -c: unknown column \"direction\"; known columns: ID, Name, Status, source_port, "
            "tap_service_id, Direction\n");
  EXPECT_EQ(usage_error({"port", "list", "-c", "Device"}),
            "taasctl: -c: unknown column \"Device\"; known columns: ID, Name, Role, Network, Status\n");
  // A show names the fields of control/ops.hpp, not the list headings.
  EXPECT_EQ(usage_error({"tap", "service", "create", "--name", "x", "-c", "Name"}),
            "taasctl: -c: unknown column \"Name\"; known columns: id, name, description, port, port_id, mode, "
            "encap, remote_ip, vni, status, flows\n");
  EXPECT_EQ(usage_error({"health", "-c", "pid"}),
            "taasctl: -c: unknown column \"pid\"; known columns: generation, workers, workers_alive, "
            "uptime_seconds, intent_file, state_file\n");
  EXPECT_TRUE(parse({"port", "show", "vm1", "-c", "service_port"}).command_line.invocation.has_value());
  EXPECT_TRUE(parse({"tap", "flow", "show", "f", "-c", "vlan_filter"}).command_line.invocation.has_value());
}

TEST(TaasctlCommandLine, BadFormat) {
  EXPECT_EQ(usage_error({"tap", "service", "list", "-f", "xml"}),
            "taasctl: -f: unknown format \"xml\"; choose one of table, json, yaml, value\n");
  EXPECT_EQ(usage_error({"stats", "-f", "value"}), "taasctl: -f: stats prints table, json or yaml\n");
}

TEST(TaasctlCommandLine, OutputOptionsOnlyWhereSomethingIsPrinted) {
  for (const Strings& args : {Strings{"export", "-f", "json"}, Strings{"tap", "service", "delete", "x", "-f", "json"},
                              Strings{"stats", "-c", "Port"}}) {
    const std::string err = usage_error(args);
    EXPECT_EQ(err.rfind("taasctl: ", 0), 0u) << err;
    EXPECT_NE(err.find("Run with --help for more information."), std::string::npos) << err;
  }
}

TEST(TaasctlCommandLine, CommandsAreRequiredAndNamed) {
  const std::string hint = "\nRun with --help for more information.\n";
  EXPECT_EQ(usage_error({}), "taasctl: expected a command: tap, port, apply, export, stats, health or top" + hint);
  EXPECT_EQ(usage_error({"tap"}), "taasctl: tap: expected a command: service or flow" + hint);
  EXPECT_EQ(usage_error({"tap", "service"}),
            "taasctl: tap service: expected a command: create, list, show, update or delete" + hint);
  EXPECT_EQ(usage_error({"tap", "router", "list"}),
            "taasctl: tap: unknown command \"router\"; expected service or flow" + hint);
  EXPECT_EQ(usage_error({"frobnicate"}),
            "taasctl: unknown command \"frobnicate\"; expected tap, port, apply, export, stats, health or top" + hint);
  EXPECT_EQ(usage_error({"health", "now"}), "taasctl: The following argument was not expected: now" + hint);
}

TEST(TaasctlCommandLine, HelpGoesToStdoutWithExitZero) {
  Parsed p = parse({"--help"});
  EXPECT_FALSE(p.command_line.invocation.has_value());
  EXPECT_EQ(p.command_line.exit_code, kExitOk);
  EXPECT_EQ(p.err, "");
  EXPECT_NE(p.out.find("Usage: taasctl [OPTIONS] SUBCOMMAND"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("--socket PATH"), std::string::npos) << p.out;

  p = parse({"tap", "flow", "create", "--help"});  // even without the required options
  EXPECT_EQ(p.command_line.exit_code, kExitOk);
  EXPECT_NE(p.out.find("--direction IN|OUT|BOTH REQUIRED"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("-f,--format table|json|yaml|value"), std::string::npos) << p.out;
}

}  // namespace
}  // namespace taas::ctl::cli
