// Remote mirroring compiled into the snapshot (control/remote_compile.cpp,
// DESIGN.md §2, §5): the underlay, next hops to resolve, local addresses,
// one outer-header template per remote mirror target, ERSPAN session ids
// and the GRE sequence spaces they share.

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "control/intent.hpp"

namespace taas::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Port indexes of doc(): the uplink is neither first nor last and no source
// port is index 0, so a default ERSPAN index cannot pass for "unset".
constexpr std::uint16_t kMon = 0, kVm1 = 1, kUp = 2, kVm2 = 3, kMon2 = 4;

constexpr const char* kUplinkUuid = "5b0e7c1a-3f2d-4e5b-9a6c-7d8e9f0a1b2c";

// IPv4 /24 and IPv6 /64 on the uplink, tagged 300, TTL 32, DSCP 46 (EF),
// MTU 1400.
constexpr const char* kUnderlay = R"(  address: 192.0.2.10/24
  address6: 2001:db8::10/64
  gateway: 192.0.2.1
  gateway6: 2001:db8::1
  ttl: 32
  dscp: 46
  mtu: 1400
  vlan: 300
)";

/// An intent with the five ports above, `underlay` (block lines, may be
/// empty for no underlay) and one-line services and flows. tap_services[0]
/// is `ts0`, port mode on mon.
std::string doc(const std::string& underlay, const std::vector<std::string>& services,
                const std::vector<std::string>& flows, bool with_uplink = true) {
  std::string out =
      "version: 1\n"
      "networks: [{name: net-a, vlan: 100}, {name: net-b, vlan: 200}]\n"
      "ports:\n"
      "  - {name: mon, device: d-mon, role: monitor}\n"
      "  - {name: vm1, device: d-vm1, role: vm, network: net-a}\n";
  out += std::string("  - {name: up, id: ") + kUplinkUuid +
         ", device: d-up, role: " + (with_uplink ? "uplink" : "monitor") + "}\n";
  out +=
      "  - {name: vm2, device: d-vm2, role: vm, network: net-b}\n"
      "  - {name: mon2, device: d-mon2, role: monitor}\n";
  if (!underlay.empty()) out += "underlay:\n" + underlay;
  out += "tap_services:\n  - {name: ts0, port: mon}\n";
  for (const std::string& s : services) out += "  - {" + s + "}\n";
  if (!flows.empty()) out += "tap_flows:\n";
  for (const std::string& f : flows) out += "  - {" + f + "}\n";
  return out;
}

/// The snapshot of an intent that must compile. Throws when it does not, so
/// that the test stops there (gtest reports the exception and its text).
Snapshot compile_ok(const std::string& yaml) {
  auto result = compile_intent(yaml, "remote.yaml");
  if (!result.ok()) throw std::runtime_error("rejected: " + result.error().to_string() + "\n" + yaml);
  return std::move(result).value();
}

IpAddr ip(const char* text) {
  IpAddr a{};
  const int family = std::strchr(text, ':') != nullptr ? AF_INET6 : AF_INET;
  EXPECT_EQ(inet_pton(family, text, a.data()), 1) << text;
  return a;
}

MacAddr mac(std::uint8_t last) { return {0x02, 0, 0, 0, 0, last}; }

std::uint16_t be16(const EncapTemplate& t, std::size_t at) {
  return static_cast<std::uint16_t>(t.bytes[at] << 8 | t.bytes[at + 1]);
}

std::uint32_t be32(const EncapTemplate& t, std::size_t at) {
  return std::uint32_t{be16(t, at)} << 16 | be16(t, at + 2);
}

/// `n` template bytes from `at`, e.g. to compare an address.
std::vector<std::uint8_t> span(const EncapTemplate& t, std::size_t at, std::size_t n) {
  return {t.bytes.begin() + static_cast<std::ptrdiff_t>(at), t.bytes.begin() + static_cast<std::ptrdiff_t>(at + n)};
}

std::vector<std::uint8_t> addr(const char* text) {
  const IpAddr a = ip(text);
  return {a.begin(), a.begin() + (std::strchr(text, ':') != nullptr ? 16 : 4)};
}

struct Neighbor {
  std::uint16_t port;
  std::uint16_t vlan;
  bool ipv6;
  const char* ip;
  const char* src_ip;
  bool has_static_mac = false;
  MacAddr static_mac{};
};

void expect_neighbor(const NeighborEntry& n, const Neighbor& e) {
  EXPECT_EQ(n.port, e.port);
  EXPECT_EQ(n.vlan, e.vlan);
  EXPECT_EQ(n.ipv6, e.ipv6);
  EXPECT_EQ(n.ip, ip(e.ip)) << e.ip;
  EXPECT_EQ(n.src_ip, ip(e.src_ip)) << e.src_ip;
  EXPECT_EQ(n.has_static_mac, e.has_static_mac);
  if (e.has_static_mac) {
    EXPECT_EQ(n.static_mac, e.static_mac);
  }
}

using Local = std::tuple<std::uint16_t, std::uint16_t, bool, IpAddr>;  // port, vlan, ipv6, ip

std::vector<Local> locals(const Snapshot& s) {
  std::vector<Local> out;
  for (const LocalAddress& a : s.local_addresses) out.emplace_back(a.port, a.vlan, a.ipv6, a.ip);
  return out;
}

/// Every target, OUT then IN per port, as (service, flow, port, encap).
using Target = std::array<std::uint16_t, 4>;
std::vector<Target> targets(const std::vector<MirrorTarget>& list) {
  std::vector<Target> out;
  for (const MirrorTarget& t : list) out.push_back({t.service, t.flow, t.port, t.encap});
  return out;
}

/// Checks the session tables against the flows, whatever the order: every
/// ERSPAN target's template carries its flow's session id and its sequence
/// names (service, that id); sessions are unique; VXLAN has no sequence.
void expect_sessions_consistent(const Snapshot& s) {
  std::set<std::pair<std::uint16_t, std::uint16_t>> seen;
  for (const SessionEntry& e : s.sessions) {
    EXPECT_TRUE(seen.emplace(e.service, e.session_id).second)
        << "session (" << e.service << ", " << e.session_id << ") twice";
  }
  std::set<std::uint16_t> used;
  for (const auto* table : {&s.mirror_out, &s.mirror_in}) {
    for (const auto& list : *table) {
      for (const MirrorTarget& t : list) {
        if (t.encap == kNone) continue;
        const EncapEntry& e = s.encaps.at(t.encap);
        const std::uint16_t id = s.flows[t.flow].erspan_session_id;
        if (e.tmpl.encap == Encap::kVxlan) {
          EXPECT_EQ(e.sequence, kNone);
          EXPECT_EQ(id, kNone);
          continue;
        }
        ASSERT_LT(e.sequence, s.sessions.size());
        EXPECT_EQ(s.sessions[e.sequence].service, t.service);
        EXPECT_EQ(s.sessions[e.sequence].session_id, id);
        EXPECT_EQ(be16(e.tmpl, e.tmpl.erspan_offset + 2) & 0x3ff, id);
        used.insert(e.sequence);
      }
    }
  }
  EXPECT_EQ(used.size(), s.sessions.size()) << "a session no target uses";
}

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
