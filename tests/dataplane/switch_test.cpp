// Production switching on real net_ring ports: learning, flooding, VLAN
// push/pop on the trunk, isolation between networks, drops by reason.

#include <rte_mbuf.h>

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "tests/dataplane/ring_rig.hpp"

namespace taas::test {
namespace {

constexpr const char* kVm1 = "02:00:00:00:00:01";
constexpr const char* kVm2 = "02:00:00:00:00:02";
constexpr const char* kVm3 = "02:00:00:00:00:03";
constexpr const char* kRemote = "02:00:00:00:00:a1";  // a host behind the uplink
constexpr const char* kBcast = "ff:ff:ff:ff:ff:ff";

const std::string kIntent = R"(
version: 1
networks:
  - {name: tenant-a, vlan: 100}
  - {name: tenant-b, vlan: 200}
ports:
  - {name: vm1, device: ring0, role: vm, network: tenant-a}
  - {name: vm2, device: ring1, role: vm, network: tenant-a}
  - {name: vm3, device: ring2, role: vm, network: tenant-b}
  - {name: uplink, device: ring3, role: uplink}
  - {name: mon1, device: ring4, role: monitor}
)";

TEST(Switch, BroadcastFloodsWithinNetworkAndTagsOnTrunk) {
  RingRig rig(kIntent);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const Bytes f = make_frame(kBcast, kVm1, 0x0806, 46, 1);
  rig.inject("vm1", {f});
  rig.run();
  EXPECT_EQ(rig.collect("vm2"), std::vector<Bytes>{f});
  EXPECT_EQ(rig.collect("uplink"), std::vector<Bytes>{tagged(f, 100)});
  EXPECT_TRUE(rig.collect("vm1").empty());
  EXPECT_TRUE(rig.collect("vm3").empty());
  EXPECT_TRUE(rig.collect("mon1").empty());
  EXPECT_EQ(rig.counters().port[rig.port("vm1")].rx_packets.get(), 1u);
  EXPECT_EQ(rig.counters().port[rig.port("uplink")].tx_packets.get(), 1u);
  EXPECT_EQ(rig.counters().port[rig.port("uplink")].tx_bytes.get(), f.size() + 4);
  EXPECT_TRUE(rig.shutdown());
}

TEST(Switch, LearnsAndForwardsKnownUnicastToOnePort) {
  RingRig rig(kIntent);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const Bytes hello = make_frame(kVm1, kVm2, 0x0800, 60, 2);  // vm1 unknown yet: flood
  rig.inject("vm2", {hello});
  rig.run();
  EXPECT_EQ(rig.collect("vm1"), std::vector<Bytes>{hello});
  EXPECT_EQ(rig.collect("uplink"), std::vector<Bytes>{tagged(hello, 100)});
  const Bytes reply = make_frame(kVm2, kVm1, 0x0800, 100, 3);  // vm2 learned
  rig.inject("vm1", {reply});
  rig.run();
  EXPECT_EQ(rig.collect("vm2"), std::vector<Bytes>{reply});
  EXPECT_TRUE(rig.collect("uplink").empty());
  const Bytes again = make_frame(kVm1, kVm2, 0x0800, 80, 4);  // vm1 learned now
  rig.inject("vm2", {again});
  rig.run();
  EXPECT_EQ(rig.collect("vm1"), std::vector<Bytes>{again});
  EXPECT_TRUE(rig.collect("uplink").empty());
  EXPECT_TRUE(rig.shutdown());
}

TEST(Switch, TrunkFramesArePoppedAndSwitchedPerVlan) {
  RingRig rig(kIntent);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const Bytes bcast_a = make_frame(kBcast, kRemote, 0x0806, 46, 5);
  const Bytes bcast_b = make_frame(kBcast, kRemote, 0x0806, 46, 6);
  rig.inject("uplink", {tagged(bcast_a, 100), tagged(bcast_b, 200)});
  rig.run();
  EXPECT_EQ(rig.collect("vm1"), std::vector<Bytes>{bcast_a});
  EXPECT_EQ(rig.collect("vm2"), std::vector<Bytes>{bcast_a});
  EXPECT_EQ(rig.collect("vm3"), std::vector<Bytes>{bcast_b});
  // vm1 answers the remote host: learned on the uplink in tenant-a.
  const Bytes answer = make_frame(kRemote, kVm1, 0x0800, 200, 7);
  rig.inject("vm1", {answer});
  rig.run();
  EXPECT_EQ(rig.collect("uplink"), std::vector<Bytes>{tagged(answer, 100)});
  EXPECT_TRUE(rig.collect("vm2").empty());
  // and the remote host's unicast reaches vm1 alone.
  const Bytes to_vm1 = make_frame(kVm1, kRemote, 0x0800, 300, 8);
  rig.inject("uplink", {tagged(to_vm1, 100)});
  rig.run();
  EXPECT_EQ(rig.collect("vm1"), std::vector<Bytes>{to_vm1});
  EXPECT_TRUE(rig.collect("vm2").empty());
  EXPECT_TRUE(rig.shutdown());
}

TEST(Switch, DropsAreCountedByReason) {
  RingRig rig(kIntent);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const Bytes untagged = make_frame(kBcast, kRemote, 0x0806, 46, 9);
  rig.inject("uplink", {untagged, tagged(untagged, 300)});                 // no network
  rig.inject("vm1", {make_frame(kBcast, kVm1, 0x0800, 46, 10, 100)});       // tagged on access
  rig.inject("vm2", {Bytes(10, 0xee)});                                     // runt
  rig.inject("mon1", {make_frame(kBcast, "02:00:00:00:00:0f", 0x0800, 46, 11)});  // monitor
  rig.run();
  for (const char* p : {"vm1", "vm2", "vm3", "uplink", "mon1"}) EXPECT_TRUE(rig.collect(p).empty()) << p;
  const auto& c = rig.counters().port;
  auto by = [&](const char* p, RxDropReason r) { return c[rig.port(p)].rx_dropped_by[static_cast<int>(r)].get(); };
  EXPECT_EQ(by("uplink", RxDropReason::kVlanMismatch), 2u);
  EXPECT_EQ(by("vm1", RxDropReason::kVlanMismatch), 1u);
  EXPECT_EQ(by("vm2", RxDropReason::kMalformed), 1u);
  EXPECT_EQ(by("mon1", RxDropReason::kMonitorPort), 1u);
  EXPECT_EQ(c[rig.port("uplink")].rx_dropped.get(), 2u);
  EXPECT_TRUE(rig.shutdown());
}

// A trunk frame whose mbuf is shared (refcount 2, as a PMD or a capture may
// hand one over) is popped on a private copy; with the production pool
// empty there is none: dropped on receive as nombuf, nothing leaks. With
// buffers back, the same kind of frame is delivered, popped, and the
// caller's reference still holds the tagged original.
TEST(Switch, SharedTrunkFrameWithoutABufferIsDroppedAsNombuf) {
  RingRig rig(kIntent);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  rte_mempool* prod = rig.pools().production;
  const Bytes bcast = make_frame(kBcast, kRemote, 0x0806, 46, 12);
  const Bytes wire = tagged(bcast, 100);
  auto shared = [&] {
    rte_mbuf* m = rte_pktmbuf_alloc(prod);
    EXPECT_NE(m, nullptr);
    std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(wire.size())), wire.data(), wire.size());
    rte_mbuf_refcnt_update(m, 1);  // the test keeps a reference
    return m;
  };
  rte_mbuf* first = shared();
  std::vector<rte_mbuf*> held;  // every other production mbuf
  while (rte_mbuf* x = rte_pktmbuf_alloc(prod)) held.push_back(x);
  rig.inject_mbuf("uplink", first);
  rig.run();
  for (const char* p : {"vm1", "vm2", "vm3"}) EXPECT_TRUE(rig.collect(p).empty()) << p;
  const auto& c = rig.counters().port[rig.port("uplink")];
  EXPECT_EQ(c.rx_dropped_by[static_cast<int>(RxDropReason::kNombuf)].get(), 1u);
  EXPECT_EQ(c.rx_dropped.get(), 1u);
  EXPECT_EQ(rte_mbuf_refcnt_read(first), 1u);  // the worker let go of its reference
  for (rte_mbuf* x : held) rte_pktmbuf_free(x);
  rte_pktmbuf_free(first);

  rte_mbuf* second = shared();
  rig.inject_mbuf("uplink", second);
  rig.run();
  EXPECT_EQ(rig.collect("vm1"), std::vector<Bytes>{bcast});
  EXPECT_EQ(rig.collect("vm2"), std::vector<Bytes>{bcast});
  EXPECT_EQ(Bytes(rte_pktmbuf_mtod(second, const std::uint8_t*),
                  rte_pktmbuf_mtod(second, const std::uint8_t*) + rte_pktmbuf_pkt_len(second)),
            wire);
  rte_pktmbuf_free(second);
  EXPECT_EQ(c.rx_dropped.get(), 1u);
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
}

TEST(Switch, HairpinIsDropped) {
  RingRig rig(kIntent);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  rig.inject("vm1", {make_frame(kBcast, kVm1, 0x0806, 46, 12)});
  rig.run();
  rig.collect("vm2");
  rig.collect("uplink");
  rig.inject("vm1", {make_frame(kVm1, "02:00:00:00:00:77", 0x0800, 46, 13)});  // to itself
  rig.run();
  EXPECT_TRUE(rig.collect("vm1").empty());
  EXPECT_EQ(rig.counters().port[rig.port("vm1")].rx_dropped_by[static_cast<int>(RxDropReason::kHairpin)].get(), 1u);
  EXPECT_TRUE(rig.shutdown());
}

}  // namespace
}  // namespace taas::test
