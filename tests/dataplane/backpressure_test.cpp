// Mirroring never hurts production: a monitor nobody drains, and a clone
// pool that runs dry, cost only mirror copies (counted by reason); every
// production frame is delivered and every mbuf returns to its pool.

#include <gtest/gtest.h>

#include "tests/dataplane/ring_rig.hpp"

namespace taas::test {
namespace {

constexpr const char* kBcast = "ff:ff:ff:ff:ff:ff";

std::string intent(const std::string& dataplane) {
  return "version: 1\n" + dataplane + R"(
networks:
  - {name: tenant-a, vlan: 100}
ports:
  - {name: vm1, device: ring0, role: vm, network: tenant-a}
  - {name: vm2, device: ring1, role: vm, network: tenant-a}
  - {name: mon1, device: ring2, role: monitor}
tap_services:
  - {name: ts1, port: mon1}
tap_flows:
  - {name: tf, source_port: vm1, tap_service: ts1, direction: OUT}
)";
}

std::vector<Bytes> frames(int n, std::size_t payload) {
  std::vector<Bytes> v;
  for (int i = 0; i < n; ++i)
    v.push_back(make_frame(kBcast, "02:00:00:00:00:01", 0x0800, payload, static_cast<std::uint8_t>(i)));
  return v;
}

TEST(Backpressure, UndrainedMonitorDropsCopiesNotProduction) {
  constexpr unsigned kMonitorRing = 64;
  constexpr int kFrames = 1000;
  RingRig rig(intent(""), 4096, {{2, kMonitorRing}});
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const auto sent = frames(kFrames, 200);
  std::vector<Bytes> delivered;
  for (int i = 0; i < kFrames; i += 100) {  // the RX ring holds 4096; feed in rounds
    rig.inject("vm1", std::vector<Bytes>(sent.begin() + i, sent.begin() + i + 100));
    rig.run();
    for (auto& f : rig.collect("vm2")) delivered.push_back(std::move(f));
  }
  EXPECT_EQ(delivered, sent);  // every production frame, in order, unchanged
  EXPECT_EQ(rig.pending("mon1"), kMonitorRing);
  const auto& svc = rig.counters().service[0];
  EXPECT_EQ(svc.packets.get(), kMonitorRing);
  EXPECT_EQ(svc.dropped[static_cast<int>(DropReason::kTxFull)].get(), kFrames - kMonitorRing);
  EXPECT_EQ(rig.counters().port[rig.port("vm2")].tx_dropped.get(), 0u);
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
}

TEST(Backpressure, ExhaustedClonePoolDropsCopiesAsNombuf) {
  // 64 clones exist in all; the monitor ring holds every copy made, so the
  // clone pool runs dry after at most 64 copies while production goes on.
  RingRig rig(intent("dataplane: {clone_pool_size: 64}\n"), 4096);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const auto sent = frames(300, 500);
  rig.inject("vm1", sent);
  rig.run();
  EXPECT_EQ(rig.collect("vm2"), sent);
  const auto& svc = rig.counters().service[0];
  const auto copies = rig.collect("mon1");
  EXPECT_EQ(copies.size(), svc.packets.get());
  EXPECT_GT(svc.dropped[static_cast<int>(DropReason::kNombuf)].get(), 0u);
  EXPECT_EQ(svc.packets.get() + svc.dropped[static_cast<int>(DropReason::kNombuf)].get(), 300u);
  EXPECT_LE(copies.size(), 64u);
  for (std::size_t i = 0; i < copies.size(); ++i) EXPECT_EQ(copies[i], sent[i]) << i;
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
}

// Link state (issue 5): a monitor without link costs its copies (counted
// as port_down), a VM port without link costs the frames for it (counted in
// tx_dropped and tx_link_down, never queued); when the link comes back
// everything flows again, and every mbuf returns.
TEST(Backpressure, PortsWithoutLinkDropAndCount) {
  RingRig rig(intent(""));
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const auto sent = frames(10, 100);
  rig.set_link("mon1", false);
  rig.inject("vm1", sent);
  rig.run();
  EXPECT_EQ(rig.collect("vm2"), sent);  // production untouched
  EXPECT_TRUE(rig.collect("mon1").empty());
  const auto& svc = rig.counters().service[0];
  EXPECT_EQ(svc.dropped[static_cast<std::size_t>(DropReason::kPortDown)].get(), sent.size());
  EXPECT_EQ(svc.packets.get(), 0u);

  rig.set_link("mon1", true);
  rig.set_link("vm2", false);
  rig.inject("vm1", sent);
  rig.run();
  EXPECT_TRUE(rig.collect("vm2").empty());
  EXPECT_EQ(rig.collect("mon1"), sent);  // copies are made from what vm1 sent
  const PortCounters& vm2 = rig.counters().port[rig.port("vm2")];
  EXPECT_EQ(vm2.tx_link_down.get(), sent.size());
  EXPECT_EQ(vm2.tx_dropped.get(), sent.size());
  EXPECT_EQ(vm2.tx_packets.get(), sent.size());  // the first round only

  rig.set_link("vm2", true);
  rig.inject("vm1", sent);
  rig.run();
  EXPECT_EQ(rig.collect("vm2"), sent);
  EXPECT_EQ(rig.collect("mon1"), sent);
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
}

}  // namespace
}  // namespace taas::test
