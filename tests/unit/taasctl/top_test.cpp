// taasctl top (taasctl/top.hpp): stats results read into samples, rates and
// the exact frame from canned samples, counters that go backwards, entries
// that appear or disappear, the command line, and the polling loop against
// a fake taasd.

#include "taasctl/top.hpp"

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "control/json_read.hpp"
#include "taasctl/render.hpp"
#include "taasctl/run.hpp"
#include "tests/unit/taasctl/fake_server.hpp"

namespace taas::ctl::cli {
namespace {

using test::FakeServer;
using Strings = std::vector<std::string>;

StatsSample sample(const std::string& json) {
  const Result<YAML::Node> node = load_json(json);
  EXPECT_TRUE(node.ok()) << json;
  if (!node) return {};
  const Result<StatsSample> s = parse_stats_sample(node.value());
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().to_string());
  return s ? s.value() : StatsSample{};
}

Error sample_error(const std::string& json) {
  const Result<StatsSample> s = parse_stats_sample(load_json(json).value());
  EXPECT_FALSE(s.ok()) << json;
  return s ? Error{} : s.error();
}

std::string port(const std::string& name, int rx, int rx_bytes, int tx, int tx_bytes, int rx_dropped, int tx_dropped) {
  return "\"" + name + "\": {\"rx_packets\": " + std::to_string(rx) + ", \"rx_bytes\": " + std::to_string(rx_bytes) +
         ", \"tx_packets\": " + std::to_string(tx) + ", \"tx_bytes\": " + std::to_string(tx_bytes) +
         ", \"rx_dropped\": " + std::to_string(rx_dropped) + ", \"tx_dropped\": " + std::to_string(tx_dropped) +
         ", \"tx_nombuf\": 0, \"tx_link_down\": 0, \"rx_dropped_by\": {\"monitor_port\": 0, \"malformed\": 0, "
         "\"vlan_mismatch\": " +
         std::to_string(rx_dropped) + ", \"hairpin\": 0, \"no_path\": 0}}";
}

std::string service(const std::string& name, int packets, int bytes, int nombuf, int tx_full) {
  return "\"" + name + "\": {\"packets\": " + std::to_string(packets) + ", \"bytes\": " + std::to_string(bytes) +
         ", \"dropped\": {\"nombuf\": " + std::to_string(nombuf) + ", \"tx_full\": " + std::to_string(tx_full) +
         ", \"no_neighbor\": 0, \"port_down\": 0, \"too_big\": 0}}";
}

std::string flow(const std::string& name, int packets, int bytes) {
  return "\"" + name + "\": {\"packets\": " + std::to_string(packets) + ", \"bytes\": " + std::to_string(bytes) + "}";
}

std::string stats(int generation, const Strings& ports, const Strings& services, const Strings& flows) {
  const auto join = [](const Strings& parts) {
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
  };
  return "{\"generation\": " + std::to_string(generation) + ", \"ports\": {" + join(ports) +
         "}, \"tap_services\": {" + join(services) + "}, \"tap_flows\": {" + join(flows) + "}}";
}

// Two samples two seconds apart (README "The counters" shape).
const std::string kFirst = stats(3, {port("vm1", 1000, 150000, 800, 120000, 5, 0), port("mon", 0, 0, 500, 75000, 0, 10)},
                                 {service("ts_0", 500, 75000, 0, 10)}, {flow("tf_0", 300, 45000), flow("tf_1", 200, 30000)});
const std::string kSecond =
    stats(3, {port("vm1", 3000, 450000, 1800, 270000, 9, 0), port("mon", 0, 0, 2500, 375000, 0, 14)},
          {service("ts_0", 2500, 375000, 1, 14)}, {flow("tf_0", 700, 105000), flow("tf_1", 1800, 270000)});

const TopHeader kHeader{"/run/taasd/taasd.sock", "2024-05-01 12:00:02"};

// Rates: vm1 +2000 rx in 2 s = 1000 pps, +300000 B = 150000 B/s = 1.2 Mbit/s;
// drops are rx_dropped + tx_dropped; ts_0 +1 nombuf +4 tx_full = 2.5/s;
// flows busiest first (tf_1 +1600 = 800/s before tf_0 +400 = 200/s).
const std::string kSecondFrame =
    "taasctl top  /run/taasd/taasd.sock  generation 3  2024-05-01 12:00:02  interval 2.00 s\n"
    "\n"
    "PORT  RX pps  RX Mbit/s  TX pps  TX Mbit/s  drops/s\n"
    "vm1   1000.0      1.200   500.0      0.600      2.0\n"
    "mon      0.0      0.000  1000.0      1.200      2.0\n"
    "\n"
    "TAP SERVICE  copies/s  Mbit/s  drops/s  drop reasons/s\n"
    "ts_0           1000.0   1.200      2.5  nombuf 0.5, tx_full 2.0\n"
    "\n"
    "TAP FLOW  copies/s  Mbit/s\n"
    "tf_1         800.0   0.960\n"
    "tf_0         200.0   0.240\n";

// ---- samples ---------------------------------------------------------------------

TEST(TaasctlTop, SampleTakesWhatTopShows) {
  const StatsSample s = sample(kFirst);
  EXPECT_EQ(s.generation, 3);
  ASSERT_EQ(s.ports.size(), 2u);
  EXPECT_EQ(s.ports[1].name, "mon");
  EXPECT_EQ(s.ports[1].tx_packets, 500u);
  EXPECT_EQ(s.ports[1].tx_bytes, 75000u);
  EXPECT_EQ(s.ports[0].dropped, 5u);   // rx_dropped + tx_dropped
  EXPECT_EQ(s.ports[1].dropped, 10u);
  ASSERT_EQ(s.services.size(), 1u);
  EXPECT_EQ(s.services[0].packets, 500u);
  ASSERT_EQ(s.services[0].dropped.size(), 5u);  // every reason, in taasd's order
  EXPECT_EQ(s.services[0].dropped[1], (std::pair<std::string, std::uint64_t>{"tx_full", 10}));
  ASSERT_EQ(s.flows.size(), 2u);
  EXPECT_EQ(s.flows[1].name, "tf_1");
  EXPECT_EQ(s.flows[1].bytes, 30000u);
}

TEST(TaasctlTop, SampleToleratesMissingCountersAndSections) {
  const StatsSample s = sample(R"({"ports": {"vm1": {"rx_packets": 7}}, "tap_flows": null, "deleted": {}})");
  EXPECT_EQ(s.generation, -1);
  ASSERT_EQ(s.ports.size(), 1u);
  EXPECT_EQ(s.ports[0].rx_packets, 7u);
  EXPECT_EQ(s.ports[0].tx_bytes, 0u);
  EXPECT_TRUE(s.services.empty());
  EXPECT_TRUE(s.flows.empty());
}

TEST(TaasctlTop, SampleOfTheWrongShapeNamesTheField) {
  EXPECT_EQ(sample_error("[]").field, "result");
  EXPECT_EQ(sample_error(R"({"ports": []})").field, "result.ports");
  const Error e = sample_error(R"({"ports": {}, "tap_flows": {"tf_0": 5}})");
  EXPECT_EQ(e.field, "result.tap_flows.tf_0");
  EXPECT_EQ(e.message, "expected an object, got the number 5");
}

// ---- frames ------------------------------------------------------------------------

TEST(TaasctlTop, RatesFromTwoSamples) {
  const StatsSample before = sample(kFirst);
  EXPECT_EQ(render_top(&before, sample(kSecond), 2.0, kHeader), kSecondFrame);
}

TEST(TaasctlTop, FirstSampleHasNoRates) {
  EXPECT_EQ(render_top(nullptr, sample(kFirst), 0, kHeader),
            "taasctl top  /run/taasd/taasd.sock  generation 3  2024-05-01 12:00:02  first sample\n"
            "\n"
            "PORT  RX pps  RX Mbit/s  TX pps  TX Mbit/s  drops/s\n"
            "vm1        -          -       -          -        -\n"
            "mon        -          -       -          -        -\n"
            "\n"
            "TAP SERVICE  copies/s  Mbit/s  drops/s  drop reasons/s\n"
            "ts_0                -       -        -\n"
            "\n"
            "TAP FLOW  copies/s  Mbit/s\n"
            "tf_0             -       -\n"
            "tf_1             -       -\n");
}

TEST(TaasctlTop, CounterGoingBackwardsShowsZero) {
  // taasd restarted between the samples: every counter is smaller.
  const StatsSample before = sample(kSecond);
  const StatsSample after = sample(stats(1, {port("vm1", 10, 1500, 8, 1200, 0, 0), port("mon", 0, 0, 5, 750, 0, 0)},
                                         {service("ts_0", 5, 750, 0, 0)}, {flow("tf_0", 3, 450), flow("tf_1", 2, 300)}));
  EXPECT_EQ(render_top(&before, after, 1.0, kHeader),
            "taasctl top  /run/taasd/taasd.sock  generation 3 -> 1  2024-05-01 12:00:02  interval 1.00 s\n"
            "\n"
            "PORT  RX pps  RX Mbit/s  TX pps  TX Mbit/s  drops/s\n"
            "vm1      0.0      0.000     0.0      0.000      0.0\n"
            "mon      0.0      0.000     0.0      0.000      0.0\n"
            "\n"
            "TAP SERVICE  copies/s  Mbit/s  drops/s  drop reasons/s\n"
            "ts_0              0.0   0.000      0.0\n"
            "\n"
            "TAP FLOW  copies/s  Mbit/s\n"
            "tf_0           0.0   0.000\n"
            "tf_1           0.0   0.000\n");
}

TEST(TaasctlTop, FlowThatAppearsOrDisappears) {
  // tf_0 was deleted and tf_new created between the samples; tf_1 runs on.
  const StatsSample before = sample(kFirst);
  const StatsSample after = sample(stats(3, {port("vm1", 1000, 150000, 800, 120000, 5, 0)}, {},
                                         {flow("tf_1", 250, 37500), flow("tf_new", 40, 6000)}));
  EXPECT_EQ(render_top(&before, after, 0.5, kHeader),
            "taasctl top  /run/taasd/taasd.sock  generation 3  2024-05-01 12:00:02  interval 0.50 s\n"
            "\n"
            "PORT  RX pps  RX Mbit/s  TX pps  TX Mbit/s  drops/s\n"
            "vm1      0.0      0.000     0.0      0.000      0.0\n"
            "\n"
            "TAP SERVICE  copies/s  Mbit/s  drops/s  drop reasons/s\n"
            "(none)\n"
            "\n"
            "TAP FLOW  copies/s  Mbit/s\n"
            "tf_1         100.0   0.120\n"
            "tf_new           -       -\n"
            "\n"
            "gone since the last sample: ts_0 (tap service), tf_0 (tap flow)\n");
}

TEST(TaasctlTop, NoElapsedTimeMeansNoRates) {
  const StatsSample before = sample(kFirst);
  const std::string frame = render_top(&before, sample(kSecond), 0.0, kHeader);
  EXPECT_NE(frame.find("first sample"), std::string::npos) << frame;
  EXPECT_NE(frame.find("tf_1             -       -\n"), std::string::npos) << frame;
}

// ---- command line --------------------------------------------------------------------

TEST(TaasctlTop, CommandLine) {
  std::ostringstream out, err;
  CommandLine cl = parse_command_line(Strings{"top", "--interval", "0.25", "--iterations", "3"}, nullptr, out, err);
  ASSERT_TRUE(cl.invocation.has_value()) << err.str();
  ASSERT_TRUE(cl.invocation->top.has_value());
  EXPECT_EQ(cl.invocation->top->interval, std::chrono::milliseconds(250));
  EXPECT_EQ(cl.invocation->top->iterations, 3u);
  ASSERT_EQ(cl.invocation->requests.size(), 1u);
  EXPECT_EQ(encode_request({}, cl.invocation->requests.front()), R"({"v":1,"op":"stats"})");

  cl = parse_command_line(Strings{"top"}, nullptr, out, err);
  ASSERT_TRUE(cl.invocation.has_value()) << err.str();
  EXPECT_EQ(cl.invocation->top->interval, std::chrono::milliseconds(1000));
  EXPECT_EQ(cl.invocation->top->iterations, 0u);

  cl = parse_command_line(Strings{"stats"}, nullptr, out, err);
  ASSERT_TRUE(cl.invocation.has_value());
  EXPECT_FALSE(cl.invocation->top.has_value());
}

TEST(TaasctlTop, CommandLineErrors) {
  const auto usage = [](const Strings& args) {
    std::ostringstream out, err;
    const CommandLine cl = parse_command_line(args, nullptr, out, err);
    EXPECT_FALSE(cl.invocation.has_value());
    EXPECT_EQ(cl.exit_code, kExitUsage);
    return err.str();
  };
  EXPECT_EQ(usage({"top", "--interval", "0.05"}),
            "taasctl: --interval: expected a number of seconds from 0.1 to 86400, got \"0.05\"\n");
  EXPECT_EQ(usage({"top", "--interval", "1s"}),
            "taasctl: --interval: expected a number of seconds from 0.1 to 86400, got \"1s\"\n");
  EXPECT_EQ(usage({"top", "--iterations", "-1"}),
            "taasctl: --iterations: expected a whole number from 0 to 4294967295, got \"-1\"\n");
  EXPECT_EQ(usage({"top", "-f", "json"}).rfind("taasctl: ", 0), 0u);
}

// ---- the loop against a fake taasd ----------------------------------------------------

std::string ok(const std::string& result) { return R"({"v":1,"id":null,"ok":true,"result":)" + result + "}\n"; }

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// run_top for `args` after "taasctl --socket S --timeout 5", with a clock
/// that advances 2 s per sample from 12:00:00.
Outcome top_with_fake_clock(const std::string& socket, const Strings& args) {
  Strings all{"--socket", socket, "--timeout", "5"};
  all.insert(all.end(), args.begin(), args.end());
  std::ostringstream out, err;
  const CommandLine cl = parse_command_line(all, nullptr, out, err);
  EXPECT_TRUE(cl.invocation.has_value()) << err.str();
  if (!cl.invocation) return {};
  int tick = -1;
  int shown = -1;
  const TopClock clock{[&tick] { return 100.0 + 2.0 * ++tick; },
                       [&shown] { return "2024-05-01 12:00:0" + std::to_string(2 * ++shown); }};
  const int code = run_top(*cl.invocation, out, err, false, clock);
  return {code, out.str(), err.str()};
}

TEST(TaasctlTop, PlainFramesFromTheFakeServer) {
  // Two frames need three samples; frames are separated by one blank line.
  const std::string third =
      stats(4, {port("vm1", 3000, 450000, 1800, 270000, 9, 0), port("mon", 0, 0, 2500, 375000, 0, 14)},
            {service("ts_0", 2500, 375000, 1, 14)}, {flow("tf_0", 700, 105000)});
  FakeServer server({{ok(kFirst)}, {ok(kSecond)}, {ok(third)}});
  const Outcome o = top_with_fake_clock(server.path(), {"top", "--iterations", "2", "--interval", "0.1"});
  EXPECT_EQ(o.exit_code, kExitOk) << o.err;
  EXPECT_EQ(o.err, "");
  std::string first_frame = kSecondFrame;
  first_frame.replace(first_frame.find("/run/taasd/taasd.sock"), 21, server.path());
  const std::string second_frame = "taasctl top  " + server.path() +
                                   "  generation 3 -> 4  2024-05-01 12:00:04  interval 2.00 s\n"
                                   "\n"
                                   "PORT  RX pps  RX Mbit/s  TX pps  TX Mbit/s  drops/s\n"
                                   "vm1      0.0      0.000     0.0      0.000      0.0\n"
                                   "mon      0.0      0.000     0.0      0.000      0.0\n"
                                   "\n"
                                   "TAP SERVICE  copies/s  Mbit/s  drops/s  drop reasons/s\n"
                                   "ts_0              0.0   0.000      0.0\n"
                                   "\n"
                                   "TAP FLOW  copies/s  Mbit/s\n"
                                   "tf_0           0.0   0.000\n"
                                   "\n"
                                   "gone since the last sample: tf_1 (tap flow)\n";
  EXPECT_EQ(o.out, first_frame + "\n" + second_frame);
  EXPECT_EQ(o.out.find('\x1b'), std::string::npos);  // no escape codes off a terminal
  EXPECT_EQ(server.requests(), Strings(3, R"({"v":1,"op":"stats"})"));
}

TEST(TaasctlTop, EndToEndWithTheRealClock) {
  // taasctl_main as main() runs it (plain output: not std::cout). Nothing
  // moves between the two samples, so the rates are 0 whatever the time.
  FakeServer server({{ok(kFirst)}, {ok(kFirst)}});
  const std::string socket = server.path();
  std::vector<const char*> argv{"taasctl", "--socket", socket.c_str(), "top", "--iterations", "1", "--interval", "0.1"};
  std::ostringstream out, err;
  const int code = taasctl_main(static_cast<int>(argv.size()), argv.data(), nullptr, out, err);
  EXPECT_EQ(code, kExitOk) << err.str();
  const std::string text = out.str();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m,
                                std::regex("^taasctl top  (.*)  generation 3  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d"
                                           "  interval (\\d+\\.\\d\\d) s\n")))
      << text;
  EXPECT_EQ(m[1].str(), socket);
  EXPECT_GE(std::stod(m[2].str()), 0.09);  // measured, about the interval
  EXPECT_LT(std::stod(m[2].str()), 5.0);
  EXPECT_EQ(text.substr(m[0].length()),
            "\n"
            "PORT  RX pps  RX Mbit/s  TX pps  TX Mbit/s  drops/s\n"
            "vm1      0.0      0.000     0.0      0.000      0.0\n"
            "mon      0.0      0.000     0.0      0.000      0.0\n"
            "\n"
            "TAP SERVICE  copies/s  Mbit/s  drops/s  drop reasons/s\n"
            "ts_0              0.0   0.000      0.0\n"
            "\n"
            "TAP FLOW  copies/s  Mbit/s\n"
            "tf_0           0.0   0.000\n"
            "tf_1           0.0   0.000\n");
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(TaasctlTop, FailuresStopThePlainView) {
  {
    FakeServer server({{ok(kFirst)}, {R"({"v":1,"id":null,"ok":false,"error":{"code":500,"field":"","message":"boom"}})"
                                      "\n"}});
    const Outcome o = top_with_fake_clock(server.path(), {"top", "--iterations", "3", "--interval", "0.1"});
    EXPECT_EQ(o.exit_code, kExitServerError);
    EXPECT_EQ(o.out, "");
    EXPECT_EQ(o.err, "taasctl: error 500: boom\n");
  }
  {
    FakeServer server({{ok("[]")}});
    const Outcome o = top_with_fake_clock(server.path(), {"top"});
    EXPECT_EQ(o.exit_code, kExitTransport);
    EXPECT_EQ(o.err, "taasctl: unexpected reply: result: expected an object, got an array\n");
  }
  const Outcome o = top_with_fake_clock("/tmp/taasctl-no-such-dir/taasd.sock", {"top"});
  EXPECT_EQ(o.exit_code, kExitTransport);
  EXPECT_EQ(o.err, "taasctl: cannot connect to /tmp/taasctl-no-such-dir/taasd.sock: No such file or directory\n");
}

}  // namespace
}  // namespace taas::ctl::cli
