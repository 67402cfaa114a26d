// Remote mirroring compiled into the snapshot (control/remote_compile.cpp,
// DESIGN.md §2, §5): the underlay, next hops to resolve, local addresses,
// one outer-header template per remote mirror target, ERSPAN session ids
// and the GRE sequence spaces they share.

// This file: external mode and the underlay.

#include "tests/unit/control/remote_compile_fixture.hpp"

namespace taas::ctl {
namespace {

using namespace remote_fixture;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// ---- external mode

TEST(RemoteCompile, ExternalErspan2Ipv4ViaGateway) {
  const Snapshot s =
      compile_ok(doc(kUnderlay, {"name: ts, remote_ip: 198.51.100.7, encap: erspan2"},
                     {"name: f, source_port: vm1, tap_service: ts, direction: OUT, erspan_session_id: 5"}));
  const UnderlayEntry& u = s.underlay;
  EXPECT_TRUE(u.present);
  EXPECT_EQ(u.port, kUp);  // defaults to the uplink
  EXPECT_EQ(u.vlan, 300);
  EXPECT_TRUE(u.has_v4);
  EXPECT_TRUE(u.has_v6);
  EXPECT_EQ(u.address, ip("192.0.2.10"));
  EXPECT_EQ(u.prefix, 24);
  EXPECT_EQ(u.address6, ip("2001:db8::10"));
  EXPECT_EQ(u.prefix6, 64);
  EXPECT_EQ(u.mtu, 1400u);
  EXPECT_EQ(u.neighbor_refresh_ms, 30000u);

  ASSERT_EQ(s.neighbors.size(), 1u);
  expect_neighbor(s.neighbors[0], {kUp, 300, false, "192.0.2.1", "192.0.2.10"});  // off-link: the gateway
  EXPECT_THAT(locals(s),
              ElementsAre(Local{kUp, 300, false, ip("192.0.2.10")}, Local{kUp, 300, true, ip("2001:db8::10")}));

  ASSERT_EQ(s.services.size(), 2u);
  EXPECT_EQ(s.services[1].port, kUp);
  EXPECT_EQ(s.services[1].encap, Encap::kErspan2);
  EXPECT_EQ(s.services[1].remote_ip, "198.51.100.7");
  EXPECT_FALSE(s.ports[kUp].service_port);  // production traffic still flows there
  EXPECT_EQ(s.flows[0].erspan_session_id, 5);
  EXPECT_THAT(targets(s.mirror_out[kVm1]), ElementsAre(Target{1, 0, kUp, 0}));
  EXPECT_THAT(s.mirror_in[kVm1], IsEmpty());

  ASSERT_EQ(s.encaps.size(), 1u);
  const EncapEntry& e = s.encaps[0];
  EXPECT_EQ(e.neighbor, 0);
  EXPECT_EQ(e.sequence, 0);
  ASSERT_EQ(s.sessions.size(), 1u);
  EXPECT_EQ(s.sessions[0].service, 1);
  EXPECT_EQ(s.sessions[0].session_id, 5);
  EXPECT_TRUE(e.truncate);
  EXPECT_FALSE(e.direction_in);
  EXPECT_FALSE(e.gra_100ns);

  const EncapTemplate& t = e.tmpl;
  EXPECT_EQ(t.encap, Encap::kErspan2);
  EXPECT_FALSE(t.ipv6);
  ASSERT_EQ(t.len, 14 + 4 + 20 + 8 + 8);
  EXPECT_EQ(t.l3_offset, 18);
  EXPECT_EQ(t.l4_offset, 38);
  EXPECT_EQ(t.erspan_offset, 46);
  EXPECT_EQ(e.max_inner, 1400u - 36u);
  EXPECT_EQ(e.max_inner, u.mtu - (t.len - t.l3_offset));
  EXPECT_EQ(span(t, 0, 12), std::vector<std::uint8_t>(12, 0));  // MACs: the worker's
  EXPECT_EQ(be16(t, 12), 0x8100);
  EXPECT_EQ(be16(t, 14), 300);
  EXPECT_EQ(be16(t, 16), 0x0800);
  EXPECT_EQ(t.bytes[18], 0x45);
  EXPECT_EQ(t.bytes[19], 46 << 2);     // DSCP EF
  EXPECT_EQ(be16(t, 18 + 6), 0x4000);  // DF
  EXPECT_EQ(t.bytes[18 + 8], 32);      // TTL
  EXPECT_EQ(t.bytes[18 + 9], 47);      // GRE
  EXPECT_EQ(span(t, 18 + 12, 4), addr("192.0.2.10"));
  EXPECT_EQ(span(t, 18 + 16, 4), addr("198.51.100.7"));
  EXPECT_EQ(be16(t, 38), 0x1000);  // S bit
  EXPECT_EQ(be16(t, 40), 0x88be);
  // Ver 1, session 5, index = the source port's index.
  EXPECT_EQ(span(t, 46, 8), (std::vector<std::uint8_t>{0x10, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, kVm1}));
}

TEST(RemoteCompile, ExternalErspan3Ipv6OnLink) {
  const Snapshot s = compile_ok(
      doc(kUnderlay, {"name: ts, remote_ip: '2001:db8::7', encap: erspan3, erspan: {hwid: 5, granularity: 100ns}"},
          {"name: f, source_port: vm2, tap_service: ts, direction: IN, erspan_session_id: 9"}));
  ASSERT_EQ(s.neighbors.size(), 1u);
  expect_neighbor(s.neighbors[0], {kUp, 300, true, "2001:db8::7", "2001:db8::10"});  // on-link: the collector
  EXPECT_THAT(s.mirror_out[kVm2], IsEmpty());
  EXPECT_THAT(targets(s.mirror_in[kVm2]), ElementsAre(Target{1, 0, kUp, 0}));
  ASSERT_EQ(s.encaps.size(), 1u);
  const EncapEntry& e = s.encaps[0];
  EXPECT_TRUE(e.direction_in);
  EXPECT_TRUE(e.gra_100ns);
  EXPECT_TRUE(e.truncate);
  EXPECT_EQ(e.neighbor, 0);
  EXPECT_EQ(e.sequence, 0);

  const EncapTemplate& t = e.tmpl;
  EXPECT_EQ(t.encap, Encap::kErspan3);
  EXPECT_TRUE(t.ipv6);
  ASSERT_EQ(t.len, 18 + 40 + 8 + 12);
  EXPECT_EQ(t.l3_offset, 18);
  EXPECT_EQ(e.max_inner, 1400u - 60u);
  EXPECT_EQ(be16(t, 12), 0x8100);
  EXPECT_EQ(be16(t, 14), 300);
  EXPECT_EQ(be16(t, 16), 0x86dd);
  EXPECT_EQ(be32(t, 18), 0x60000000u | (46u << 2) << 20);  // traffic class = DSCP EF
  EXPECT_EQ(t.bytes[18 + 6], 47);                          // next header GRE
  EXPECT_EQ(t.bytes[18 + 7], 32);                          // hop limit
  EXPECT_EQ(span(t, 18 + 8, 16), addr("2001:db8::10"));
  EXPECT_EQ(span(t, 18 + 24, 16), addr("2001:db8::7"));
  EXPECT_EQ(t.l4_offset, 58);
  EXPECT_EQ(be16(t, 58), 0x1000);
  EXPECT_EQ(be16(t, 60), 0x22eb);
  EXPECT_EQ(t.erspan_offset, 66);
  EXPECT_EQ(be16(t, 66), 0x2000);               // Ver 2
  EXPECT_EQ(be16(t, 68), 9);                    // session
  EXPECT_EQ(be16(t, 76), (5 << 4) | (1 << 1));  // HwID 5, Gra 1, O 0
}

TEST(RemoteCompile, ExternalErspan3PlatformSubheader) {
  const Snapshot s =
      compile_ok(doc(kUnderlay,
                     {"name: a, remote_ip: 198.51.100.7, encap: erspan3, erspan: {platform_subheader: true}",
                      "name: b, remote_ip: 198.51.100.7, encap: erspan3, erspan: {platform_subheader: true, index: 7, "
                      "granularity: "
                      "100us}"},
                     {"name: f, source_port: vm2, tap_service: a, direction: OUT",
                      "name: g, source_port: vm2, tap_service: b, direction: OUT"}));
  ASSERT_EQ(s.encaps.size(), 2u);
  ASSERT_EQ(s.mirror_out[kVm2].size(), 2u);
  for (const EncapEntry& e : s.encaps) {
    EXPECT_EQ(e.tmpl.len, 18 + 20 + 8 + 12 + 8);
    EXPECT_EQ(e.max_inner, 1400u - 48u);
    EXPECT_FALSE(e.gra_100ns);
    EXPECT_EQ(be16(e.tmpl, e.tmpl.erspan_offset + 10), 1);  // HwID 0, Gra 0 (100 us), O 1
  }
  const EncapEntry& a = s.encaps.at(s.mirror_out[kVm2][0].encap);
  const EncapEntry& b = s.encaps.at(s.mirror_out[kVm2][1].encap);
  // Platform ID 3, Port ID = the source port, or erspan.index.
  EXPECT_EQ(be32(a.tmpl, a.tmpl.erspan_offset + 12), (3u << 26) | kVm2);
  EXPECT_EQ(be32(b.tmpl, b.tmpl.erspan_offset + 12), (3u << 26) | 7u);
}

TEST(RemoteCompile, ExternalVxlanIpv4BothDirections) {
  const Snapshot s =
      compile_ok(doc(kUnderlay, {"name: ts, remote_ip: 203.0.113.9, encap: vxlan, vni: 5000, udp_port: 8472"},
                     {"name: f, source_port: vm1, tap_service: ts, direction: BOTH"}));
  EXPECT_EQ(s.flows[0].erspan_session_id, kNone);
  EXPECT_THAT(s.sessions, IsEmpty());
  ASSERT_EQ(s.neighbors.size(), 1u);
  expect_neighbor(s.neighbors[0], {kUp, 300, false, "192.0.2.1", "192.0.2.10"});
  EXPECT_EQ(s.services[1].vni, 5000u);
  EXPECT_THAT(targets(s.mirror_out[kVm1]), ElementsAre(Target{1, 0, kUp, 0}));
  EXPECT_THAT(targets(s.mirror_in[kVm1]), ElementsAre(Target{1, 0, kUp, 1}));
  ASSERT_EQ(s.encaps.size(), 2u);
  EXPECT_FALSE(s.encaps[0].direction_in);
  EXPECT_TRUE(s.encaps[1].direction_in);
  for (const EncapEntry& e : s.encaps) {
    EXPECT_EQ(e.neighbor, 0);
    EXPECT_EQ(e.sequence, kNone);
    EXPECT_FALSE(e.truncate);  // too big: dropped and counted
    EXPECT_FALSE(e.gra_100ns);
    const EncapTemplate& t = e.tmpl;
    EXPECT_EQ(t.encap, Encap::kVxlan);
    ASSERT_EQ(t.len, 18 + 20 + 8 + 8);
    EXPECT_EQ(e.max_inner, 1400u - 36u);
    EXPECT_EQ(t.bytes[18 + 9], 17);  // UDP
    EXPECT_EQ(t.bytes[18 + 8], 32);
    EXPECT_EQ(t.bytes[19], 46 << 2);
    EXPECT_EQ(span(t, 18 + 16, 4), addr("203.0.113.9"));
    EXPECT_EQ(be16(t, t.l4_offset + 2), 8472);
    EXPECT_EQ(be32(t, t.erspan_offset), 0x08000000u);
    EXPECT_EQ(be32(t, t.erspan_offset + 4), 5000u << 8);
  }
}

TEST(RemoteCompile, ExternalVxlanIpv6ViaGateway6DefaultPort) {
  const Snapshot s = compile_ok(doc(kUnderlay, {"name: ts, remote_ip: '2001:db8:9::7', encap: vxlan, vni: 16777215"},
                                    {"name: f, source_port: vm2, tap_service: ts, direction: OUT"}));
  ASSERT_EQ(s.neighbors.size(), 1u);
  expect_neighbor(s.neighbors[0], {kUp, 300, true, "2001:db8::1", "2001:db8::10"});
  ASSERT_EQ(s.encaps.size(), 1u);
  const EncapTemplate& t = s.encaps[0].tmpl;
  EXPECT_TRUE(t.ipv6);
  EXPECT_EQ(t.bytes[18 + 6], 17);
  EXPECT_EQ(s.encaps[0].max_inner, 1400u - 56u);
  EXPECT_EQ(be16(t, t.l4_offset + 2), 4789);
  EXPECT_EQ(span(t, t.erspan_offset + 4, 4), (std::vector<std::uint8_t>{0xff, 0xff, 0xff, 0x00}));
}

TEST(RemoteCompile, UnderlayDefaults) {
  const Snapshot s = compile_ok(doc("  address: 192.0.2.10/24\n", {"name: ts, remote_ip: 192.0.2.99, encap: erspan2"},
                                    {"name: f, source_port: vm1, tap_service: ts, direction: OUT"}));
  const UnderlayEntry& u = s.underlay;
  EXPECT_EQ(u.port, kUp);
  EXPECT_EQ(u.vlan, 0);
  EXPECT_FALSE(u.has_v6);
  EXPECT_EQ(u.mtu, 1500u);
  EXPECT_EQ(u.neighbor_refresh_ms, 30000u);
  EXPECT_THAT(locals(s), ElementsAre(Local{kUp, 0, false, ip("192.0.2.10")}));
  ASSERT_EQ(s.neighbors.size(), 1u);
  expect_neighbor(s.neighbors[0], {kUp, 0, false, "192.0.2.99", "192.0.2.10"});  // on-link, no gateway
  ASSERT_EQ(s.encaps.size(), 1u);
  const EncapTemplate& t = s.encaps[0].tmpl;
  EXPECT_EQ(be16(t, 12), 0x0800);  // untagged
  EXPECT_EQ(t.l3_offset, 14);
  EXPECT_EQ(t.bytes[14 + 1], 0);   // DSCP 0
  EXPECT_EQ(t.bytes[14 + 8], 64);  // TTL 64
  EXPECT_EQ(s.encaps[0].max_inner, 1464u);
}

TEST(RemoteCompile, UnderlayPortByUuidAndRefresh) {
  const Snapshot s = compile_ok(
      doc(std::string("  port: ") + kUplinkUuid + "\n  address: 192.0.2.10/24\n  neighbor_refresh: 5\n", {}, {}));
  EXPECT_EQ(s.underlay.port, kUp);
  EXPECT_EQ(s.underlay.neighbor_refresh_ms, 5000u);
  EXPECT_THAT(s.encaps, IsEmpty());
  EXPECT_THAT(s.neighbors, IsEmpty());
  EXPECT_THAT(locals(s), ElementsAre(Local{kUp, 0, false, ip("192.0.2.10")}));
}

TEST(RemoteCompile, NoUnderlayNoRemoteTables) {
  const Snapshot s = compile_ok(doc("", {}, {"name: f, source_port: vm1, tap_service: ts0, direction: BOTH"}));
  EXPECT_FALSE(s.underlay.present);
  EXPECT_EQ(s.underlay.port, kNone);
  EXPECT_THAT(s.neighbors, IsEmpty());
  EXPECT_THAT(s.local_addresses, IsEmpty());
  EXPECT_THAT(s.encaps, IsEmpty());
  EXPECT_THAT(s.sessions, IsEmpty());
  EXPECT_THAT(targets(s.mirror_out[kVm1]), ElementsAre(Target{0, 0, kMon, kNone}));
}

TEST(RemoteCompile, StaticNextHopMac) {
  // Off-link collectors: without a gateway the static MAC is for the
  // collector's address; with one, for the gateway's.
  const Snapshot s = compile_ok(
      doc("  address: 192.0.2.10/24\n  address6: 2001:db8::10/64\n  gateway6: 2001:db8::1\n"
          "  next_hop_mac: 02:00:00:00:00:FE\n",
          {"name: a, remote_ip: 198.51.100.7, encap: erspan2", "name: b, remote_ip: '2001:db8:9::7', encap: erspan3"},
          {"name: f, source_port: vm1, tap_service: a, direction: OUT",
           "name: g, source_port: vm1, tap_service: b, direction: OUT"}));
  ASSERT_EQ(s.neighbors.size(), 2u);
  expect_neighbor(s.neighbors[0], {kUp, 0, false, "198.51.100.7", "192.0.2.10", true, mac(0xfe)});
  expect_neighbor(s.neighbors[1], {kUp, 0, true, "2001:db8::1", "2001:db8::10", true, mac(0xfe)});
  ASSERT_EQ(s.encaps.size(), 2u);
  EXPECT_EQ(s.encaps[0].neighbor, 0);
  EXPECT_EQ(s.encaps[1].neighbor, 1);
}

TEST(RemoteCompile, NeighborsDeduplicated) {
  const Snapshot s = compile_ok(
      doc(kUnderlay,
          {"name: a, remote_ip: 198.51.100.7, encap: erspan2", "name: b, remote_ip: 203.0.113.9, encap: vxlan, vni: 1",
           "name: c, remote_ip: 192.0.2.77, encap: erspan3", "name: d, remote_ip: '2001:db8:9::7', encap: erspan2"},
          {"name: fa, source_port: vm1, tap_service: a, direction: BOTH",
           "name: fb, source_port: vm2, tap_service: b, direction: BOTH",
           "name: fc, source_port: vm1, tap_service: c, direction: OUT",
           "name: fd, source_port: vm2, tap_service: d, direction: IN"}));
  // a and b share the IPv4 gateway; c is on-link; d goes via the IPv6 gateway.
  ASSERT_EQ(s.neighbors.size(), 3u);
  std::vector<std::string> by_service(5);
  for (const auto* table : {&s.mirror_out, &s.mirror_in}) {
    for (const auto& list : *table) {
      for (const MirrorTarget& t : list) {
        ASSERT_NE(t.encap, kNone);
        const NeighborEntry& n = s.neighbors.at(s.encaps.at(t.encap).neighbor);
        char text[INET6_ADDRSTRLEN];
        inet_ntop(n.ipv6 ? AF_INET6 : AF_INET, n.ip.data(), text, sizeof text);
        EXPECT_EQ(n.port, kUp);
        EXPECT_EQ(n.vlan, 300);
        by_service[t.service] = text;
      }
    }
  }
  EXPECT_THAT(by_service, ElementsAre("", "192.0.2.1", "192.0.2.1", "192.0.2.77", "2001:db8::1"));
  EXPECT_EQ(s.encaps.size(), 6u);
}

TEST(RemoteCompile, ExternalServiceWithoutFlowsLeavesOnTheUnderlayPort) {
  const Snapshot s = compile_ok(doc(kUnderlay, {"name: ts, remote_ip: 198.51.100.7, encap: erspan2"}, {}));
  EXPECT_EQ(s.services[1].port, kUp);
  EXPECT_THAT(s.encaps, IsEmpty());
  EXPECT_THAT(s.sessions, IsEmpty());
}

}  // namespace
}  // namespace taas::ctl
