// Remote mirroring compiled into the snapshot, continued: internal mode,
// ERSPAN sessions and the per-target ERSPAN index, direction, granularity
// and MTU limits (see remote_compile_test.cpp).

#include "tests/unit/control/remote_compile_fixture.hpp"

namespace taas::ctl {
namespace {

using namespace remote_fixture;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// ---- internal mode

TEST(RemoteCompile, InternalMode) {
  const Snapshot s =
      compile_ok(doc(kUnderlay,
                     {"name: s4, port: mon, remote_ip: 198.51.100.50, encap: erspan2, remote_mac: '02:00:00:00:00:0a'",
                      "name: s6, port: mon2, remote_ip: '2001:db8:1::5', encap: vxlan, vni: 7"},
                     {"name: f, source_port: vm1, tap_service: s4, direction: OUT",
                      "name: g, source_port: vm2, tap_service: s6, direction: IN"}));
  EXPECT_EQ(s.underlay.port, kUp);
  // The collector itself on the service port, untagged; off-link is fine.
  ASSERT_EQ(s.neighbors.size(), 2u);
  expect_neighbor(s.neighbors[0], {kMon, 0, false, "198.51.100.50", "192.0.2.10", true, mac(0x0a)});
  expect_neighbor(s.neighbors[1], {kMon2, 0, true, "2001:db8:1::5", "2001:db8::10"});  // resolved by ND
  EXPECT_THAT(locals(s),
              ElementsAre(Local{kUp, 300, false, ip("192.0.2.10")}, Local{kUp, 300, true, ip("2001:db8::10")},
                          Local{kMon, 0, false, ip("192.0.2.10")}, Local{kMon, 0, true, ip("2001:db8::10")},
                          Local{kMon2, 0, false, ip("192.0.2.10")}, Local{kMon2, 0, true, ip("2001:db8::10")}));
  EXPECT_EQ(s.services[1].port, kMon);
  EXPECT_EQ(s.services[2].port, kMon2);
  EXPECT_TRUE(s.ports[kMon].service_port);
  EXPECT_TRUE(s.ports[kMon2].service_port);
  EXPECT_THAT(targets(s.mirror_out[kVm1]), ElementsAre(Target{1, 0, kMon, 0}));
  EXPECT_THAT(targets(s.mirror_in[kVm2]), ElementsAre(Target{2, 1, kMon2, 1}));
  ASSERT_EQ(s.encaps.size(), 2u);
  for (const EncapEntry& e : s.encaps) {
    EXPECT_EQ(be16(e.tmpl, 12), e.tmpl.ipv6 ? 0x86dd : 0x0800);  // no underlay.vlan tag
    EXPECT_EQ(e.tmpl.l3_offset, 14);
  }
  EXPECT_EQ(s.encaps[0].neighbor, 0);
  EXPECT_EQ(s.encaps[1].neighbor, 1);
  EXPECT_EQ(span(s.encaps[0].tmpl, 14 + 12, 4), addr("192.0.2.10"));
  EXPECT_EQ(span(s.encaps[0].tmpl, 14 + 16, 4), addr("198.51.100.50"));
  EXPECT_EQ(s.encaps[0].max_inner, 1400u - 36u);
  EXPECT_EQ(s.flows[0].erspan_session_id, 1);
  EXPECT_EQ(s.flows[1].erspan_session_id, kNone);
}

TEST(RemoteCompile, InternalModeWithoutUplink) {
  const Snapshot s =
      compile_ok(doc("  address: 192.0.2.10/24\n", {"name: s4, port: mon2, remote_ip: 192.0.2.60, encap: erspan3"},
                     {"name: f, source_port: vm1, tap_service: s4, direction: BOTH"}, false));
  EXPECT_TRUE(s.underlay.present);
  EXPECT_EQ(s.underlay.port, kNone);
  EXPECT_THAT(locals(s), ElementsAre(Local{kMon2, 0, false, ip("192.0.2.10")}));
  ASSERT_EQ(s.neighbors.size(), 1u);
  expect_neighbor(s.neighbors[0], {kMon2, 0, false, "192.0.2.60", "192.0.2.10"});
  EXPECT_THAT(targets(s.mirror_out[kVm1]), ElementsAre(Target{1, 0, kMon2, 0}));
  EXPECT_THAT(targets(s.mirror_in[kVm1]), ElementsAre(Target{1, 0, kMon2, 1}));
  EXPECT_EQ(s.sessions.size(), 1u);  // one session for both directions
}

TEST(RemoteCompile, PortInternalAndExternalTargetsSideBySide) {
  const Snapshot s = compile_ok(doc(kUnderlay,
                                    {"name: ext, remote_ip: 198.51.100.7, encap: erspan2",
                                     "name: int, port: mon2, remote_ip: 198.51.100.8, encap: erspan2"},
                                    {"name: p, source_port: vm1, tap_service: ts0, direction: OUT",
                                     "name: e, source_port: vm1, tap_service: ext, direction: OUT",
                                     "name: i, source_port: vm1, tap_service: int, direction: OUT"}));
  EXPECT_THAT(targets(s.mirror_out[kVm1]),
              ElementsAre(Target{0, 0, kMon, kNone}, Target{1, 1, kUp, 0}, Target{2, 2, kMon2, 1}));
  EXPECT_EQ(s.flows[0].erspan_session_id, kNone);
  expect_sessions_consistent(s);
}

// ---- ERSPAN sessions: one GRE sequence space per (service, session id);
// the ids themselves are assigned by validate_remote (intent_remote_test.cpp)

TEST(RemoteCompile, SameSessionIdTowardDifferentCollectors) {
  const Snapshot s = compile_ok(
      doc(kUnderlay,
          {"name: a, remote_ip: 198.51.100.7, encap: erspan2", "name: d, remote_ip: 198.51.100.8, encap: erspan2"},
          {"name: f0, source_port: vm1, tap_service: a, direction: OUT, erspan_session_id: 7",
           "name: f1, source_port: vm1, tap_service: d, direction: OUT, erspan_session_id: 7"}));
  EXPECT_EQ(s.flows[0].erspan_session_id, 7);
  EXPECT_EQ(s.flows[1].erspan_session_id, 7);
  ASSERT_EQ(s.sessions.size(), 2u);
  ASSERT_EQ(s.encaps.size(), 2u);
  EXPECT_NE(s.encaps[0].sequence, s.encaps[1].sequence);  // separate sequence spaces
  expect_sessions_consistent(s);
}

TEST(RemoteCompile, FlowsOfOneServiceShareItsSession) {
  const Snapshot s = compile_ok(
      doc(kUnderlay,
          {"name: a, remote_ip: 198.51.100.7, encap: erspan3", "name: b, remote_ip: 198.51.100.7, encap: erspan2"},
          {"name: f0, source_port: vm1, tap_service: a, direction: BOTH",
           "name: f1, source_port: vm2, tap_service: a, direction: OUT",
           "name: f2, source_port: vm1, tap_service: b, direction: IN, erspan_session_id: 30",
           "name: f3, source_port: vm2, tap_service: b, direction: IN, erspan_session_id: 31",
           "name: f4, source_port: vm2, tap_service: b, direction: OUT, erspan_session_id: 30"}));
  EXPECT_EQ(s.flows[0].erspan_session_id, 1);
  EXPECT_EQ(s.flows[1].erspan_session_id, 1);
  // a: one session for three targets; b: 30 (two flows) and 31.
  EXPECT_EQ(s.sessions.size(), 3u);
  EXPECT_EQ(s.encaps.size(), 6u);
  std::set<std::uint16_t> a_sequences;
  for (const auto* table : {&s.mirror_out, &s.mirror_in}) {
    for (const auto& list : *table) {
      for (const MirrorTarget& t : list) {
        if (t.service == 1) a_sequences.insert(s.encaps.at(t.encap).sequence);
      }
    }
  }
  EXPECT_EQ(a_sequences.size(), 1u);
  expect_sessions_consistent(s);
}

// ---- ERSPAN index, direction, granularity, MTU

TEST(RemoteCompile, ErspanIndexDefaultsToSourcePortAndErspanIndexOverrides) {
  const Snapshot s =
      compile_ok(doc(kUnderlay,
                     {"name: a, remote_ip: 198.51.100.7, encap: erspan2",
                      "name: b, remote_ip: 198.51.100.8, encap: erspan2, erspan: {index: 74565}"},
                     {"name: f0, source_port: vm1, tap_service: a, direction: OUT",
                      "name: f1, source_port: vm2, tap_service: a, direction: OUT",
                      "name: f2, source_port: vm2, tap_service: b, direction: OUT, erspan_session_id: 5"}));
  ASSERT_EQ(s.mirror_out[kVm1].size(), 1u);
  ASSERT_EQ(s.mirror_out[kVm2].size(), 2u);
  const EncapTemplate& a1 = s.encaps.at(s.mirror_out[kVm1][0].encap).tmpl;
  const EncapTemplate& a2 = s.encaps.at(s.mirror_out[kVm2][0].encap).tmpl;
  const EncapTemplate& b2 = s.encaps.at(s.mirror_out[kVm2][1].encap).tmpl;
  EXPECT_EQ(be32(a1, a1.erspan_offset + 4), kVm1);
  EXPECT_EQ(be32(a2, a2.erspan_offset + 4), kVm2);
  // DESIGN.md §5's example: session 5, index 0x12345.
  EXPECT_EQ(span(b2, b2.erspan_offset, 8), (std::vector<std::uint8_t>{0x10, 0x00, 0x00, 0x05, 0x00, 0x01, 0x23, 0x45}));
}

TEST(RemoteCompile, DirectionInOnlyForMirrorInTargets) {
  const Snapshot s = compile_ok(doc(kUnderlay,
                                    {"name: a, remote_ip: 198.51.100.7, encap: erspan3",
                                     "name: b, port: mon2, remote_ip: 198.51.100.8, encap: erspan2",
                                     "name: v, remote_ip: 198.51.100.9, encap: vxlan, vni: 3"},
                                    {"name: f0, source_port: vm1, tap_service: a, direction: BOTH",
                                     "name: f1, source_port: vm2, tap_service: a, direction: OUT",
                                     "name: f2, source_port: vm2, tap_service: b, direction: IN",
                                     "name: f3, source_port: vm1, tap_service: v, direction: BOTH"}));
  std::size_t out = 0, in = 0;
  for (const auto& list : s.mirror_out) {
    for (const MirrorTarget& t : list) {
      EXPECT_FALSE(s.encaps.at(t.encap).direction_in) << "flow " << t.flow;
      ++out;
    }
  }
  for (const auto& list : s.mirror_in) {
    for (const MirrorTarget& t : list) {
      EXPECT_TRUE(s.encaps.at(t.encap).direction_in) << "flow " << t.flow;
      ++in;
    }
  }
  EXPECT_EQ(out, 3u);
  EXPECT_EQ(in, 3u);
  EXPECT_EQ(s.encaps.size(), 6u);  // one per target
}

TEST(RemoteCompile, Granularity) {
  const Snapshot s = compile_ok(doc(
      kUnderlay,
      {"name: ns, remote_ip: 198.51.100.7, encap: erspan3, erspan: {granularity: 100ns, hwid: 63}",
       "name: us, remote_ip: 198.51.100.8, encap: erspan3, erspan: {granularity: 100us}",
       "name: dflt, remote_ip: 198.51.100.9, encap: erspan3", "name: two, remote_ip: 198.51.100.10, encap: erspan2"},
      {"name: f0, source_port: vm1, tap_service: ns, direction: OUT",
       "name: f1, source_port: vm1, tap_service: us, direction: OUT",
       "name: f2, source_port: vm1, tap_service: dflt, direction: OUT",
       "name: f3, source_port: vm1, tap_service: two, direction: OUT"}));
  ASSERT_EQ(s.mirror_out[kVm1].size(), 4u);
  const auto entry = [&](std::size_t i) -> const EncapEntry& { return s.encaps.at(s.mirror_out[kVm1][i].encap); };
  EXPECT_TRUE(entry(0).gra_100ns);
  EXPECT_EQ(be16(entry(0).tmpl, entry(0).tmpl.erspan_offset + 10), (63 << 4) | (1 << 1));
  EXPECT_FALSE(entry(1).gra_100ns);
  EXPECT_EQ(be16(entry(1).tmpl, entry(1).tmpl.erspan_offset + 10), 0);
  EXPECT_FALSE(entry(2).gra_100ns);
  EXPECT_FALSE(entry(3).gra_100ns);
}

TEST(RemoteCompile, MaxInnerFromTheMtu) {
  // Overheads of the outer IP packet: DESIGN.md §5 minus the 14-byte
  // Ethernet header (ERSPAN II 50, III 54 / 62, VXLAN 50; +20 for IPv6).
  struct Expect {
    const char* service;
    std::uint32_t ip_overhead;
    bool truncate;
  };
  const Expect expect[] = {
      {"name: s, remote_ip: 198.51.100.7, encap: erspan2", 36, true},
      {"name: s, remote_ip: 198.51.100.7, encap: erspan3", 40, true},
      {"name: s, remote_ip: 198.51.100.7, encap: erspan3, erspan: {platform_subheader: true}", 48, true},
      {"name: s, remote_ip: 198.51.100.7, encap: vxlan, vni: 1", 36, false},
      {"name: s, remote_ip: '2001:db8:9::7', encap: erspan2", 56, true},
      {"name: s, remote_ip: '2001:db8:9::7', encap: erspan3", 60, true},
      {"name: s, remote_ip: '2001:db8:9::7', encap: erspan3, erspan: {platform_subheader: true}", 68, true},
      {"name: s, remote_ip: '2001:db8:9::7', encap: vxlan, vni: 1", 56, false},
      {"name: s, port: mon2, remote_ip: 198.51.100.7, encap: erspan2", 36, true},
  };
  for (const std::string mtu : {"576", "1500", "9000"}) {
    for (const Expect& e : expect) {
      SCOPED_TRACE(mtu + " " + e.service);
      std::string underlay = kUnderlay;
      underlay.replace(underlay.find("mtu: 1400"), 9, "mtu: " + mtu);
      const Snapshot s =
          compile_ok(doc(underlay, {e.service}, {"name: f, source_port: vm1, tap_service: s, direction: OUT"}));
      ASSERT_EQ(s.encaps.size(), 1u);
      const EncapEntry& entry = s.encaps[0];
      EXPECT_EQ(entry.max_inner, std::stoul(mtu) - e.ip_overhead);
      EXPECT_EQ(entry.max_inner, s.underlay.mtu - (entry.tmpl.len - entry.tmpl.l3_offset));
      EXPECT_EQ(entry.truncate, e.truncate);
    }
  }
}

}  // namespace
}  // namespace taas::ctl
