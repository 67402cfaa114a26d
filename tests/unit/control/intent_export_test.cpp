// export_intent: the exported YAML compiles, to the same snapshot, and
// exporting that again gives the same text (issue 4 `export`).

#include "control/intent_export.hpp"
#include "tests/unit/control/full_intent.hpp"
#include "tests/unit/control/snapshot_compare.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "control/intent.hpp"
#include "control/intent_model.hpp"

namespace taas::ctl {
namespace {

namespace fs = std::filesystem;

struct Compiled {
  Intent intent;
  Snapshot snap;
};

/// parse + validate + compile, keeping the Intent for export_intent.
Compiled compile_model(const std::string& yaml, const std::string& file) {
  auto intent = parse_intent(yaml, file);
  EXPECT_TRUE(intent.ok()) << intent.error().to_string();
  if (!intent.ok()) return {};
  auto resolution = validate_intent(intent.value());
  EXPECT_TRUE(resolution.ok()) << resolution.error().to_string();
  if (!resolution.ok()) return {};
  Snapshot snap = compile_snapshot(intent.value(), resolution.value());
  return {std::move(intent).value(), std::move(snap)};
}

/// The three checks: the export compiles (through the public entry point),
/// to the same snapshot, and exporting that gives the same text.
void expect_round_trip(const std::string& yaml) {
  const Compiled original = compile_model(yaml, "intent.yaml");
  if (::testing::Test::HasFailure()) return;
  const std::string exported = export_intent(original.intent, original.snap);
  SCOPED_TRACE("exported:\n" + exported);
  auto recompiled = compile_intent(exported, "intent.yaml");
  ASSERT_TRUE(recompiled.ok()) << recompiled.error().to_string();
  expect_same(original.snap, recompiled.value());
  const Compiled again = compile_model(exported, "intent.yaml");
  EXPECT_EQ(export_intent(again.intent, again.snap), exported);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// tests/e2e of the source tree. __FILE__ is relative to the build directory
/// under meson, so it is tried against every ancestor of the executable.
fs::path e2e_dir() {
  const fs::path self(__FILE__);
  const fs::path relative = fs::path("..") / ".." / "e2e";  // from tests/unit/control
  if (self.is_absolute()) return self.parent_path() / relative;
  std::error_code ec;
  for (fs::path dir = fs::read_symlink("/proc/self/exe", ec).parent_path(); !ec && dir.has_relative_path();
       dir = dir.parent_path()) {
    if (fs::exists(dir / self)) return (dir / self).parent_path() / relative;
  }
  return fs::current_path() / self.parent_path() / relative;
}

TEST(IntentExport, E2eIntentsRoundTrip) {
  const fs::path dir = e2e_dir();
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (fs::exists(entry.path() / "intent.yaml") && !fs::exists(entry.path() / "expect-error.json")) {
      cases.push_back(entry.path());
    }
  }
  ASSERT_GE(cases.size(), 15u) << "valid e2e cases under " << dir;
  for (const fs::path& c : cases) {
    SCOPED_TRACE(c.filename().string());
    expect_round_trip(read_text(c / "intent.yaml"));
  }
}

using test::kFullIntent;

TEST(IntentExport, FullIntentRoundTrips) { expect_round_trip(kFullIntent); }

// Every remote mode and option: external ERSPAN II/III and VXLAN over IPv4
// and IPv6, internal mode, a tagged underlay, assigned and given session ids.
const std::string kRemoteIntent = R"(version: 1
underlay:
  port: uplink
  address: 192.0.2.10/24
  address6: 2001:db8::10/64
  gateway: 192.0.2.1
  gateway6: fe80::1
  ttl: 17
  dscp: 46
  mtu: 9000
  vlan: 300
  neighbor_refresh: 120
networks:
  - {name: tenant-a, vlan: 100}
ports:
  - {name: vm1, device: "net_ring0", role: vm, network: tenant-a}
  - {name: vm2, device: "net_ring1", role: vm, network: tenant-a}
  - {name: uplink, device: "net_ring2", role: uplink}
  - {name: mon1, device: "net_null0", role: monitor}
tap_services:
  - {name: e2, remote_ip: 198.51.100.7, encap: erspan2, erspan: {index: 7}}
  - name: e3
    remote_ip: "2001:db8:100::7"
    encap: erspan3
    erspan: {index: 1000000, hwid: 63, granularity: 100ns, platform_subheader: true, platform_id: 7}
  - {name: e3b, remote_ip: 198.51.100.7, encap: erspan3, erspan: {granularity: 100us, platform_subheader: false}}
  - {name: vx, remote_ip: 203.0.113.9, encap: vxlan, vni: 5000, udp_port: 8472}
  - {name: vx6, remote_ip: "2001:db8:200::9", encap: vxlan, vni: 0}
  - {name: int, port: mon1, remote_ip: 198.51.100.9, remote_mac: 02:00:00:00:00:0a, encap: erspan3, erspan: {}}
tap_flows:
  - {name: f0, source_port: vm1, tap_service: e2, direction: BOTH}
  - {name: f1, source_port: vm2, tap_service: e2, direction: IN, vlan_filter: "100"}
  - {name: f2, source_port: vm1, tap_service: e3, direction: OUT, erspan_session_id: 1023}
  - {name: f3, source_port: vm2, tap_service: e3b, direction: BOTH}
  - {name: f4, source_port: vm1, tap_service: vx, direction: IN, vlan_filter: "1-99"}
  - {name: f5, source_port: vm2, tap_service: vx6, direction: OUT}
  - {name: f6, source_port: vm1, tap_service: int, direction: BOTH, erspan_session_id: 0}
  - {name: f7, source_port: vm2, tap_service: int, direction: IN}
)";

TEST(IntentExport, RemoteModesRoundTrip) { expect_round_trip(kRemoteIntent); }

TEST(IntentExport, PinsAssignedSessionIds) {
  const Compiled c = compile_model(kRemoteIntent, "intent.yaml");
  ASSERT_FALSE(::testing::Test::HasFailure());
  ASSERT_NE(c.snap.flows[0].erspan_session_id, kNone);
  ASSERT_FALSE(c.intent.flows[0].erspan_session_id.present);
  const std::string exported = export_intent(c.intent, c.snap);
  const Compiled again = compile_model(exported, "intent.yaml");
  ASSERT_FALSE(::testing::Test::HasFailure());
  ASSERT_EQ(again.intent.flows.size(), c.intent.flows.size());
  for (std::size_t i = 0; i < c.snap.flows.size(); ++i) {
    SCOPED_TRACE("flows[" + std::to_string(i) + "]");
    const bool erspan = c.snap.flows[i].erspan_session_id != kNone;
    EXPECT_EQ(again.intent.flows[i].erspan_session_id.present, erspan);
    if (erspan) {
      EXPECT_EQ(again.intent.flows[i].erspan_session_id.value, c.snap.flows[i].erspan_session_id);
    }
  }
}

// Strings a naive writer would break: YAML indicators, quotes, escapes,
// words YAML reads as other types, unicode and line breaks.
const std::string kAwkwardIntent = R"(version: 1
dataplane:
  eal: ["--vdev=net_ring0,x=\"#\"", "- dash", "key: value", "", "yes"]
networks:
  - {name: "null", vlan: 10}
  - {name: "#not a comment", vlan: 20}
ports:
  - {name: "vm: one", device: "net_ring0 # not a comment", role: vm, network: "null"}
  - {name: "~", device: "'single' \"double\"", role: vm, network: "#not a comment"}
  - {name: "true", device: "\\\\back\\slash\\", role: monitor}
  - {name: "  spaced  ", device: "[x]{y}&z*!|>%@`", role: monitor}
tap_services:
  - name: "ts \"quoted\": #1"
    description: "colon: hash # quote \" apostrophe ' backslash \\ tab\tend"
    port: "true"
  - name: "ünïcödé ✓ 服务"
    description: "line one\nline two\r\n\u2028sep\u2029para\x85nel\u00a0nbsp \U0001F600 \x01\x7f"
    port: "  spaced  "
  - {name: "1234", description: "", port: "true"}
tap_flows:
  - name: "- flow"
    description: |
      a literal block
      with "quotes": and # hashes
    source_port: "vm: one"
    tap_service: "ts \"quoted\": #1"
    direction: both
  - {name: "0x10", description: "  leading and trailing  ", source_port: "~", tap_service: "ünïcödé ✓ 服务", direction: IN, vlan_filter: " 10 , 20-30 "}
  - {name: "null", source_port: "~", tap_service: "1234", direction: OUT, vlan_filter: "4095"}
)";

TEST(IntentExport, AwkwardStringsRoundTrip) { expect_round_trip(kAwkwardIntent); }

TEST(IntentExport, MinimalIntentRoundTrips) {
  expect_round_trip("version: 1\n");
  expect_round_trip("version: 1\nports:\n  - {name: mon, device: net_null0, role: monitor}\n");
  expect_round_trip(R"(version: 1
underlay: {port: uplink}
ports: [{name: uplink, device: net_null0, role: uplink}]
)");
}

TEST(IntentExport, LayoutFollowsDesign) {
  const Compiled c = compile_model(kFullIntent, "/etc/taas/intent.yaml");
  const std::string text = export_intent(c.intent, c.snap);
  EXPECT_EQ(text.rfind("# taasd intent export: generation 1, source /etc/taas/intent.yaml\nversion: 1\n", 0), 0u)
      << text;
  std::size_t at = 0;
  for (const char* section : {"\ndataplane:\n", "\nunderlay:\n", "\nnetworks:\n", "\nports:\n",
                              "\ntap_services:\n", "\ntap_flows:\n"}) {
    const std::size_t found = text.find(section);
    ASSERT_NE(found, std::string::npos) << section;
    EXPECT_GT(found, at) << section << " out of order";
    at = found;
  }
  // Generated UUIDs are written; directions and encaps as words; defaults
  // not written; references as names.
  EXPECT_NE(text.find("  - name: \"vm2\"\n    id: \"" + c.snap.ports[2].uuid + "\"\n"), std::string::npos);
  EXPECT_NE(text.find("    id: \"" + c.snap.flows[5].uuid + "\"\n"), std::string::npos);
  EXPECT_NE(text.find("    direction: BOTH\n"), std::string::npos);
  EXPECT_NE(text.find("    encap: none\n"), std::string::npos);
  EXPECT_NE(text.find("    port: \"mon2\"\n"), std::string::npos);
  EXPECT_NE(text.find("    tap_service: \"ts1\"\n"), std::string::npos);
  EXPECT_EQ(text.find("erspan_session_id"), std::string::npos);
  EXPECT_EQ(text.find("ttl: 64\n"), text.find("  ttl: 64\n") + 2);
  const Compiled minimal = compile_model("version: 1\n", "m.yaml");
  EXPECT_EQ(export_intent(minimal.intent, minimal.snap),
            "# taasd intent export: generation 1, source m.yaml\nversion: 1\ndataplane:\n  workers: 1\n"
            "networks: []\nports: []\ntap_services: []\ntap_flows: []\n");
}

TEST(IntentExport, HeaderCommentCannotBreakOut) {
  const Compiled c = compile_model("version: 1\n", "evil\nversion: 2\n#");
  const std::string text = export_intent(c.intent, c.snap);
  EXPECT_EQ(text.find("\nversion: 2"), std::string::npos) << text;
  EXPECT_TRUE(compile_intent(text, "x").ok());
}

TEST(IntentExport, QuoteEscapes) {
  EXPECT_EQ(yaml_quote(""), "\"\"");
  EXPECT_EQ(yaml_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(yaml_quote("l1\nl2\tx\r\x01\x7f"), "\"l1\\nl2\\tx\\r\\x01\\x7F\"");
  EXPECT_EQ(yaml_quote("\xc2\x85|\xe2\x80\xa8|\xe2\x80\xa9|\xef\xbb\xbf"), "\"\\u0085|\\L|\\P|\\uFEFF\"");
  EXPECT_EQ(yaml_quote("\xc2\x80\xc2\x9f\xc2\xa0"), "\"\\u0080\\u009F\xc2\xa0\"");
  EXPECT_EQ(yaml_quote("ü ✓ # :"), "\"ü ✓ # :\"");
}

// Found by fuzz_intent (tests/fuzz/regressions/fuzz_intent/export-invalid-utf8-*):
// a UTF-8 lead byte followed by a byte that does not continue it was taken
// as one sequence with that byte, so the byte escaped its escaping (a quote
// after 0xc2 ended the scalar) or, below 0xa0, was read as a C1 control and
// the lead byte was lost ("\xc2i" became "\u0069"). The parser keeps such
// bytes as they are; the export must too.
TEST(IntentExport, QuoteKeepsBytesOfInvalidUtf8) {
  EXPECT_EQ(yaml_quote("a\xc2\"b"), "\"a\xc2\\\"b\"");
  EXPECT_EQ(yaml_quote("\xc2" "i"), "\"\xc2" "i\"");
  EXPECT_EQ(yaml_quote("\xe2\x80\\"), "\"\xe2\x80\\\\\"");
  EXPECT_EQ(yaml_quote("\xf0\x9f\n"), "\"\xf0\x9f\\n\"");
  expect_round_trip("version: 1\nnetworks:\n  - {name: \"a\xc2\\\"b\", vlan: 5}\n"
                    "  - {name: \"rx_p\x9d\x9e\x8f\xc2" "in\", vlan: 6}\n");
}

// The comparison helper must notice a difference in each kind of table.
TEST(IntentExport, ComparisonDetectsDifferences) {
  const Compiled c = compile_model(kRemoteIntent, "intent.yaml");
  ASSERT_FALSE(::testing::Test::HasFailure());
  auto differs = [&](auto&& mutate) {
    Snapshot other = c.snap;
    mutate(other);
    EXPECT_NONFATAL_FAILURE(expect_same(c.snap, other), "");
  };
  differs([](Snapshot& s) { s.ports[0].uuid = "x"; });
  differs([](Snapshot& s) { s.services[3].vni = 1; });
  differs([](Snapshot& s) { s.services[0].description = "d"; });
  differs([](Snapshot& s) { s.flows[1].direction = Direction::kOut; });
  differs([](Snapshot& s) { s.flows[0].erspan_session_id = 9; });
  differs([](Snapshot& s) { s.flows[4].vlan_filter = "1"; });
  differs([](Snapshot& s) { s.mirror_in[1][0].encap = 0; });
  differs([](Snapshot& s) { s.underlay.mtu = 1500; });
  differs([](Snapshot& s) { s.neighbors[0].ip[3] ^= 1; });
  differs([](Snapshot& s) { s.local_addresses[0].vlan = 0; });
  differs([](Snapshot& s) { s.encaps[0].tmpl.bytes[20] ^= 1; });
  differs([](Snapshot& s) { s.sessions[0].session_id ^= 1; });
  differs([](Snapshot& s) { s.params.burst = 7; });
}

}  // namespace
}  // namespace taas::ctl
