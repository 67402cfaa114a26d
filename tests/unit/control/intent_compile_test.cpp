// Valid intents compile to exactly the expected snapshot tables.

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "control/intent.hpp"
#include "tests/unit/control/full_intent.hpp"
#include "control/uuid.hpp"

namespace taas::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Target = std::array<std::uint16_t, 3>;  // service, flow, port

std::vector<Target> targets(const std::vector<MirrorTarget>& list) {
  std::vector<Target> out;
  for (const MirrorTarget& t : list) out.push_back({t.service, static_cast<std::uint16_t>(t.flow), t.port});
  return out;
}

Snapshot compile_ok(const std::string& yaml) {
  auto result = compile_intent(yaml, "test.yaml");
  EXPECT_TRUE(result.ok()) << result.error().to_string();
  return result.ok() ? std::move(result).value() : Snapshot{};
}

constexpr const char* kVm1Uuid = "0f576381-e461-4807-bb11-5d57624b30a0";
constexpr const char* kMon2Uuid = "6c1e1a5e-52a6-4a3f-9a3c-5b8d2c7e9f10";
constexpr const char* kTs1Uuid = "a0c4b9e2-0d0b-4a8e-8f4e-1d2c3b4a5f60";

using test::kFullIntent;

TEST(IntentCompile, FullIntentParamsAndHeader) {
  const Snapshot s = compile_ok(kFullIntent);
  EXPECT_EQ(s.generation, 1u);
  EXPECT_EQ(s.source, "test.yaml");
  EXPECT_EQ(s.params.workers, 2u);
  EXPECT_THAT(s.params.eal_args, ElementsAre("--no-huge", "-m", "512"));
  EXPECT_EQ(s.params.mac_age_seconds, 60u);
  EXPECT_EQ(s.params.mac_table_size, 4096u);
  EXPECT_EQ(s.params.burst, 64u);
  EXPECT_EQ(s.params.rx_queue_size, 512u);
  EXPECT_EQ(s.params.tx_queue_size, 2048u);
  EXPECT_EQ(s.params.pool_size, 32767u);
  EXPECT_EQ(s.params.mirror_pool_size, 4095u);
  EXPECT_EQ(s.params.clone_pool_size, 2047u);
  EXPECT_EQ(s.params.copy_below_bytes, 128u);
}

TEST(IntentCompile, FullIntentPortsAndNetworks) {
  const Snapshot s = compile_ok(kFullIntent);
  ASSERT_EQ(s.ports.size(), 6u);
  struct Expect {
    const char* name;
    const char* device;
    PortRole role;
    std::uint16_t network;
    bool service_port;
  };
  const Expect expect[] = {
      {"vm1", "net_pcap0,rx_pcap=in/vm1.pcap,tx_pcap=out/vm1.pcap", PortRole::kVm, 0, false},
      {"uplink", "net_pcap1,rx_pcap=in/up.pcap", PortRole::kUplink, kNone, false},
      {"vm2", "net_vhost0,iface=/run/taasd/vm2.sock", PortRole::kVm, 1, false},
      {"mon1", "net_pcap2,tx_pcap=out/mon1.pcap", PortRole::kMonitor, kNone, true},
      {"mon2", "0000:3b:00.0", PortRole::kMonitor, kNone, true},
      {"vm3", "net_pcap3,rx_pcap=in/vm3.pcap", PortRole::kVm, 0, false},
  };
  for (std::size_t i = 0; i < s.ports.size(); ++i) {
    SCOPED_TRACE(expect[i].name);
    EXPECT_EQ(s.ports[i].name, expect[i].name);
    EXPECT_EQ(s.ports[i].device, expect[i].device);
    EXPECT_EQ(s.ports[i].role, expect[i].role);
    EXPECT_EQ(s.ports[i].network, expect[i].network);
    EXPECT_EQ(s.ports[i].service_port, expect[i].service_port);
    EXPECT_TRUE(is_uuid(s.ports[i].uuid)) << s.ports[i].uuid;
  }
  EXPECT_EQ(s.ports[0].uuid, kVm1Uuid);  // given in uppercase, stored lowercase
  EXPECT_EQ(s.ports[4].uuid, kMon2Uuid);
  EXPECT_EQ(s.uplink, 1);

  ASSERT_EQ(s.networks.size(), 2u);
  EXPECT_EQ(s.networks[0].name, "tenant-a");
  EXPECT_EQ(s.networks[0].vlan, 100);
  EXPECT_THAT(s.networks[0].vm_ports, ElementsAre(0, 5));
  EXPECT_EQ(s.networks[1].name, "tenant-b");
  EXPECT_EQ(s.networks[1].vlan, 200);
  EXPECT_THAT(s.networks[1].vm_ports, ElementsAre(2));
  for (std::size_t vid = 0; vid < s.vlan_to_network.size(); ++vid) {
    const std::uint16_t expected = vid == 100 ? 0 : vid == 200 ? 1 : kNone;
    ASSERT_EQ(s.vlan_to_network[vid], expected) << "VID " << vid;
  }
}

TEST(IntentCompile, FullIntentServicesAndFlows) {
  const Snapshot s = compile_ok(kFullIntent);
  ASSERT_EQ(s.services.size(), 3u);
  EXPECT_EQ(s.services[0].name, "ts1");
  EXPECT_EQ(s.services[0].uuid, kTs1Uuid);
  EXPECT_EQ(s.services[0].description, "first service");
  EXPECT_EQ(s.services[0].port, 3);
  EXPECT_EQ(s.services[1].name, "ts2");
  EXPECT_EQ(s.services[1].port, 4);  // named by the port's UUID, any case
  EXPECT_EQ(s.services[1].description, "");
  EXPECT_EQ(s.services[2].name, "ts3");
  EXPECT_EQ(s.services[2].port, 3);  // shares mon1 with ts1

  ASSERT_EQ(s.flows.size(), 6u);
  struct Expect {
    const char* name;
    std::uint16_t source;
    std::uint16_t service;
    Direction direction;
    const char* vlan_filter;
  };
  const Expect expect[] = {
      {"f0", 0, 0, Direction::kBoth, ""},
      {"f1", 0, 1, Direction::kOut, ""},
      {"f2", 0, 1, Direction::kIn, ""},
      {"f3", 0, 2, Direction::kIn, "100"},
      {"f4", 2, 0, Direction::kOut, "1-199, 201-4095"},
      {"f5", 5, 0, Direction::kBoth, "9,18,27-36,100"},
  };
  for (std::size_t i = 0; i < s.flows.size(); ++i) {
    SCOPED_TRACE(expect[i].name);
    EXPECT_EQ(s.flows[i].name, expect[i].name);
    EXPECT_EQ(s.flows[i].source_port, expect[i].source);
    EXPECT_EQ(s.flows[i].service, expect[i].service);
    EXPECT_EQ(s.flows[i].direction, expect[i].direction);
    EXPECT_EQ(s.flows[i].vlan_filter, expect[i].vlan_filter);
    EXPECT_TRUE(is_uuid(s.flows[i].uuid));
  }
  EXPECT_EQ(s.flows[0].description, "all of vm1");
}

TEST(IntentCompile, FullIntentMirrorTables) {
  const Snapshot s = compile_ok(kFullIntent);
  ASSERT_EQ(s.mirror_out.size(), 6u);
  ASSERT_EQ(s.mirror_in.size(), 6u);
  // vm1: f0 BOTH -> ts1@mon1; f1 OUT and f2 IN -> ts2@mon2; f3 IN -> ts3@mon1.
  EXPECT_THAT(targets(s.mirror_out[0]), ElementsAre(Target{0, 0, 3}, Target{1, 1, 4}));
  EXPECT_THAT(targets(s.mirror_in[0]), ElementsAre(Target{0, 0, 3}, Target{1, 2, 4}, Target{2, 3, 3}));
  // vm2: f4's filter leaves out VLAN 200 (vm2's network): the targets exist
  // with a filter that the worker checks per frame.
  ASSERT_EQ(s.mirror_out[2].size(), 1u);
  const std::uint16_t filter = s.mirror_out[2][0].filter;
  ASSERT_LT(filter, s.vlan_filters.size());
  EXPECT_FALSE(s.vlan_filters[filter].test(200));
  EXPECT_TRUE(s.vlan_filters[filter].test(100));
  EXPECT_EQ(s.vlan_filters[filter].count(), 4094u);  // 1-199, 201-4095
  EXPECT_EQ(s.vlan_filters.size(), 3u);  // f3, f4, f5: three different sets
  EXPECT_EQ(s.mirror_in[0][2].filter, 0);  // f3, in flow order
  EXPECT_EQ(filter, 1);                      // f4
  EXPECT_EQ(s.mirror_in[5][0].filter, 2);    // f5
  EXPECT_EQ(s.mirror_out[0][0].filter, kNone);  // f0 has no filter
  // vm3: f5 BOTH, filter contains 100.
  EXPECT_THAT(targets(s.mirror_out[5]), ElementsAre(Target{0, 5, 3}));
  EXPECT_THAT(targets(s.mirror_in[5]), ElementsAre(Target{0, 5, 3}));
  for (std::size_t port : {1u, 3u, 4u}) {
    EXPECT_THAT(s.mirror_out[port], IsEmpty()) << port;
    EXPECT_THAT(s.mirror_in[port], IsEmpty()) << port;
  }
}

TEST(IntentCompile, MinimalIntentHasDefaults) {
  const Snapshot s = compile_ok("version: 1\n");
  const DataplaneParams defaults;
  EXPECT_EQ(s.params.workers, defaults.workers);
  EXPECT_EQ(s.params.mac_age_seconds, defaults.mac_age_seconds);
  EXPECT_EQ(s.params.burst, defaults.burst);
  EXPECT_EQ(s.params.pool_size, defaults.pool_size);
  EXPECT_THAT(s.params.eal_args, IsEmpty());
  EXPECT_THAT(s.ports, IsEmpty());
  EXPECT_THAT(s.mirror_out, IsEmpty());
  EXPECT_EQ(s.uplink, kNone);
  for (std::uint16_t n : s.vlan_to_network) ASSERT_EQ(n, kNone);
  EXPECT_EQ(s.generation, 1u);
}

TEST(IntentCompile, EmptySectionsAreAccepted) {
  const Snapshot s = compile_ok(
      "version: 1\ndataplane:\nunderlay:\nnetworks:\nports: []\ntap_services:\ntap_flows: []\n");
  EXPECT_THAT(s.networks, IsEmpty());
  EXPECT_EQ(s.params.workers, 1u);
}

constexpr const char* kSmall = R"(version: 1
networks: [{name: n, vlan: 10}]
ports:
  - {name: vm1, device: d1, role: vm, network: n}
  - {name: vm2, device: d2, role: vm, network: n}
  - {name: mon, device: d3, role: monitor}
tap_services:
  - {name: sa, port: mon}
  - {name: sb, port: mon}
)";

TEST(IntentCompile, GeneratesUuidsWhenAbsent) {
  const Snapshot s = compile_ok(std::string(kSmall) +
                                "tap_flows: [{name: f, source_port: vm1, tap_service: sa, direction: IN}]\n");
  std::set<std::string> uuids;
  for (const auto& p : s.ports) uuids.insert(p.uuid);
  for (const auto& v : s.services) uuids.insert(v.uuid);
  for (const auto& f : s.flows) uuids.insert(f.uuid);
  EXPECT_EQ(uuids.size(), 6u);
  for (const std::string& u : uuids) {
    EXPECT_TRUE(is_uuid(u)) << u;
    EXPECT_EQ(u[14], '4') << u;
  }
}

TEST(IntentCompile, DirectionIsCaseInsensitive) {
  const std::pair<const char*, Direction> cases[] = {
      {"IN", Direction::kIn},   {"in", Direction::kIn},    {"In", Direction::kIn},
      {"OUT", Direction::kOut}, {"out", Direction::kOut},  {"oUt", Direction::kOut},
      {"BOTH", Direction::kBoth}, {"both", Direction::kBoth}, {"Both", Direction::kBoth},
  };
  for (const auto& [word, direction] : cases) {
    const Snapshot s = compile_ok(std::string(kSmall) + "tap_flows: [{name: f, source_port: vm1, tap_service: sa, "
                                                        "direction: " + word + "}]\n");
    ASSERT_EQ(s.flows.size(), 1u) << word;
    EXPECT_EQ(s.flows[0].direction, direction) << word;
    EXPECT_EQ(s.mirror_out[0].size(), direction == Direction::kIn ? 0u : 1u) << word;
    EXPECT_EQ(s.mirror_in[0].size(), direction == Direction::kOut ? 0u : 1u) << word;
  }
}

TEST(IntentCompile, SharingSourcesAndServicesIsFine) {
  // Several flows on one source, several services on one source, several
  // flows into one service, IN and OUT as separate flows.
  const Snapshot s = compile_ok(std::string(kSmall) + R"(tap_flows:
  - {name: a, source_port: vm1, tap_service: sa, direction: IN}
  - {name: b, source_port: vm1, tap_service: sa, direction: OUT}
  - {name: c, source_port: vm1, tap_service: sb, direction: BOTH}
  - {name: d, source_port: vm2, tap_service: sa, direction: BOTH}
)");
  EXPECT_THAT(targets(s.mirror_in[0]), ElementsAre(Target{0, 0, 2}, Target{1, 2, 2}));
  EXPECT_THAT(targets(s.mirror_out[0]), ElementsAre(Target{0, 1, 2}, Target{1, 2, 2}));
  EXPECT_THAT(targets(s.mirror_in[1]), ElementsAre(Target{0, 3, 2}));
  EXPECT_THAT(targets(s.mirror_out[1]), ElementsAre(Target{0, 3, 2}));
}

TEST(IntentCompile, VlanFiltersBecomeSharedPerFrameSets) {
  const Snapshot s = compile_ok(std::string(kSmall) + R"(tap_flows:
  - {name: a, source_port: vm1, tap_service: sa, direction: BOTH, vlan_filter: "9-11"}
  - {name: b, source_port: vm2, tap_service: sa, direction: BOTH, vlan_filter: "11,4095"}
  - {name: c, source_port: vm2, tap_service: sb, direction: IN, vlan_filter: "9,10,11"}
  - {name: d, source_port: vm1, tap_service: sb, direction: OUT}
)");
  ASSERT_EQ(s.flows.size(), 4u);
  ASSERT_EQ(s.vlan_filters.size(), 2u);  // "9-11" and "9,10,11" are one set
  EXPECT_EQ(s.vlan_filters[0].count(), 3u);
  EXPECT_TRUE(s.vlan_filters[0].test(9) && s.vlan_filters[0].test(11) && !s.vlan_filters[0].test(12));
  EXPECT_TRUE(s.vlan_filters[1].test(11) && s.vlan_filters[1].test(4095) && s.vlan_filters[1].count() == 2);
  ASSERT_EQ(s.mirror_out[0].size(), 2u);
  EXPECT_EQ(s.mirror_out[0][0].filter, 0);
  EXPECT_EQ(s.mirror_out[0][1].filter, kNone);  // no filter: every frame
  ASSERT_EQ(s.mirror_in[1].size(), 2u);
  EXPECT_EQ(s.mirror_in[1][0].filter, 1);
  EXPECT_EQ(s.mirror_in[1][1].filter, 0);
}

TEST(IntentCompile, QuotedIntegersAndUnknownVlanFreeUplink) {
  const Snapshot s = compile_ok(R"(version: "1"
networks: [{name: n, vlan: "4094"}]
ports: [{name: up, device: d, role: uplink}]
)");
  EXPECT_EQ(s.networks[0].vlan, 4094);
  EXPECT_EQ(s.vlan_to_network[4094], 0);
  EXPECT_EQ(s.uplink, 0);
}

}  // namespace
}  // namespace taas::ctl
