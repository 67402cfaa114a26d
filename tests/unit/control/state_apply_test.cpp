// DesiredState (issue 4), whole-state changes: from_text, apply and export —
// identities kept across re-applies, fixed sections refused, errors naming
// the applied file, line and field, and nothing changed by a failure.

#include "control/state.hpp"
#include "tests/unit/control/full_intent.hpp"
#include "tests/unit/control/state_fixture.hpp"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "control/intent.hpp"
#include "control/uuid.hpp"

namespace taas::ctl {
namespace {

using namespace state_fixture;  // NOLINT: test fixture
using ::testing::HasSubstr;
using ::testing::Not;

TEST(StateFromText, CompilesGenerationOneAndPinsIdentities) {
  const DesiredState s = load();
  const Snapshot& snap = s.snapshot();
  EXPECT_EQ(snap.generation, 1u);
  EXPECT_EQ(snap.source, "state.yaml");
  ASSERT_EQ(snap.services.size(), 3u);
  ASSERT_EQ(snap.flows.size(), 3u);
  EXPECT_EQ(snap.flows[0].erspan_session_id, kNone);
  EXPECT_EQ(snap.flows[1].erspan_session_id, 1);
  EXPECT_EQ(snap.flows[2].erspan_session_id, 2);

  const Intent& in = s.intent();
  for (std::size_t i = 0; i < in.ports.size(); ++i) {
    EXPECT_TRUE(in.ports[i].id.present) << i;
    EXPECT_EQ(in.ports[i].id.value, snap.ports[i].uuid) << i;
  }
  EXPECT_EQ(in.services[0].id.value, snap.services[0].uuid);
  EXPECT_EQ(in.services[0].port.value, snap.ports[kMon].uuid);
  EXPECT_FALSE(in.services[1].port.present);  // external mode
  EXPECT_EQ(in.flows[2].id.value, snap.flows[2].uuid);
  EXPECT_EQ(in.flows[2].source_port.value, snap.ports[kVm2].uuid);
  EXPECT_EQ(in.flows[2].tap_service.value, snap.services[2].uuid);
  EXPECT_EQ(in.flows[2].source_port.mark.line, kFlowEr2Line);  // positions kept
  EXPECT_FALSE(in.flows[0].erspan_session_id.present);
  EXPECT_TRUE(in.flows[1].erspan_session_id.present);
  EXPECT_EQ(in.flows[1].erspan_session_id.value, 1u);
  EXPECT_EQ(in.underlay.port.value, "uplink");  // fixed sections stay as written

  expect_same_tables(recompiled(s), snap);
}

TEST(StateFromText, FullIntentWithUuidReferences) {
  const DesiredState s = load(test::kFullIntent, "full.yaml");
  EXPECT_EQ(s.snapshot().flows.size(), 6u);
  expect_same_tables(recompiled(s), s.snapshot());
  auto again = compile_intent(s.export_yaml(), "export.yaml");
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  expect_same_tables(again.value(), s.snapshot());
}

TEST(StateFromText, ErrorsCarryCodeFileAndLine) {
  auto bad_yaml = DesiredState::from_text("version: 1\nports: [\n", "bad.yaml");
  ASSERT_FALSE(bad_yaml.ok());
  EXPECT_EQ(bad_yaml.error().code, 400);
  EXPECT_EQ(bad_yaml.error().file, "bad.yaml");
  EXPECT_GT(bad_yaml.error().line, 0);

  auto bad_value = DesiredState::from_text(replaced(kIntent, "workers: 1", "workers: 0"), "s.yaml");
  ASSERT_FALSE(bad_value.ok());
  expect_error(bad_value.error(), 400, "dataplane.workers", "s.yaml", kWorkersLine);

  auto unknown = DesiredState::from_text(replaced(kIntent, "tap_service: ts_er2", "tap_service: ts_x"), "s.yaml");
  ASSERT_FALSE(unknown.ok());
  expect_error(unknown.error(), 404, "tap_flows[2].tap_service", "s.yaml", kFlowEr2Line);

  auto dup = DesiredState::from_text(replaced(kIntent, "name: ts_er2", "name: ts_er1"), "s.yaml");
  ASSERT_FALSE(dup.ok());
  expect_error(dup.error(), 409, "tap_services[2].name", "s.yaml", kTsEr2Line);
}

TEST(StateExport, ApplyOfTheExportRoundTrips) {
  DesiredState s = load();
  // Socket-made changes too: a created service and flow, a rename.
  ASSERT_TRUE(s.create_service(service_args("ts_new", "mon2")).ok());
  ASSERT_TRUE(s.create_flow(flow_args("f_new", "vm2", "ts_new", Direction::kOut)).ok());
  UpdateArgs rename;
  rename.ref = "ts_er1";
  rename.name = "ts_first";
  ASSERT_TRUE(s.update_service(rename).ok());
  const Snapshot before = s.snapshot();
  const std::string exported = s.export_yaml();
  EXPECT_THAT(exported, HasSubstr("# taasd intent export: generation 4, source state.yaml\n"));
  EXPECT_THAT(exported, HasSubstr("tap_service: \"ts_first\""));
  EXPECT_THAT(exported, HasSubstr("erspan_session_id: 2"));

  const auto applied = s.apply(exported, "export.yaml");
  ASSERT_TRUE(applied.ok()) << applied.error().to_string();
  EXPECT_EQ(applied.value(), 5u);
  EXPECT_EQ(s.snapshot().generation, 5u);
  EXPECT_EQ(s.snapshot().source, "export.yaml");
  expect_same_tables(s.snapshot(), before);

  // The export of the re-applied state differs only in its header.
  const std::string again = s.export_yaml();
  EXPECT_EQ(again.substr(again.find('\n')), exported.substr(exported.find('\n')));
}

TEST(StateApply, SameFileTwiceKeepsIdentities) {
  DesiredState s = load();
  const Snapshot first = s.snapshot();
  const auto applied = s.apply(kIntent, "state.yaml");
  ASSERT_TRUE(applied.ok()) << applied.error().to_string();
  EXPECT_EQ(applied.value(), 2u);
  expect_same_tables(s.snapshot(), first);
  ASSERT_TRUE(s.apply(kIntent, "state.yaml").ok());
  EXPECT_EQ(s.snapshot().generation, 3u);
  expect_same_tables(s.snapshot(), first);
}

TEST(StateApply, UuidsFollowNamesAcrossReorderAndAdditions) {
  DesiredState s = load();
  const Snapshot first = s.snapshot();
  const std::string er1 = "  - {name: ts_er1, remote_ip: 198.51.100.7, encap: erspan3}\n";
  const std::string local = "  - {name: ts_local, port: mon}\n";
  const std::string added = "  - {name: ts_mon2, port: mon2, description: added}\n";
  std::string text = replaced(kIntent, local + er1, er1 + added + local);
  text += "  - {name: f_mon2, source_port: vm2, tap_service: ts_mon2, direction: OUT}\n";
  const auto applied = s.apply(text, "v2.yaml");
  ASSERT_TRUE(applied.ok()) << applied.error().to_string();
  const Snapshot& snap = s.snapshot();
  ASSERT_EQ(snap.services.size(), 4u);
  EXPECT_EQ(snap.services[0].uuid, first.services[1].uuid);  // ts_er1
  EXPECT_EQ(snap.services[2].uuid, first.services[0].uuid);  // ts_local
  EXPECT_EQ(snap.services[3].uuid, first.services[2].uuid);  // ts_er2
  EXPECT_EQ(s.find_service("ts_mon2").value(), 1);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(snap.flows[i].uuid, first.flows[i].uuid) << i;
  EXPECT_EQ(snap.flows[0].service, 2);
  EXPECT_TRUE(is_uuid(snap.flows[3].uuid));
  // Sessions are not pinned by apply: the file's defaults, in service order.
  EXPECT_EQ(snap.flows[1].erspan_session_id, 1);
  EXPECT_EQ(snap.flows[2].erspan_session_id, 2);
}

TEST(StateApply, GivenIdsWinOverInheritedOnes) {
  DesiredState s = load();
  const std::string er1 = s.snapshot().services[1].uuid;
  const std::string er2 = s.snapshot().services[2].uuid;
  // ts_er2 claims ts_er1's UUID: ts_er1 must not inherit it as well.
  const std::string text =
      replaced(kIntent, "name: ts_er2,", "name: ts_er2, id: " + er1 + ",");
  const auto applied = s.apply(text, "v2.yaml");
  ASSERT_TRUE(applied.ok()) << applied.error().to_string();
  EXPECT_EQ(s.snapshot().services[2].uuid, er1);
  EXPECT_NE(s.snapshot().services[1].uuid, er1);
  EXPECT_NE(s.snapshot().services[1].uuid, er2);
  EXPECT_TRUE(is_uuid(s.snapshot().services[1].uuid));
}

TEST(StateApply, ReplacesServicesAndFlows) {
  DesiredState s = load();
  const std::string text = kIntent.substr(0, kIntent.find("tap_services:")) +
                           "tap_services:\n  - {name: ts_only, port: mon2}\n"
                           "tap_flows:\n  - {name: f_only, source_port: vm1, tap_service: ts_only, direction: IN}\n";
  const auto applied = s.apply(text, "v2.yaml");
  ASSERT_TRUE(applied.ok()) << applied.error().to_string();
  ASSERT_EQ(s.snapshot().services.size(), 1u);
  ASSERT_EQ(s.snapshot().flows.size(), 1u);
  EXPECT_EQ(s.snapshot().services[0].port, kMon2);
  EXPECT_FALSE(s.snapshot().ports[kMon].service_port);
  EXPECT_TRUE(s.snapshot().sessions.empty());
  EXPECT_THAT(s.export_yaml(), Not(HasSubstr("ts_er1")));
}

struct FixedCase {
  const char* name;
  std::string from, to;
  std::string field;
  int line;
  std::string message;
};

class StateApplyFixed : public ::testing::TestWithParam<FixedCase> {};

TEST_P(StateApplyFixed, IsRefusedNamingTheField) {
  const FixedCase& c = GetParam();
  DesiredState s = load();
  const Before before(s);
  const auto applied = s.apply(replaced(kIntent, c.from, c.to), "new.yaml");
  ASSERT_FALSE(applied.ok());
  expect_error(applied.error(), 409, c.field, "new.yaml", c.line);
  EXPECT_EQ(applied.error().message, c.message);
  before.expect_same(s);
}

const std::string kUplinkLine = "  - {name: uplink, device: d-up, role: uplink}\n";
const std::string kMon2Line = "  - {name: mon2, device: d-mon2, role: monitor}\n";

INSTANTIATE_TEST_SUITE_P(
    Sections, StateApplyFixed,
    ::testing::Values(
        FixedCase{"device", "device: d-vm2", "device: d-vm2x", "ports[1].device", kVm2Line,
                  "changing the ports needs a restart of taasd (running: 'd-vm2', applied: 'd-vm2x')"},
        FixedCase{"role", "name: mon2, device: d-mon2, role: monitor",
                  "name: mon2, device: d-mon2, role: vm, network: net-a", "ports[4].role", kVm2Line + 3,
                  "changing the ports needs a restart of taasd (running: 'monitor', applied: 'vm')"},
        FixedCase{"port_removed", kMon2Line, "", "ports[4]", 0,
                  "changing the ports needs a restart of taasd (running: 'mon2', applied: no entry)"},
        FixedCase{"port_added", kMon2Line, kMon2Line + "  - {name: mon3, device: d-mon3, role: monitor}\n",
                  "ports[5]", kVm2Line + 4,
                  "changing the ports needs a restart of taasd (running: no entry, applied: 'mon3')"},
        FixedCase{"port_order", kUplinkLine + "  - {name: mon, device: d-mon, role: monitor}\n",
                  "  - {name: mon, device: d-mon, role: monitor}\n" + kUplinkLine, "ports[2].name", kVm2Line + 1,
                  "changing the ports needs a restart of taasd (running: 'uplink', applied: 'mon')"},
        FixedCase{"network_vlan", "vlan: 100", "vlan: 101", "networks[0].vlan", kVlanLine,
                  "changing the networks needs a restart of taasd (running: '100', applied: '101')"},
        FixedCase{"workers", "workers: 1", "workers: 2", "dataplane.workers", kWorkersLine,
                  "changing the dataplane section needs a restart of taasd (running: '1', applied: '2')"},
        FixedCase{"burst", "workers: 1", "workers: 1\n  burst: 64", "dataplane.burst", kWorkersLine + 1,
                  "changing the dataplane section needs a restart of taasd (running: '32', applied: '64')"},
        FixedCase{"eal", "workers: 1", "workers: 1\n  eal: [--no-huge]", "dataplane.eal", kWorkersLine + 1,
                  "changing the dataplane section needs a restart of taasd (running: '[]', applied: '[--no-huge]')"},
        FixedCase{"gateway", "gateway: 192.0.2.1", "gateway: 192.0.2.254", "underlay.gateway", kWorkersLine + 4,
                  "changing the underlay needs a restart of taasd (running: '192.0.2.1', applied: '192.0.2.254')"},
        FixedCase{"ttl_added", "gateway: 192.0.2.1", "gateway: 192.0.2.1\n  ttl: 64", "underlay.ttl",
                  kWorkersLine + 5,
                  "changing the underlay needs a restart of taasd (running: not set, applied: '64')"}),
    [](const ::testing::TestParamInfo<FixedCase>& info) { return std::string(info.param.name); });

TEST(StateApply, PortIdChangeMessage) {
  DesiredState s = load();
  const std::string uuid = s.snapshot().ports[kVm1].uuid;
  const auto applied =
      s.apply(replaced(kIntent, "name: vm1,", "name: vm1, id: 3F0E2A1B-9C8D-4E7F-A6B5-C4D3E2F1A0B9,"), "new.yaml");
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().field, "ports[0].id");
  EXPECT_EQ(applied.error().message, "changing the ports needs a restart of taasd (running: '" + uuid +
                                         "', applied: '3f0e2a1b-9c8d-4e7f-a6b5-c4d3e2f1a0b9')");
}

TEST(StateApply, UnchangedFixedSectionsByUuidOrExportAreAccepted) {
  DesiredState s = load();
  // The underlay port named by UUID, the running ports' UUIDs written out.
  std::string text = replaced(kIntent, "port: uplink", "port: " + s.snapshot().ports[kUplink].uuid);
  text = replaced(text, "name: vm2,", "name: vm2, id: " + s.snapshot().ports[kVm2].uuid + ",");
  const auto applied = s.apply(text, "v2.yaml");
  ASSERT_TRUE(applied.ok()) << applied.error().to_string();
  EXPECT_EQ(s.snapshot().underlay.port, kUplink);
}

TEST(StateApply, ErrorsNameTheAppliedFileAndChangeNothing) {
  DesiredState s = load();
  ASSERT_TRUE(s.create_flow(flow_args("f_new", "vm2", "ts_local", Direction::kOut)).ok());
  const Before before(s);

  auto syntax = s.apply("version: 1\ntap_flows: [\n", "new.yaml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().code, 400);
  EXPECT_EQ(syntax.error().file, "new.yaml");
  EXPECT_GT(syntax.error().line, 0);

  auto direction = s.apply(replaced(kIntent, "direction: IN}", "direction: SIDEWAYS}"), "new.yaml");
  ASSERT_FALSE(direction.ok());
  expect_error(direction.error(), 400, "tap_flows[2].direction", "new.yaml", kFlowEr2Line);

  auto service = s.apply(replaced(kIntent, "tap_service: ts_er2", "tap_service: ts_x"), "new.yaml");
  ASSERT_FALSE(service.ok());
  expect_error(service.error(), 404, "tap_flows[2].tap_service", "new.yaml", kFlowEr2Line);

  auto port = s.apply(replaced(kIntent, "source_port: vm2", "source_port: vm9"), "new.yaml");
  ASSERT_FALSE(port.ok());
  expect_error(port.error(), 404, "tap_flows[2].source_port", "new.yaml", kFlowEr2Line);

  auto dup = s.apply(replaced(kIntent, "name: ts_er2", "name: ts_er1"), "new.yaml");
  ASSERT_FALSE(dup.ok());
  expect_error(dup.error(), 409, "tap_services[2].name", "new.yaml", kTsEr2Line);

  auto source = s.apply(replaced(kIntent, "source_port: vm2", "source_port: mon"), "new.yaml");
  ASSERT_FALSE(source.ok());
  expect_error(source.error(), 409, "tap_flows[2].source_port", "new.yaml", kFlowEr2Line);

  // f_er1 gives ts_er1 session 1; f_x wants it for ts_er2 toward the same collector.
  auto session = s.apply(replaced(kIntent, "ts_er1, direction: OUT}", "ts_er1, direction: OUT, erspan_session_id: 1}") +
                             "  - {name: f_x, source_port: vm2, tap_service: ts_er2, direction: OUT, "
                             "erspan_session_id: 1}\n",
                         "new.yaml");
  ASSERT_FALSE(session.ok());
  expect_error(session.error(), 409, "tap_flows[3].erspan_session_id", "new.yaml", kFlowEr2Line + 1);

  before.expect_same(s);
  EXPECT_EQ(s.snapshot().source, "state.yaml");
}

}  // namespace
}  // namespace taas::ctl
