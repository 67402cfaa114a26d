// Remote mirroring on real net_ring ports, the neighbour side (DESIGN.md
// §5): next hops resolved by ARP and neighbour discovery in the worker while
// copies wait as no_neighbor, taasd answering for its own underlay
// addresses (untagged or on the underlay VLAN), refresh and expiry of a
// resolved next hop, and internal mode resolving on the service port.
// Production must not notice any of it.
//
// Every frame is judged by byte offset (tests/dataplane/wire.*), never by the
// dataplane's own builders and parsers.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/dataplane/remote_fixture.hpp"

namespace taas::test {
namespace {

using namespace remote;
using wire::ip;
using wire::mac;

// ---------------------------------------------------------------------------
// IPv4 next hop resolved by ARP.

struct ArpTraffic {
  // Unresolved: vm1 floods, vm2 answers vm1 (IN copy), vm1 to an unknown host.
  std::vector<Step> before{
      {"vm1", {make_frame(kBcast, kVm1, 0x0800, 46, 1)}},
      {"vm2", {make_frame(kVm1, kVm2, 0x0800, 60, 2)}},
      {"vm1", {make_frame(kRemote, kVm1, 0x0800, 100, 3)}},
  };
  // Resolved: vm1 floods, vm1 -> vm2 known (small and large), vm2 -> vm1.
  Bytes a = make_frame(kBcast, kVm1, 0x0800, 46, 4);
  Bytes b = make_frame(kVm2, kVm1, 0x0800, 200, 5);
  Bytes d = make_frame(kVm2, kVm1, 0x0800, 1400, 6);  // fits ERSPAN II and IPv6 VXLAN at MTU 1500
  Bytes c = make_frame(kVm1, kVm2, 0x0800, 300, 7);
  std::vector<Step> after() const { return {{"vm1", {a, b, d}}, {"vm2", {c}}}; }
  std::vector<Bytes> copies() const { return {a, b, d, c}; }
};

Bytes gateway_arp_reply(const MacAddr& uplink_mac, int vlan = -1) {
  return wire::arp(2, uplink_mac, mac(kGwMac), mac(kGwMac), "192.0.2.1", uplink_mac, "192.0.2.10", vlan);
}

TEST(Remote, UnresolvedNextHopDropsCopiesUntilArpResolvesIt) {
  const ArpTraffic t;
  // The same host with no tap flow: what production must look like.
  RingRig base(intent(kUnderlay4, kErspan2Service));
  ASSERT_TRUE(base.ok());
  const Outputs base1 = drive(base, t.before);
  base.inject("uplink", {gateway_arp_reply(base.mac("uplink"))});
  base.run();
  const Outputs base2 = drive(base, t.after());

  RingRig rig(intent(kUnderlay4, kErspan2Service + kFlowBoth));
  ASSERT_TRUE(rig.ok());
  const MacAddr up = rig.mac("uplink");
  ASSERT_NE(up, kZeroMac);
  const Outputs got1 = drive(rig, t.before);

  // Production exactly as without the flow; no copy left anywhere.
  const wire::Split up1 = wire::split(get(got1, "uplink"));
  EXPECT_EQ(up1.production, get(base1, "uplink"));
  EXPECT_EQ(get(base1, "uplink").size(), 2u);  // the two floods, tagged
  EXPECT_EQ(get(got1, "vm1"), get(base1, "vm1"));
  EXPECT_EQ(get(got1, "vm2"), get(base1, "vm2"));
  EXPECT_TRUE(up1.encap.empty());
  EXPECT_TRUE(get(got1, "mon1").empty());
  EXPECT_EQ(dropped(rig, 0, DropReason::kNoNeighbor), 3u);
  EXPECT_EQ(rig.counters().service[0].packets.get(), 0u);

  // A broadcast request: who has 192.0.2.1, tell 192.0.2.10 (one a second
  // while unresolved: one, unless this machine is very slow).
  ASSERT_GE(up1.arp.size(), 1u);
  for (const Bytes& f : up1.arp) {
    const auto req = wire::decode_arp(f);
    ASSERT_TRUE(req);
    EXPECT_EQ(req->eth_dst, kBroadcastMac);
    EXPECT_EQ(req->eth_src, up);
    EXPECT_EQ(req->vlan, -1);
    EXPECT_EQ(req->op, 1);
    EXPECT_EQ(req->sha, up);
    EXPECT_EQ(req->spa, ip("192.0.2.10"));
    EXPECT_EQ(req->tha, kZeroMac);
    EXPECT_EQ(req->tpa, ip("192.0.2.1"));
    EXPECT_EQ(req->len, 60u);
  }
  EXPECT_TRUE(up1.other.empty() && up1.nd.empty());

  // The gateway answers: consumed, neither forwarded nor counted as a drop.
  rig.inject("uplink", {gateway_arp_reply(up)});
  rig.run();
  for (const char* p : {"vm1", "vm2", "uplink", "mon1"}) EXPECT_TRUE(rig.collect(p).empty()) << p;
  EXPECT_EQ(rig.counters().port[rig.port("uplink")].rx_packets.get(), 1u);
  EXPECT_EQ(rig.counters().port[rig.port("uplink")].rx_dropped.get(), 0u);
  ASSERT_EQ(rig.snap().neighbors.size(), 1u);
  std::uint8_t resolved[6] = {};
  ASSERT_TRUE(rig.remote().lookup(0, resolved));
  EXPECT_EQ(wire::to_string(MacAddr{resolved[0], resolved[1], resolved[2], resolved[3], resolved[4], resolved[5]}),
            kGwMac);

  // Now the copies leave the uplink, numbered from 0.
  const Outputs got2 = drive(rig, t.after());
  const wire::Split up2 = wire::split(get(got2, "uplink"));
  EXPECT_EQ(up2.production, get(base2, "uplink"));
  EXPECT_EQ(get(got2, "vm1"), get(base2, "vm1"));
  EXPECT_EQ(get(got2, "vm2"), get(base2, "vm2"));
  EXPECT_TRUE(up2.arp.empty());
  const auto inner = t.copies();
  ASSERT_EQ(up2.encap.size(), inner.size());
  for (std::size_t i = 0; i < inner.size(); ++i)
    expect_erspan2(up2.encap[i], mac(kGwMac), up, static_cast<std::uint32_t>(i), 5, 7, inner[i]);
  EXPECT_EQ(rig.counters().service[0].packets.get(), inner.size());
  EXPECT_EQ(rig.counters().flow[0].packets.get(), inner.size());
  EXPECT_EQ(dropped(rig, 0, DropReason::kNoNeighbor), 3u);
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
  EXPECT_TRUE(base.shutdown()) << "an mbuf leaked";
}

// ---------------------------------------------------------------------------
// IPv6 next hop resolved by neighbour discovery.

TEST(Remote, Ipv6NextHopIsResolvedByNeighbourDiscovery) {
  const std::string underlay = "{port: uplink, address6: \"2001:db8::10/64\", gateway6: \"2001:db8::1\"}";
  const std::string services = R"(
tap_services:
  - {name: ts_vx6, remote_ip: "2001:db8:1::7", encap: vxlan, vni: 5000}
tap_flows:
  - {name: tf, source_port: vm1, tap_service: ts_vx6, direction: BOTH}
)";
  const ArpTraffic t;
  RingRig base(intent(underlay, R"(
tap_services:
  - {name: ts_vx6, remote_ip: "2001:db8:1::7", encap: vxlan, vni: 5000}
)"));
  ASSERT_TRUE(base.ok());
  const Outputs base1 = drive(base, t.before);
  const Outputs base2 = drive(base, t.after());

  RingRig rig(intent(underlay, services));
  ASSERT_TRUE(rig.ok());
  const MacAddr up = rig.mac("uplink");
  const Outputs got1 = drive(rig, t.before);
  const wire::Split up1 = wire::split(get(got1, "uplink"));
  EXPECT_EQ(up1.production, get(base1, "uplink"));
  EXPECT_EQ(get(got1, "vm1"), get(base1, "vm1"));
  EXPECT_EQ(get(got1, "vm2"), get(base1, "vm2"));
  EXPECT_TRUE(up1.encap.empty());
  EXPECT_TRUE(up1.arp.empty());
  EXPECT_EQ(dropped(rig, 0, DropReason::kNoNeighbor), 3u);

  // A solicitation for the gateway, to its solicited-node group.
  ASSERT_GE(up1.nd.size(), 1u);
  const auto ns = wire::decode_nd(up1.nd[0]);
  ASSERT_TRUE(ns);
  EXPECT_EQ(wire::to_string(ns->eth_dst), "33:33:ff:00:00:01");
  EXPECT_EQ(ns->eth_src, up);
  EXPECT_EQ(ns->vlan, -1);
  EXPECT_EQ(ns->type, 135);
  EXPECT_EQ(ns->hop_limit, 255);
  EXPECT_TRUE(ns->checksum_ok);
  EXPECT_EQ(ns->src, ip("2001:db8::10"));
  EXPECT_EQ(ns->dst, ip("ff02::1:ff00:1"));
  EXPECT_EQ(ns->target, ip("2001:db8::1"));
  EXPECT_EQ(ns->opt_type, 1);
  EXPECT_EQ(ns->opt_mac, up);

  // A solicited advertisement whose target link-layer option (not its
  // Ethernet source) names the gateway's MAC.
  const Bytes na =
      wire::nd(136, up, mac("02:00:00:00:00:fd"), "2001:db8::1", "2001:db8::10", "2001:db8::1", 0x60, 2, mac(kGwMac));
  rig.inject("uplink", {na});
  rig.run();
  for (const char* p : {"vm1", "vm2", "uplink", "mon1"}) EXPECT_TRUE(rig.collect(p).empty()) << p;
  EXPECT_EQ(rig.counters().port[rig.port("uplink")].rx_dropped.get(), 0u);

  const Outputs got2 = drive(rig, t.after());
  const wire::Split up2 = wire::split(get(got2, "uplink"));
  EXPECT_EQ(up2.production, get(base2, "uplink"));
  EXPECT_EQ(get(got2, "vm1"), get(base2, "vm1"));
  EXPECT_EQ(get(got2, "vm2"), get(base2, "vm2"));
  const auto inner = t.copies();
  ASSERT_EQ(up2.encap.size(), inner.size());
  for (std::size_t i = 0; i < inner.size(); ++i) {
    SCOPED_TRACE("VXLAN copy " + std::to_string(i));
    const Bytes& f = up2.encap[i];
    const auto o = wire::decode_outer(f);
    ASSERT_TRUE(o);
    EXPECT_EQ(wire::to_string(o->eth_dst), kGwMac);
    EXPECT_EQ(o->eth_src, up);
    EXPECT_TRUE(o->ipv6);
    EXPECT_EQ(o->src, ip("2001:db8::10"));
    EXPECT_EQ(o->dst, ip("2001:db8:1::7"));
    EXPECT_EQ(o->ttl, 64);
    EXPECT_EQ(o->proto, 17);
    EXPECT_EQ(o->ip_len, f.size() - 14);
    EXPECT_EQ(o->udp_dst, 4789);
    EXPECT_GE(o->udp_src, 49152);
    EXPECT_EQ(o->udp_len, f.size() - 54);
    EXPECT_NE(o->udp_csum, 0);
    EXPECT_EQ(udp6_sum(f), 0xffff) << "bad UDP checksum";
    EXPECT_EQ(o->vxlan_flags, 0x08);
    EXPECT_EQ(o->vni, 5000u);
    EXPECT_EQ(f.size(), kVxlanLen + kV6Extra + inner[i].size());
    EXPECT_EQ(o->inner, inner[i]);
  }
  EXPECT_EQ(dropped(rig, 0, DropReason::kNoNeighbor), 3u);
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
  EXPECT_TRUE(base.shutdown());
}

// ---------------------------------------------------------------------------
// taasd answers ARP and neighbour solicitations for its own addresses.

const std::string kUnderlayOwn = "{port: uplink, address: 192.0.2.10/24, address6: \"2001:db8::10/64\"";

Bytes arp_request_for(const std::string& target, int vlan = -1) {
  return wire::arp(1, kBroadcastMac, mac(kHostMac), mac(kHostMac), "192.0.2.77", kZeroMac, target, vlan);
}

Bytes ns_for(const std::string& target, const std::string& group, const std::string& group_mac, int vlan = -1) {
  return wire::nd(135, mac(group_mac), mac(kHostMac), "2001:db8::77", group, target, 0, 1, mac(kHostMac), vlan);
}

void expect_arp_reply(const Bytes& f, const MacAddr& up, int vlan) {
  const auto a = wire::decode_arp(f);
  ASSERT_TRUE(a) << "not ARP";
  EXPECT_EQ(wire::to_string(a->eth_dst), kHostMac);
  EXPECT_EQ(a->eth_src, up);
  EXPECT_EQ(a->vlan, vlan);
  EXPECT_EQ(a->op, 2);
  EXPECT_EQ(a->sha, up);
  EXPECT_EQ(a->spa, ip("192.0.2.10"));
  EXPECT_EQ(wire::to_string(a->tha), kHostMac);
  EXPECT_EQ(a->tpa, ip("192.0.2.77"));
  EXPECT_EQ(a->len, vlan < 0 ? 60u : 64u);
}

void expect_neighbor_advert(const Bytes& f, const MacAddr& up, int vlan) {
  const auto n = wire::decode_nd(f);
  ASSERT_TRUE(n) << "not ND";
  EXPECT_EQ(wire::to_string(n->eth_dst), kHostMac);
  EXPECT_EQ(n->eth_src, up);
  EXPECT_EQ(n->vlan, vlan);
  EXPECT_EQ(n->type, 136);
  EXPECT_EQ(n->hop_limit, 255);
  EXPECT_TRUE(n->checksum_ok);
  EXPECT_EQ(n->src, ip("2001:db8::10"));
  EXPECT_EQ(n->dst, ip("2001:db8::77"));
  EXPECT_EQ(n->target, ip("2001:db8::10"));
  EXPECT_EQ(n->flags & 0xe0, 0x60) << "want S and O set, R clear";
  EXPECT_EQ(n->opt_type, 2);
  EXPECT_EQ(n->opt_mac, up);
}

TEST(Remote, AnswersArpAndSolicitationsForItsAddresses) {
  RingRig rig(intent(kUnderlayOwn + "}", ""));
  ASSERT_TRUE(rig.ok());
  const MacAddr up = rig.mac("uplink");
  rig.inject("uplink", {arp_request_for("192.0.2.10"), ns_for("2001:db8::10", "ff02::1:ff00:10", "33:33:ff:00:00:10")});
  rig.run();
  const auto sent = rig.collect("uplink");
  ASSERT_EQ(sent.size(), 2u);
  expect_arp_reply(sent[0], up, -1);
  expect_neighbor_advert(sent[1], up, -1);
  for (const char* p : {"vm1", "vm2", "mon1"}) EXPECT_TRUE(rig.collect(p).empty()) << p;
  EXPECT_EQ(rig.counters().port[rig.port("uplink")].rx_dropped.get(), 0u);
  EXPECT_TRUE(rig.shutdown());
}

TEST(Remote, RequestsForOtherAddressesAreDroppedAsBefore) {
  RingRig rig(intent(kUnderlayOwn + "}", ""));
  ASSERT_TRUE(rig.ok());
  rig.inject("uplink", {arp_request_for("192.0.2.99"), ns_for("2001:db8::99", "ff02::1:ff00:99", "33:33:ff:00:00:99")});
  rig.run();
  for (const char* p : {"vm1", "vm2", "uplink", "mon1"}) EXPECT_TRUE(rig.collect(p).empty()) << p;
  // Untagged frames on the trunk that are not taasd's: vlan_mismatch, as
  // without an underlay.
  EXPECT_EQ(rx_dropped(rig, "uplink", RxDropReason::kVlanMismatch), 2u);
  EXPECT_EQ(rig.counters().port[rig.port("uplink")].rx_dropped.get(), 2u);
  EXPECT_TRUE(rig.shutdown());
}

TEST(Remote, TenantArpForTheUnderlayAddressIsSwitchedNotAnswered) {
  RingRig rig(intent(kUnderlayOwn + "}", ""));
  ASSERT_TRUE(rig.ok());
  const Bytes tenant_arp = arp_request_for("192.0.2.10", 100);  // on tenant-a's VLAN
  rig.inject("uplink", {tenant_arp});
  rig.run();
  Bytes untagged = tenant_arp;
  untagged.erase(untagged.begin() + 12, untagged.begin() + 16);
  EXPECT_EQ(rig.collect("vm1"), std::vector<Bytes>{untagged});
  EXPECT_EQ(rig.collect("vm2"), std::vector<Bytes>{untagged});
  EXPECT_TRUE(rig.collect("uplink").empty());
  EXPECT_TRUE(rig.shutdown());
}

TEST(Remote, UnderlayVlanIsWhereArpAndNdAreAnswered) {
  RingRig rig(intent(kUnderlayOwn + ", vlan: 300}", ""));
  ASSERT_TRUE(rig.ok());
  const MacAddr up = rig.mac("uplink");
  rig.inject("uplink",
             {arp_request_for("192.0.2.10", 300), ns_for("2001:db8::10", "ff02::1:ff00:10", "33:33:ff:00:00:10", 300)});
  rig.run();
  const auto sent = rig.collect("uplink");
  ASSERT_EQ(sent.size(), 2u);
  expect_arp_reply(sent[0], up, 300);
  expect_neighbor_advert(sent[1], up, 300);
  EXPECT_EQ(rig.counters().port[rig.port("uplink")].rx_dropped.get(), 0u);

  // Untagged (and on another VLAN) nobody answers: the trunk drops them.
  rig.inject("uplink", {arp_request_for("192.0.2.10"), ns_for("2001:db8::10", "ff02::1:ff00:10", "33:33:ff:00:00:10"),
                        arp_request_for("192.0.2.10", 301)});
  rig.run();
  for (const char* p : {"vm1", "vm2", "uplink", "mon1"}) EXPECT_TRUE(rig.collect(p).empty()) << p;
  EXPECT_EQ(rx_dropped(rig, "uplink", RxDropReason::kVlanMismatch), 3u);
  EXPECT_TRUE(rig.shutdown());
}

// ---------------------------------------------------------------------------
// Refresh and expiry of a resolved next hop.

TEST(Remote, ResolvedNextHopIsRefreshedAndForgottenWithoutAnswer) {
  using Clock = std::chrono::steady_clock;
  const std::string underlay = "{port: uplink, address: 192.0.2.10/24, gateway: 192.0.2.1, neighbor_refresh: 1}";
  const std::string services = kErspan2Service +
                               "tap_flows:\n  - {name: tf, source_port: vm1, tap_service: ts_e2, "
                               "direction: OUT}\n";
  RingRig silent(intent(underlay, services));    // the gateway never answers again
  RingRig answered(intent(underlay, services));  // the gateway answers the refresh
  ASSERT_TRUE(silent.ok());
  ASSERT_TRUE(answered.ok());
  const MacAddr up = silent.mac("uplink");
  silent.run();
  answered.run();
  silent.collect("uplink");
  answered.collect("uplink");
  silent.inject("uplink", {gateway_arp_reply(up)});
  answered.inject("uplink", {gateway_arp_reply(up)});
  silent.run();
  answered.run();
  const auto t0 = Clock::now();
  const auto since = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };

  struct Seen {
    double at;
    wire::Arp arp;
  };
  std::vector<Seen> silent_arp, answered_arp;
  bool answered_refresh = false;
  auto poll_until = [&](double until) {
    while (since() < until) {
      silent.poll();
      answered.poll();
      for (const Bytes& f : silent.collect("uplink"))
        if (auto a = wire::decode_arp(f)) silent_arp.push_back({since(), *a});
      for (const Bytes& f : answered.collect("uplink")) {
        auto a = wire::decode_arp(f);
        if (!a) continue;
        answered_arp.push_back({since(), *a});
        if (!answered_refresh && a->eth_dst == mac(kGwMac)) {
          answered_refresh = true;
          answered.inject("uplink", {gateway_arp_reply(up)});
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  };
  auto copies = [&](RingRig& rig) {
    rig.inject("vm1", {make_frame(kRemote, kVm1, 0x0800, 100, 30)});
    rig.run();
    const wire::Split s = wire::split(rig.collect("uplink"));
    for (const Bytes& f : s.arp)
      (&rig == &silent ? silent_arp : answered_arp).push_back({since(), *wire::decode_arp(f)});
    return s.encap.size();
  };

  poll_until(1.5);
  // At refresh age: one unicast request to the known MAC, not before 1 s.
  ASSERT_EQ(silent_arp.size(), 1u);
  EXPECT_GE(silent_arp[0].at, 0.95);
  EXPECT_EQ(wire::to_string(silent_arp[0].arp.eth_dst), kGwMac);
  EXPECT_EQ(silent_arp[0].arp.eth_src, up);
  EXPECT_EQ(silent_arp[0].arp.op, 1);
  EXPECT_EQ(silent_arp[0].arp.tpa, ip("192.0.2.1"));
  EXPECT_EQ(silent_arp[0].arp.spa, ip("192.0.2.10"));
  EXPECT_TRUE(answered_refresh);
  // Between refresh and expiry the entry is still used.
  EXPECT_EQ(copies(silent), 1u);
  EXPECT_EQ(copies(answered), 1u);

  poll_until(2.3);
  // Forgotten at twice the refresh time: copies are no_neighbor again, and
  // resolution starts over with a broadcast request.
  std::uint8_t m[6];
  EXPECT_FALSE(silent.remote().lookup(0, m));
  EXPECT_EQ(copies(silent), 0u);
  EXPECT_EQ(dropped(silent, 0, DropReason::kNoNeighbor), 1u);
  ASSERT_GE(silent_arp.size(), 2u);
  EXPECT_GE(silent_arp[1].at, 1.95);
  EXPECT_EQ(silent_arp[1].arp.eth_dst, kBroadcastMac);
  // The answer kept the other one.
  EXPECT_TRUE(answered.remote().lookup(0, m));
  EXPECT_EQ(copies(answered), 1u);
  EXPECT_EQ(dropped(answered, 0, DropReason::kNoNeighbor), 0u);
  for (const Seen& s : answered_arp) EXPECT_NE(s.arp.eth_dst, kBroadcastMac) << "at " << s.at << " s";
  EXPECT_TRUE(silent.shutdown());
  EXPECT_TRUE(answered.shutdown());
}

// ---------------------------------------------------------------------------
// Resolution on the underlay VLAN; copies tagged with it.

TEST(Remote, NextHopIsResolvedOnTheUnderlayVlan) {
  const std::string underlay = "{port: uplink, address: 192.0.2.10/24, gateway: 192.0.2.1, vlan: 300}";
  RingRig rig(intent(underlay, kErspan2Service + "tap_flows:\n  - {name: tf, source_port: vm1, tap_service: ts_e2, "
                                                 "direction: OUT, erspan_session_id: 5}\n"));
  ASSERT_TRUE(rig.ok());
  const MacAddr up = rig.mac("uplink");
  rig.run();
  const wire::Split s0 = wire::split(rig.collect("uplink"), 300);
  ASSERT_GE(s0.arp.size(), 1u);
  EXPECT_TRUE(s0.production.empty()) << "the request must be tagged 300";
  const auto req = wire::decode_arp(s0.arp[0]);
  EXPECT_EQ(req->vlan, 300);
  EXPECT_EQ(req->eth_dst, kBroadcastMac);
  EXPECT_EQ(req->tpa, ip("192.0.2.1"));
  EXPECT_EQ(req->len, 64u);

  // An untagged answer is not from the underlay: the trunk drops it.
  rig.inject("uplink", {gateway_arp_reply(up)});
  rig.run();
  std::uint8_t m[6];
  EXPECT_FALSE(rig.remote().lookup(0, m));
  EXPECT_EQ(rx_dropped(rig, "uplink", RxDropReason::kVlanMismatch), 1u);
  rig.inject("uplink", {gateway_arp_reply(up, 300)});
  rig.run();
  EXPECT_TRUE(rig.remote().lookup(0, m));
  EXPECT_EQ(rig.counters().port[rig.port("uplink")].rx_dropped.get(), 1u);
  rig.collect("uplink");

  const Bytes f = make_frame(kRemote, kVm1, 0x0800, 300, 50);
  rig.inject("vm1", {f});
  rig.run();
  const wire::Split s1 = wire::split(rig.collect("uplink"), 300);
  EXPECT_EQ(s1.production, std::vector<Bytes>{tagged(f, 100)});
  ASSERT_EQ(s1.encap.size(), 1u);
  const auto o = wire::decode_outer(s1.encap[0]);
  EXPECT_EQ(o->vlan, 300);
  EXPECT_EQ(wire::to_string(o->eth_dst), kGwMac);
  EXPECT_EQ(o->eth_src, up);
  EXPECT_TRUE(o->ip_checksum_ok);
  EXPECT_EQ(o->ip_len, s1.encap[0].size() - 18);
  EXPECT_EQ(o->seq, 0u);
  EXPECT_EQ(o->inner, f);
  EXPECT_TRUE(rig.shutdown());
}

// ---------------------------------------------------------------------------
// Internal mode: the collector is reached through the service port and
// resolved there.

TEST(Remote, InternalModeResolvesTheCollectorOnTheServicePort) {
  RingRig rig(intent("{address: 192.0.2.10/24}", R"(
tap_services:
  - {name: ts_int, port: mon1, remote_ip: 192.0.2.50, encap: erspan2}
tap_flows:
  - {name: tf, source_port: vm1, tap_service: ts_int, direction: OUT, erspan_session_id: 3}
)"));
  ASSERT_TRUE(rig.ok());
  const MacAddr mon = rig.mac("mon1");
  const MacAddr collector = mac("02:00:00:00:00:c0");
  const Bytes f1 = make_frame(kBcast, kVm1, 0x0800, 100, 40);
  rig.inject("vm1", {f1});
  rig.run();
  const wire::Split s1 = wire::split(rig.collect("mon1"));
  ASSERT_GE(s1.arp.size(), 1u);
  EXPECT_TRUE(s1.encap.empty());
  const auto req = wire::decode_arp(s1.arp[0]);
  EXPECT_EQ(req->eth_src, mon);
  EXPECT_EQ(req->tpa, ip("192.0.2.50"));
  EXPECT_EQ(req->spa, ip("192.0.2.10"));
  EXPECT_EQ(dropped(rig, 0, DropReason::kNoNeighbor), 1u);
  rig.inject("mon1", {wire::arp(2, mon, collector, collector, "192.0.2.50", mon, "192.0.2.10")});
  rig.run();
  EXPECT_EQ(rx_dropped(rig, "mon1", RxDropReason::kMonitorPort), 0u);
  const Bytes f2 = make_frame(kBcast, kVm1, 0x0800, 200, 41);
  rig.inject("vm1", {f2});
  rig.run();
  const wire::Split s2 = wire::split(rig.collect("mon1"));
  ASSERT_EQ(s2.encap.size(), 1u);
  const auto o = wire::decode_outer(s2.encap[0]);
  EXPECT_EQ(o->eth_dst, collector);
  EXPECT_EQ(o->eth_src, mon);
  EXPECT_EQ(o->dst, ip("192.0.2.50"));
  EXPECT_EQ(o->session, 3);
  EXPECT_EQ(o->seq, 0u);
  EXPECT_EQ(o->inner, f2);
  // taasd's address is answered on the service port too.
  rig.inject("mon1", {wire::arp(1, kBroadcastMac, collector, collector, "192.0.2.50", kZeroMac, "192.0.2.10")});
  rig.run();
  const auto answer = rig.collect("mon1");
  ASSERT_EQ(answer.size(), 1u);
  const auto rep = wire::decode_arp(answer[0]);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->op, 2);
  EXPECT_EQ(rep->eth_dst, collector);
  EXPECT_EQ(rep->sha, mon);
  EXPECT_EQ(rep->spa, ip("192.0.2.10"));
  EXPECT_EQ(rep->tpa, ip("192.0.2.50"));
  // What else the monitor sends is still dropped.
  rig.inject("mon1", {make_frame(kBcast, "02:00:00:00:00:c0", 0x0800, 50, 42)});
  rig.run();
  EXPECT_EQ(rx_dropped(rig, "mon1", RxDropReason::kMonitorPort), 1u);
  EXPECT_TRUE(rig.collect("vm1").empty());
  EXPECT_TRUE(rig.shutdown());
}

}  // namespace
}  // namespace taas::test
