// Port-mode mirroring on real net_ring ports: IN, OUT, BOTH, several flows
// on one source, several services on one source; the monitor gets exactly
// the expected frames in order, and production gets exactly what it gets
// with no tap flow at all.

#include <gtest/gtest.h>

#include <map>

#include "tests/dataplane/ring_rig.hpp"

namespace taas::test {
namespace {

constexpr const char* kVm1 = "02:00:00:00:00:01";
constexpr const char* kVm2 = "02:00:00:00:00:02";
constexpr const char* kRemote = "02:00:00:00:00:a1";
constexpr const char* kBcast = "ff:ff:ff:ff:ff:ff";

const std::string kPorts = R"(
version: 1
networks:
  - {name: tenant-a, vlan: 100}
ports:
  - {name: vm1, device: ring0, role: vm, network: tenant-a}
  - {name: vm2, device: ring1, role: vm, network: tenant-a}
  - {name: uplink, device: ring2, role: uplink}
  - {name: mon1, device: ring3, role: monitor}
  - {name: mon2, device: ring4, role: monitor}
)";

std::string intent(const std::string& services_and_flows) { return kPorts + services_and_flows; }

const std::string kOneService = R"(
tap_services:
  - {name: ts1, port: mon1}
)";

using Outputs = std::map<std::string, std::vector<Bytes>>;

/// The traffic every case sends, in three rounds so that learning is
/// deterministic: vm1 and vm2 talk (both directions, known and unknown
/// unicast, broadcast), the uplink delivers to vm1, vm1 sends to the uplink.
struct Traffic {
  // round 1: vm1 -> broadcast (floods to vm2 + uplink), vm2 -> vm1 (learned)
  std::vector<Bytes> r1_vm1{make_frame(kBcast, kVm1, 0x0806, 46, 1)};
  std::vector<Bytes> r1_vm2{make_frame(kVm1, kVm2, 0x0800, 60, 2), make_frame(kVm1, kVm2, 0x0800, 1486, 3)};
  // round 2: vm1 -> vm2 (known), vm1 -> remote (unknown: flood, tag on uplink)
  std::vector<Bytes> r2_vm1{make_frame(kVm2, kVm1, 0x0800, 200, 4), make_frame(kRemote, kVm1, 0x86dd, 100, 5)};
  // round 3: remote -> vm1 (tagged on trunk, popped), remote broadcast,
  //          vm1 -> remote (now known: uplink only, OUT copy stays untagged)
  std::vector<Bytes> r3_up{make_frame(kVm1, kRemote, 0x0800, 500, 6, 100),
                           make_frame(kBcast, kRemote, 0x0806, 46, 7, 100)};
  std::vector<Bytes> r3_vm1{make_frame(kRemote, kVm1, 0x0800, 64, 8)};

  /// Frames vm1 sent, as sent (VM-centric OUT).
  std::vector<Bytes> vm1_out() const {
    return {r1_vm1[0], r2_vm1[0], r2_vm1[1], r3_vm1[0]};
  }
  /// Frames delivered to vm1, untagged (VM-centric IN).
  std::vector<Bytes> vm1_in() const {
    Bytes a = r3_up[0], b = r3_up[1];
    a.erase(a.begin() + 12, a.begin() + 16);
    b.erase(b.begin() + 12, b.begin() + 16);
    return {r1_vm2[0], r1_vm2[1], a, b};
  }
};

Outputs run_traffic(RingRig& rig) {
  const Traffic t;
  Outputs out;
  auto take = [&] {
    for (const auto& p : rig.snap().ports)
      for (auto& f : rig.collect(p.name)) out[p.name].push_back(std::move(f));
  };
  rig.inject("vm1", t.r1_vm1);
  rig.run();
  rig.inject("vm2", t.r1_vm2);
  rig.run();
  take();
  rig.inject("vm1", t.r2_vm1);
  rig.run();
  take();
  rig.inject("uplink", t.r3_up);
  rig.run();
  rig.inject("vm1", t.r3_vm1);
  rig.run();
  take();
  return out;
}

/// Production outputs of a run with no tap flow at all.
Outputs baseline() {
  RingRig rig(intent(kOneService));
  Outputs out = run_traffic(rig);
  EXPECT_TRUE(rig.shutdown());
  return out;
}

void expect_production_untouched(const Outputs& got, const Outputs& base) {
  for (const char* p : {"vm1", "vm2", "uplink"}) {
    auto g = got.count(p) ? got.at(p) : std::vector<Bytes>{};
    auto b = base.count(p) ? base.at(p) : std::vector<Bytes>{};
    EXPECT_EQ(g, b) << "production output of " << p << " differs from the no-mirror baseline";
  }
}

std::vector<Bytes> get(const Outputs& o, const std::string& p) { return o.count(p) ? o.at(p) : std::vector<Bytes>{}; }

TEST(Mirror, BaselineSanity) {
  const Outputs b = baseline();
  EXPECT_EQ(get(b, "vm1").size(), 4u);
  EXPECT_EQ(get(b, "vm2").size(), 4u);  // two broadcasts, known unicast, flood
  EXPECT_EQ(get(b, "uplink").size(), 3u);
  EXPECT_TRUE(get(b, "mon1").empty());
}

TEST(Mirror, OutCopiesWhatTheVmSent) {
  const Outputs base = baseline();
  RingRig rig(intent(kOneService + "tap_flows:\n  - {name: tf, source_port: vm1, tap_service: ts1, direction: OUT}\n"));
  const Outputs got = run_traffic(rig);
  EXPECT_EQ(get(got, "mon1"), Traffic{}.vm1_out());
  expect_production_untouched(got, base);
  const auto n = Traffic{}.vm1_out().size();
  EXPECT_EQ(rig.counters().flow[0].packets.get(), n);
  EXPECT_EQ(rig.counters().service[0].packets.get(), n);
  EXPECT_TRUE(rig.shutdown());
}

TEST(Mirror, InCopiesWhatTheVmReceived) {
  const Outputs base = baseline();
  RingRig rig(intent(kOneService + "tap_flows:\n  - {name: tf, source_port: vm1, tap_service: ts1, direction: in}\n"));
  const Outputs got = run_traffic(rig);
  EXPECT_EQ(get(got, "mon1"), Traffic{}.vm1_in());
  expect_production_untouched(got, base);
  std::uint64_t bytes = 0;
  for (const auto& f : Traffic{}.vm1_in()) bytes += f.size();
  EXPECT_EQ(rig.counters().flow[0].bytes.get(), bytes);
  EXPECT_TRUE(rig.shutdown());
}

/// Splits a monitor's frames into the ones vm1 sent and the ones it received.
std::pair<std::vector<Bytes>, std::vector<Bytes>> split_by_sender(const std::vector<Bytes>& frames) {
  std::pair<std::vector<Bytes>, std::vector<Bytes>> r;
  const Bytes vm1{0x02, 0, 0, 0, 0, 0x01};
  for (const auto& f : frames) (std::equal(vm1.begin(), vm1.end(), f.begin() + 6) ? r.first : r.second).push_back(f);
  return r;
}

/// A monitor fed vm1's traffic in both directions got exactly vm1's OUT
/// frames in order and exactly its IN frames in order.
void expect_vm1_both_ways(const std::vector<Bytes>& monitor) {
  const auto [out, in] = split_by_sender(monitor);
  EXPECT_EQ(out, Traffic{}.vm1_out());
  EXPECT_EQ(in, Traffic{}.vm1_in());
}

TEST(Mirror, BothCopiesEachDirectionInOrder) {
  const Outputs base = baseline();
  RingRig rig(intent(kOneService + "tap_flows:\n  - {name: tf, source_port: vm1, tap_service: ts1, direction: BOTH}\n"));
  const Outputs got = run_traffic(rig);
  expect_vm1_both_ways(get(got, "mon1"));
  expect_production_untouched(got, base);
  EXPECT_TRUE(rig.shutdown());
}

TEST(Mirror, TwoFlowsOnOneSource) {
  const Outputs base = baseline();
  RingRig rig(intent(kOneService + R"(
tap_flows:
  - {name: tf_in, source_port: vm1, tap_service: ts1, direction: IN}
  - {name: tf_out, source_port: vm1, tap_service: ts1, direction: OUT}
)"));
  const Outputs got = run_traffic(rig);
  expect_vm1_both_ways(get(got, "mon1"));
  EXPECT_EQ(rig.counters().flow[0].packets.get(), Traffic{}.vm1_in().size());
  EXPECT_EQ(rig.counters().flow[1].packets.get(), Traffic{}.vm1_out().size());
  expect_production_untouched(got, base);
  EXPECT_TRUE(rig.shutdown());
}

TEST(Mirror, TwoServicesOnOneSource) {
  const Outputs base = baseline();
  RingRig rig(intent(R"(
tap_services:
  - {name: ts1, port: mon1}
  - {name: ts2, port: mon2}
tap_flows:
  - {name: tf_a, source_port: vm1, tap_service: ts1, direction: BOTH}
  - {name: tf_b, source_port: vm1, tap_service: ts2, direction: OUT}
)"));
  const Outputs got = run_traffic(rig);
  expect_vm1_both_ways(get(got, "mon1"));
  EXPECT_EQ(get(got, "mon2"), Traffic{}.vm1_out());
  EXPECT_EQ(rig.counters().service[1].packets.get(), Traffic{}.vm1_out().size());
  expect_production_untouched(got, base);
  EXPECT_TRUE(rig.shutdown());
}

TEST(Mirror, LinearCopiesBelowThresholdGiveTheSameBytes) {
  const Outputs base = baseline();
  RingRig rig(intent("dataplane: {copy_below_bytes: 256}\n" + kOneService +
                     "tap_flows:\n  - {name: tf, source_port: vm1, tap_service: ts1, direction: BOTH}\n"));
  const Outputs got = run_traffic(rig);
  expect_vm1_both_ways(get(got, "mon1"));
  expect_production_untouched(got, base);
  EXPECT_TRUE(rig.shutdown());
}


// vlan_filter is checked per frame (issue 4): an untagged frame of an access
// port is on its network's VLAN (100 here); a frame the VM sends tagged is
// on its tag's VLAN (it is dropped as vlan_mismatch, but its OUT copy is
// still made when the filter lets it through).
TEST(Mirror, VlanFilterIsCheckedPerFrame) {
  RingRig rig(intent(R"(
tap_services:
  - {name: ts1, port: mon1}
  - {name: ts2, port: mon2}
tap_flows:
  - {name: only9, source_port: vm1, tap_service: ts1, direction: OUT, vlan_filter: "9,20-30"}
  - {name: only100, source_port: vm1, tap_service: ts2, direction: BOTH, vlan_filter: "100"}
)"));
  ASSERT_TRUE(rig.ok());
  const Bytes untagged = make_frame(kVm2, kVm1, 0x0800, 80, 1);
  const Bytes tag9 = make_frame(kVm2, kVm1, 0x0800, 80, 2, 9);
  const Bytes tag25 = make_frame(kVm2, kVm1, 0x0800, 80, 3, 25);
  const Bytes tag31 = make_frame(kVm2, kVm1, 0x0800, 80, 4, 31);
  const Bytes tag100 = make_frame(kVm2, kVm1, 0x0800, 80, 5, 100);
  const Bytes to_vm1 = make_frame(kVm1, kVm2, 0x0800, 80, 6);
  rig.inject("vm1", {untagged, tag9, tag25, tag31, tag100});
  rig.run();
  rig.inject("vm2", {to_vm1});
  rig.run();
  // ts1: the tags 9 and 25 only; never the untagged frames (VLAN 100).
  EXPECT_EQ(rig.collect("mon1"), (std::vector<Bytes>{tag9, tag25}));
  // ts2: the untagged frame vm1 sent, the one tagged 100, and the frame
  // delivered to vm1 (IN, VLAN 100).
  EXPECT_EQ(rig.collect("mon2"), (std::vector<Bytes>{untagged, tag100, to_vm1}));
  // Production: only the untagged frames were switched.
  EXPECT_EQ(rig.collect("vm2"), (std::vector<Bytes>{untagged}));
  EXPECT_EQ(rig.collect("vm1"), (std::vector<Bytes>{to_vm1}));
  EXPECT_EQ(rig.counters().flow[0].packets.get(), 2u);
  EXPECT_EQ(rig.counters().flow[1].packets.get(), 3u);
  EXPECT_EQ(rig.counters().port[rig.port("vm1")].rx_dropped_by[static_cast<int>(RxDropReason::kVlanMismatch)].get(),
            4u);
}

// Found by fuzz_packet (tests/fuzz/regressions/fuzz_packet/
// local-copy-chain-to-port-without-multiseg): a chained frame longer than
// one mirror mbuf was copied for a monitor without multi-segment TX into a
// chain of mirror mbufs and sent to it as such (a PMD that cannot send
// chains corrupts or drops it). Such a copy cannot be made: it is counted as
// nombuf, as remote copies are; a chained frame that fits one mirror mbuf
// is copied linear.
TEST(Mirror, ChainedFrameToMonitorWithoutChainsIsCopiedLinearOrCounted) {
  RigOptions opts;
  opts.no_multi_seg = {"mon1"};
  RingRig rig(intent(kOneService + "tap_flows:\n  - {name: tf, source_port: vm1, tap_service: ts1, direction: OUT}\n"),
              opts);
  ASSERT_TRUE(rig.ok());
  const Bytes fits = make_frame(kBcast, kVm1, 0x0800, 1000, 1);
  const Bytes jumbo = make_frame(kBcast, kVm1, 0x0800, 2900, 2);
  rig.inject("vm1", {fits}, 400);
  rig.inject("vm1", {jumbo}, 1500);
  rig.run();
  const std::vector<TxFrame> copies = rig.collect_frames("mon1");
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0].nb_segs, 1);
  EXPECT_EQ(copies[0].bytes, fits);
  const ServiceCounters& ts1 = rig.counters().service[0];
  EXPECT_EQ(ts1.packets.get(), 1u);
  EXPECT_EQ(ts1.dropped[static_cast<int>(DropReason::kNombuf)].get(), 1u);
  // Production is not affected: both frames flood to vm2 (as chains: net_ring takes them).
  EXPECT_EQ(rig.collect("vm2"), (std::vector<Bytes>{fits, jumbo}));
  rig.collect("uplink");
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
}

}  // namespace
}  // namespace taas::test
