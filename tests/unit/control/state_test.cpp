// DesiredState (issue 4), control-socket changes: create, update, delete and
// find of tap services and flows, the codes and fields of their errors, and
// identities that stay pinned across changes. apply/export: state_apply_test.cpp.

#include "control/state.hpp"
#include "tests/unit/control/state_fixture.hpp"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "control/uuid.hpp"

namespace taas::ctl {
namespace {

using namespace state_fixture;  // NOLINT: test fixture
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kGivenUuid = "3f0e2a1b-9c8d-4e7f-a6b5-c4d3e2f1a0b9";

TEST(StateFind, NamesFirstThenUuidInAnyCase) {
  const DesiredState s = load();
  EXPECT_EQ(s.find_service("ts_er2").value(), 2);
  EXPECT_EQ(s.find_flow("f_er1").value(), 1);
  EXPECT_EQ(s.find_port("mon2").value(), kMon2);

  std::string upper = s.snapshot().services[1].uuid;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(s.find_service(upper).value(), 1);
  EXPECT_EQ(s.find_flow(s.snapshot().flows[2].uuid).value(), 2);
  EXPECT_EQ(s.find_port(s.snapshot().ports[kVm2].uuid).value(), kVm2);

  const auto missing = s.find_service("nope");
  ASSERT_FALSE(missing.ok());
  expect_error(missing.error(), 404, "args.ref");
  EXPECT_THAT(missing.error().message, HasSubstr("'nope'"));
  expect_error(s.find_flow(kGivenUuid, "args.tap_flow").error(), 404, "args.tap_flow");
  expect_error(s.find_port("ts_local").error(), 404, "args.ref");  // a service, not a port
}

TEST(StateFind, ANameThatIsAnotherEntitysUuidIsRefused) {
  DesiredState s = load();
  const Before before(s);
  // Names are matched before UUIDs: such a name would take over ts_er1's
  // (UUID-pinned) flows.
  const std::string er1_uuid = s.snapshot().services[1].uuid;
  auto created = s.create_service(service_args(er1_uuid, "mon2"));
  ASSERT_FALSE(created.ok());
  expect_error(created.error(), 409, "args.name");
  EXPECT_THAT(created.error().message, HasSubstr("is the id of tap service 'ts_er1' (tap_services[1])"));
  UpdateArgs rename;
  rename.ref = "f_local";
  rename.name = s.snapshot().flows[2].uuid;
  expect_error(s.update_flow(rename).error(), 409, "args.name");
  before.expect_same(s);
  // Its own UUID as a name is fine.
  rename.name = s.snapshot().flows[0].uuid;
  ASSERT_TRUE(s.update_flow(rename).ok());
  EXPECT_EQ(s.find_flow(*rename.name).value(), 0);
}

TEST(StateCreate, ServiceIsAppendedWithANewUuid) {
  DesiredState s = load();
  ServiceCreateArgs args = service_args("ts_new", "mon2");
  args.description = "new one";
  const std::string ts_local = s.snapshot().services[0].uuid, f_er1 = s.snapshot().flows[1].uuid;
  const auto created = s.create_service(args);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  EXPECT_EQ(created.value(), 3);
  EXPECT_EQ(s.snapshot().generation, 2u);
  const ServiceEntry& e = s.snapshot().services.at(3);
  EXPECT_EQ(e.name, "ts_new");
  EXPECT_EQ(e.description, "new one");
  EXPECT_EQ(e.port, kMon2);
  EXPECT_TRUE(is_uuid(e.uuid));
  EXPECT_EQ(e.uuid, normalize_uuid(e.uuid));
  EXPECT_TRUE(s.snapshot().ports[kMon2].service_port);
  EXPECT_EQ(s.find_service("ts_local").value(), 0);
  EXPECT_EQ(s.snapshot().services[0].uuid, ts_local);  // earlier entities keep their UUIDs
  EXPECT_EQ(s.snapshot().flows[1].uuid, f_er1);

  // Pinned: the intent carries the UUID and references the port by UUID.
  const ServiceIntent& pinned = s.intent().services.at(3);
  EXPECT_TRUE(pinned.id.present);
  EXPECT_EQ(pinned.id.value, e.uuid);
  EXPECT_EQ(pinned.port.value, s.snapshot().ports[kMon2].uuid);
  EXPECT_EQ(pinned.mark.line, 0);
  expect_same_tables(recompiled(s), s.snapshot());
}

TEST(StateCreate, ServiceWithAGivenIdAndRemoteMode) {
  DesiredState s = load();
  ServiceCreateArgs args = service_args("ts_vx", std::nullopt);
  args.id = kGivenUuid;
  args.remote_ip = "198.51.100.9";
  args.encap = Encap::kVxlan;
  args.vni = 5000;
  const auto created = s.create_service(args);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  const ServiceEntry& e = s.snapshot().services.at(created.value());
  EXPECT_EQ(e.uuid, kGivenUuid);
  EXPECT_EQ(e.encap, Encap::kVxlan);
  EXPECT_EQ(e.vni, 5000u);
  EXPECT_EQ(e.port, kUplink);  // external mode leaves on the underlay port
  EXPECT_FALSE(s.intent().services.back().port.present);
}

TEST(StateCreate, ServiceErrorsNameTheArgsAndChangeNothing) {
  DesiredState s = load();
  const Before before(s);

  auto dup = s.create_service(service_args("ts_er1", "mon2"));
  ASSERT_FALSE(dup.ok());
  expect_error(dup.error(), 409, "args.name");
  EXPECT_THAT(dup.error().message, HasSubstr("already used by tap_services[1]"));

  expect_error(s.create_service(service_args("ts_x", "mon9")).error(), 404, "args.port");
  expect_error(s.create_service(service_args("ts_x", "vm2")).error(), 409, "args.port");  // not a monitor

  ServiceCreateArgs taken = service_args("ts_x", "mon2");
  taken.id = s.snapshot().flows[1].uuid;  // a flow's UUID
  auto conflict = s.create_service(taken);
  ASSERT_FALSE(conflict.ok());
  expect_error(conflict.error(), 409, "args.id");
  EXPECT_THAT(conflict.error().message, HasSubstr("tap flow 'f_er1'"));
  taken.id = s.snapshot().services[0].uuid;
  expect_error(s.create_service(taken).error(), 409, "args.id");

  ServiceCreateArgs remote = service_args("ts_x", std::nullopt);
  remote.remote_ip = "198.51.100.9";  // no encap
  expect_error(s.create_service(remote).error(), 409, "args.encap");
  remote.encap = Encap::kErspan3;
  remote.vni = 7;
  expect_error(s.create_service(remote).error(), 409, "args.vni");

  before.expect_same(s);
}

TEST(StateCreate, FlowIsAppendedAndMirrored) {
  DesiredState s = load();
  FlowCreateArgs args = flow_args("f_new", "vm2", "ts_local", Direction::kOut);
  args.description = "vm2 out";
  args.vlan_filter = "100, 200-300";
  const auto created = s.create_flow(args);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  EXPECT_EQ(created.value(), 3);
  EXPECT_EQ(s.snapshot().generation, 2u);
  const FlowEntry& f = s.snapshot().flows.at(3);
  EXPECT_EQ(f.name, "f_new");
  EXPECT_EQ(f.description, "vm2 out");
  EXPECT_EQ(f.source_port, kVm2);
  EXPECT_EQ(f.service, 0);
  EXPECT_EQ(f.direction, Direction::kOut);
  EXPECT_EQ(f.vlan_filter, "100, 200-300");
  EXPECT_EQ(f.erspan_session_id, kNone);
  EXPECT_TRUE(is_uuid(f.uuid));
  EXPECT_THAT(targets(s.snapshot().mirror_out[kVm2]), ElementsAre(Target{0, 3, kMon, kNone}));

  const FlowIntent& pinned = s.intent().flows.at(3);
  EXPECT_TRUE(pinned.vlans.test(100));
  EXPECT_TRUE(pinned.vlans.test(250));
  EXPECT_FALSE(pinned.vlans.test(101));
  EXPECT_EQ(pinned.source_port.value, s.snapshot().ports[kVm2].uuid);
  EXPECT_EQ(pinned.tap_service.value, s.snapshot().services[0].uuid);
  expect_same_tables(recompiled(s), s.snapshot());
}

TEST(StateCreate, FlowWithAVlanFilterGetsAPerFrameFilter) {
  DesiredState s = load();
  FlowCreateArgs args = flow_args("f_vlan", "vm2", "ts_local", Direction::kIn);
  args.vlan_filter = "200";  // vm2 is on VLAN 100: the worker copies only frames tagged 200
  ASSERT_TRUE(s.create_flow(args).ok());
  const Snapshot& snap = s.snapshot();
  EXPECT_EQ(snap.flows.size(), 4u);
  const auto& in = snap.mirror_in[kVm2];
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[1].flow, 3u);
  ASSERT_LT(in[1].filter, snap.vlan_filters.size());
  EXPECT_TRUE(snap.vlan_filters[in[1].filter].test(200));
  EXPECT_EQ(snap.vlan_filters[in[1].filter].count(), 1u);
  EXPECT_EQ(snap.flows[3].vlan_filter, "200");
}

TEST(StateCreate, FlowIntoAnErspanServiceJoinsItsSession) {
  DesiredState s = load();
  ASSERT_EQ(s.snapshot().flows[1].erspan_session_id, 1);
  ASSERT_EQ(s.snapshot().flows[2].erspan_session_id, 2);
  const auto created = s.create_flow(flow_args("f_er1_in", "vm2", "ts_er1", Direction::kIn));
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  EXPECT_EQ(s.snapshot().flows[created.value()].erspan_session_id, 1);
  EXPECT_EQ(s.snapshot().sessions.size(), 2u);

  FlowCreateArgs own = flow_args("f_er1_own", "vm2", "ts_er1", Direction::kOut);
  own.erspan_session_id = 9;
  const auto given = s.create_flow(own);
  ASSERT_TRUE(given.ok()) << given.error().to_string();
  EXPECT_EQ(s.snapshot().flows[given.value()].erspan_session_id, 9);
  EXPECT_EQ(s.snapshot().sessions.size(), 3u);
}

TEST(StateCreate, FlowWithAGivenId) {
  DesiredState s = load();
  FlowCreateArgs args = flow_args("f_id", "vm2", "ts_local", Direction::kBoth);
  args.id = kGivenUuid;
  ASSERT_TRUE(s.create_flow(args).ok());
  EXPECT_EQ(s.snapshot().flows.back().uuid, kGivenUuid);
  EXPECT_EQ(s.find_flow(kGivenUuid).value(), 3);

  FlowCreateArgs again = flow_args("f_id2", "vm1", "ts_er2", Direction::kBoth);
  again.id = kGivenUuid;
  expect_error(s.create_flow(again).error(), 409, "args.id");
  again.id = s.snapshot().services[2].uuid;  // a service's UUID
  expect_error(s.create_flow(again).error(), 409, "args.id");
}

TEST(StateCreate, FlowErrorsNameTheArgsAndChangeNothing) {
  DesiredState s = load();
  const Before before(s);

  auto unknown_service = s.create_flow(flow_args("f_x", "vm2", "ts_nope", Direction::kIn));
  ASSERT_FALSE(unknown_service.ok());
  expect_error(unknown_service.error(), 404, "args.tap_service");
  EXPECT_THAT(unknown_service.error().message, HasSubstr("'ts_nope'"));
  expect_error(s.create_flow(flow_args("f_x", "vm9", "ts_local", Direction::kIn)).error(), 404,
               "args.source_port");

  auto service_port = s.create_flow(flow_args("f_x", "mon", "ts_er1", Direction::kIn));
  ASSERT_FALSE(service_port.ok());
  expect_error(service_port.error(), 409, "args.source_port");
  EXPECT_THAT(service_port.error().message, HasSubstr("destination of tap service 'ts_local'"));
  expect_error(s.create_flow(flow_args("f_x", "uplink", "ts_local", Direction::kIn)).error(), 409,
               "args.source_port");

  expect_error(s.create_flow(flow_args("f_er2", "vm1", "ts_local", Direction::kIn)).error(), 409, "args.name");

  // Same source, service and an overlapping direction as f_local.
  auto conflict = s.create_flow(flow_args("f_x", "vm1", "ts_local", Direction::kIn));
  ASSERT_FALSE(conflict.ok());
  expect_error(conflict.error(), 409, "args");
  EXPECT_THAT(conflict.error().message, HasSubstr("conflicts with tap flow 'f_local'"));

  FlowCreateArgs session = flow_args("f_x", "vm2", "ts_local", Direction::kIn);
  session.erspan_session_id = 5;  // not an ERSPAN service
  expect_error(s.create_flow(session).error(), 409, "args.erspan_session_id");
  session = flow_args("f_x", "vm1", "ts_er1", Direction::kIn);
  session.erspan_session_id = 2;  // ts_er2's session toward the same collector
  expect_error(s.create_flow(session).error(), 409, "args.erspan_session_id");

  FlowCreateArgs vlans = flow_args("f_x", "vm2", "ts_local", Direction::kIn);
  vlans.vlan_filter = "5000";
  expect_error(s.create_flow(vlans).error(), 400, "args.vlan_filter");

  before.expect_same(s);
}

TEST(StateUpdate, RenameServiceKeepsItsFlows) {
  DesiredState s = load();
  UpdateArgs args;
  args.ref = "ts_er1";
  args.name = "ts_renamed";
  args.description = "renamed";
  const std::string uuid = s.snapshot().services[1].uuid;
  const auto updated = s.update_service(args);
  ASSERT_TRUE(updated.ok()) << updated.error().to_string();
  EXPECT_EQ(updated.value(), 1);
  EXPECT_EQ(s.snapshot().generation, 2u);
  EXPECT_EQ(s.snapshot().services[1].name, "ts_renamed");
  EXPECT_EQ(s.snapshot().services[1].description, "renamed");
  EXPECT_EQ(s.snapshot().services[1].uuid, uuid);
  EXPECT_EQ(s.snapshot().flows[1].service, 1);  // f_er1 still feeds it
  EXPECT_EQ(s.snapshot().flows[1].erspan_session_id, 1);
  EXPECT_FALSE(s.find_service("ts_er1").ok());
  EXPECT_THAT(s.export_yaml(), HasSubstr("tap_service: \"ts_renamed\""));

  // By UUID, description only.
  UpdateArgs by_uuid;
  by_uuid.ref = uuid;
  by_uuid.description = "";
  ASSERT_TRUE(s.update_service(by_uuid).ok());
  EXPECT_EQ(s.snapshot().services[1].name, "ts_renamed");
  EXPECT_EQ(s.snapshot().services[1].description, "");
  EXPECT_EQ(s.snapshot().generation, 3u);
  expect_same_tables(recompiled(s), s.snapshot());
}

TEST(StateUpdate, ErrorsAndOtherEntitiesKeepTheirField) {
  DesiredState s = load();
  const Before before(s);
  UpdateArgs args;
  args.ref = "ts_nope";
  args.name = "x";
  expect_error(s.update_service(args).error(), 404, "args.ref");
  expect_error(s.update_flow(args).error(), 404, "args.ref");

  args.ref = "ts_er2";
  args.name = "ts_local";  // taken by an earlier service: named as ours
  expect_error(s.update_service(args).error(), 409, "args.name");

  // Taken by a later service: the validator names that one, in the file.
  args.ref = "ts_local";
  args.name = "ts_er1";
  auto later = s.update_service(args);
  ASSERT_FALSE(later.ok());
  expect_error(later.error(), 409, "tap_services[1].name", "state.yaml", 18);

  args.ref = "f_local";
  args.name = "f_er1";
  expect_error(s.update_flow(args).error(), 409, "tap_flows[1].name", "state.yaml", 22);
  before.expect_same(s);
}

TEST(StateUpdate, RenameFlow) {
  DesiredState s = load();
  UpdateArgs args;
  args.ref = s.snapshot().flows[2].uuid;
  args.name = "f_two";
  const auto updated = s.update_flow(args);
  ASSERT_TRUE(updated.ok()) << updated.error().to_string();
  EXPECT_EQ(updated.value(), 2);
  EXPECT_EQ(s.snapshot().flows[2].name, "f_two");
  EXPECT_EQ(s.snapshot().flows[2].uuid, args.ref);
  EXPECT_EQ(s.snapshot().flows[2].erspan_session_id, 2);
  EXPECT_EQ(s.snapshot().generation, 2u);
  EXPECT_EQ(s.find_flow("f_two").value(), 2);
}

TEST(StateDelete, ServiceCascadesToItsFlows) {
  DesiredState s = load();
  ASSERT_TRUE(s.create_flow(flow_args("f_local2", "vm2", "ts_local", Direction::kIn)).ok());
  const std::string f0 = s.snapshot().flows[0].uuid, f3 = s.snapshot().flows[3].uuid;
  const std::string er2 = s.snapshot().services[2].uuid;
  RefArgs ref{"ts_local"};
  const auto deleted = s.delete_service(ref);
  ASSERT_TRUE(deleted.ok()) << deleted.error().to_string();
  EXPECT_THAT(deleted.value(), ElementsAre(f0, f3));
  EXPECT_EQ(s.snapshot().generation, 3u);
  ASSERT_EQ(s.snapshot().services.size(), 2u);
  EXPECT_EQ(s.snapshot().services[0].name, "ts_er1");
  EXPECT_EQ(s.snapshot().services[1].uuid, er2);
  ASSERT_EQ(s.snapshot().flows.size(), 2u);
  EXPECT_EQ(s.snapshot().flows[0].name, "f_er1");
  EXPECT_EQ(s.snapshot().flows[0].service, 0);
  EXPECT_EQ(s.snapshot().flows[1].service, 1);
  EXPECT_FALSE(s.snapshot().ports[kMon].service_port);
  EXPECT_THAT(s.snapshot().mirror_in[kVm1], IsEmpty());

  const std::string f_er2 = s.snapshot().flows[1].uuid;
  const auto last = s.delete_service(RefArgs{"ts_er2"});
  ASSERT_TRUE(last.ok());
  EXPECT_THAT(last.value(), ElementsAre(f_er2));
  EXPECT_EQ(s.snapshot().generation, 4u);

  // A service no flow feeds.
  ASSERT_TRUE(s.create_service(service_args("ts_idle", "mon")).ok());
  const auto idle = s.delete_service(RefArgs{"ts_idle"});
  ASSERT_TRUE(idle.ok());
  EXPECT_THAT(idle.value(), IsEmpty());
  EXPECT_EQ(s.snapshot().generation, 6u);
}

TEST(StateDelete, AnErspanServiceDoesNotRenumberAnothersSessions) {
  DesiredState s = load();
  ASSERT_EQ(s.snapshot().flows[2].erspan_session_id, 2);
  ASSERT_TRUE(s.delete_service(RefArgs{"ts_er1"}).ok());
  ASSERT_EQ(s.snapshot().flows.size(), 2u);
  EXPECT_EQ(s.snapshot().flows[1].name, "f_er2");
  EXPECT_EQ(s.snapshot().flows[1].erspan_session_id, 2);  // a fresh compile would give 1
  ASSERT_EQ(s.snapshot().sessions.size(), 1u);
  EXPECT_EQ(s.snapshot().sessions[0].session_id, 2);
  EXPECT_EQ(s.snapshot().sessions[0].service, 1);

  // A new ERSPAN service toward the collector takes a free id, not 2.
  ServiceCreateArgs er = service_args("ts_er3", std::nullopt);
  er.remote_ip = "198.51.100.7";
  er.encap = Encap::kErspan2;
  ASSERT_TRUE(s.create_service(er).ok());
  const auto flow = s.create_flow(flow_args("f_er3", "vm1", "ts_er3", Direction::kBoth));
  ASSERT_TRUE(flow.ok()) << flow.error().to_string();
  EXPECT_EQ(s.snapshot().flows[flow.value()].erspan_session_id, 1);
  EXPECT_EQ(s.snapshot().flows[1].erspan_session_id, 2);
}

TEST(StateDelete, FlowReturnsItsUuid) {
  DesiredState s = load();
  const std::string uuid = s.snapshot().flows[1].uuid;
  const auto deleted = s.delete_flow(RefArgs{"f_er1"});
  ASSERT_TRUE(deleted.ok()) << deleted.error().to_string();
  EXPECT_EQ(deleted.value(), uuid);
  EXPECT_EQ(s.snapshot().generation, 2u);
  ASSERT_EQ(s.snapshot().flows.size(), 2u);
  EXPECT_EQ(s.snapshot().flows[1].name, "f_er2");
  EXPECT_EQ(s.snapshot().flows[1].erspan_session_id, 2);
  EXPECT_THAT(targets(s.snapshot().mirror_out[kVm1]), ElementsAre(Target{0, 0, kMon, kNone}));
  EXPECT_EQ(s.snapshot().services.size(), 3u);            // the service stays
}

TEST(StateDelete, UnknownRefIs404AndChangesNothing) {
  DesiredState s = load();
  const Before before(s);
  expect_error(s.delete_flow(RefArgs{"f_nope"}).error(), 404, "args.ref");
  expect_error(s.delete_service(RefArgs{kGivenUuid}).error(), 404, "args.ref");
  before.expect_same(s);
}

}  // namespace
}  // namespace taas::ctl
