// Snapshot swaps (RCU) on real net_ring ports, one worker driven from the
// test thread: what a swap changes and when (copies start and stop with the
// iteration that first polls under the new generation; a retired generation
// waits for every worker), and what it must keep: counters keyed by UUID,
// port counters, resolved next hops and ERSPAN sequences. Swaps under load
// from worker threads are in swap_load_test.cpp.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/dataplane/remote_fixture.hpp"
#include "tests/dataplane/swap_fixture.hpp"

namespace taas::test {
namespace {

using namespace swaps;

void expect_same_totals(const dp::Totals& a, const dp::Totals& b) {
  ASSERT_EQ(a.port.size(), b.port.size());
  ASSERT_EQ(a.flow.size(), b.flow.size());
  for (std::size_t i = 0; i < a.port.size(); ++i) {
    EXPECT_EQ(a.port[i].rx_packets, b.port[i].rx_packets) << "port " << i;
    EXPECT_EQ(a.port[i].tx_packets, b.port[i].tx_packets) << "port " << i;
    EXPECT_EQ(a.port[i].tx_bytes, b.port[i].tx_bytes) << "port " << i;
  }
  for (std::size_t i = 0; i < a.flow.size(); ++i) EXPECT_EQ(a.flow[i].packets, b.flow[i].packets) << "flow " << i;
  for (std::size_t i = 0; i < a.service.size(); ++i)
    EXPECT_EQ(a.service[i].packets, b.service[i].packets) << "service " << i;
  EXPECT_EQ(a.deleted_flows.packets, b.deleted_flows.packets);
  EXPECT_EQ(a.deleted_services.packets, b.deleted_services.packets);
}

// ---------------------------------------------------------------------------
// Swap semantics, one worker driven from the test thread.

TEST(Swap, AddedFlowCopiesWhatIsPolledAfterTheSwapOnly) {
  RingRig rig(intent(""));
  ASSERT_TRUE(rig.ok());
  rig.inject("vm1", from_vm1(0, 3));
  rig.run();
  EXPECT_EQ(ids(rig.collect("vm2")), range(0, 3));
  EXPECT_TRUE(rig.collect("mon1").empty());

  // Frames waiting on the RX ring at the swap are handled under the
  // generation of the iteration that polls them: the new one.
  rig.inject("vm1", from_vm1(3, 5));
  publish(rig, intent(kF1));
  EXPECT_EQ(rig.publisher().reclaim(), 1u) << "the old generation was freed before the worker moved on";
  EXPECT_EQ(rig.poll(), 2u);
  EXPECT_EQ(rig.publisher().reclaim(), 0u) << "the worker polled: the old generation must be freed";
  rig.inject("vm1", from_vm1(5, 6));
  rig.run();
  EXPECT_EQ(ids(rig.collect("mon1")), range(3, 6));
  EXPECT_EQ(ids(rig.collect("vm2")), range(3, 6));

  const dp::Totals t = rig.publisher().totals();
  ASSERT_EQ(t.flow.size(), 1u);
  EXPECT_EQ(t.flow[0].packets, 3u);
  EXPECT_EQ(t.deleted_flows.packets, 0u);
  EXPECT_EQ(t.port[rig.port("vm1")].rx_packets, 6u) << "port counters restarted at the swap";
  EXPECT_EQ(t.port[rig.port("vm2")].tx_packets, 6u);
  EXPECT_EQ(t.port[rig.port("mon1")].tx_packets, 3u);
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
}

TEST(Swap, RemovedFlowStopsCopiesAndItsCountMovesToDeleted) {
  RingRig rig(intent(kF1 + kF2));
  ASSERT_TRUE(rig.ok());
  rig.inject("vm1", from_vm1(0, 4));
  rig.run();
  EXPECT_EQ(ids(rig.collect("mon1")), range(0, 4));  // tf1: vm1 OUT
  EXPECT_EQ(ids(rig.collect("mon2")), range(0, 4));  // tf2: vm2 IN

  publish(rig, intent(kF2));
  rig.inject("vm1", from_vm1(4, 7));
  rig.run();
  EXPECT_TRUE(rig.collect("mon1").empty()) << "a removed flow still copies";
  EXPECT_EQ(ids(rig.collect("mon2")), range(4, 7)) << "the flow that stayed stopped copying";
  EXPECT_EQ(ids(rig.collect("vm2")), range(0, 7));

  const dp::Totals before = rig.publisher().totals();
  ASSERT_EQ(before.flow.size(), 1u);
  EXPECT_EQ(before.flow[0].packets, 7u) << "tf2 lost the count of the first generation";
  EXPECT_EQ(before.deleted_flows.packets, 4u);
  EXPECT_EQ(before.port[rig.port("mon1")].tx_packets, 4u);
  EXPECT_EQ(before.port[rig.port("mon2")].tx_packets, 7u);
  EXPECT_EQ(rig.publisher().reclaim(), 0u);
  expect_same_totals(rig.publisher().totals(), before);  // folding changes no total
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
}

TEST(Swap, RetiredGenerationWaitsForEveryWorker) {
  RigOptions o;
  o.workers = 2;
  RingRig rig(intent(kF1), o);
  ASSERT_TRUE(rig.ok());
  publish(rig, intent(""));
  publish(rig, intent(kF1));
  EXPECT_EQ(rig.publisher().reclaim(), 2u);
  rig.worker(0).poll_once();
  EXPECT_EQ(rig.publisher().reclaim(), 2u) << "freed while worker 1 may still use it";
  rig.worker(1).poll_once();
  EXPECT_EQ(rig.publisher().reclaim(), 0u);
  EXPECT_EQ(rig.publisher().reclaim(), 0u);
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
}

/// Rounds of traffic: vm1 sends n1 frames to vm2, then vm2 sends n2 to vm1,
/// each handled to the end; frames are numbered on.
struct Rounds {
  RingRig& rig;
  std::uint32_t next = 0;
  void operator()(std::uint32_t n1, std::uint32_t n2) {
    rig.inject("vm1", from_vm1(next, next + n1));
    rig.run();
    rig.inject("vm2", from_vm2(next + n1, next + n1 + n2));
    rig.run();
    next += n1 + n2;
  }
};

TEST(Swap, FlowTotalsFollowTheUuidAcrossSwaps) {
  // tf1 lives through four generations, moving between index 0 and 1; tf3
  // is deleted while its generation is still alive, and tf2 added. Some
  // generations are folded when totals are read, some still live.
  RingRig rig(intent(kF1));
  ASSERT_TRUE(rig.ok());
  Rounds round{rig};
  round(3, 2);  // tf1: 3
  publish(rig, intent(kF3 + kF1));
  EXPECT_EQ(flow_index(rig, kFlowF1), 1u);
  round(2, 4);  // tf1: 2, tf3: 4 (vm1 IN)
  EXPECT_EQ(flow_packets(rig, kFlowF1), 5u);
  EXPECT_EQ(flow_packets(rig, kFlowF3), 4u);
  EXPECT_EQ(rig.publisher().reclaim(), 0u);
  EXPECT_EQ(flow_packets(rig, kFlowF1), 5u);
  publish(rig, intent(kF1));  // tf3 deleted, its generation not yet folded
  round(1, 1);                // tf1: 1
  dp::Totals t = rig.publisher().totals();
  ASSERT_EQ(t.flow.size(), 1u);
  EXPECT_EQ(t.flow[0].packets, 6u);
  EXPECT_EQ(t.deleted_flows.packets, 4u);
  publish(rig, intent(kF2 + kF1));
  EXPECT_EQ(rig.publisher().reclaim(), 1u);  // the one before the last poll went
  round(4, 3);                               // tf1: 4, tf2: 4 + 3 (vm2 BOTH)
  const dp::Totals live = rig.publisher().totals();
  EXPECT_EQ(rig.publisher().reclaim(), 0u);
  t = rig.publisher().totals();
  expect_same_totals(t, live);
  ASSERT_EQ(t.flow.size(), 2u);
  EXPECT_EQ(t.flow[flow_index(rig, kFlowF1)].packets, 10u);
  EXPECT_EQ(t.flow[flow_index(rig, kFlowF2)].packets, 7u);
  EXPECT_EQ(t.deleted_flows.packets, 4u);

  // What the ports sent agrees with the counters, and the port counters ran
  // on through all four generations.
  const auto mon1 = rig.collect("mon1"), mon2 = rig.collect("mon2");
  EXPECT_EQ(mon1.size(), 10u);
  EXPECT_EQ(mon2.size(), 11u);
  EXPECT_EQ(rig.collect("vm1").size() + rig.collect("vm2").size(), round.next);
  EXPECT_EQ(t.port[rig.port("vm1")].rx_packets, 10u);
  EXPECT_EQ(t.port[rig.port("vm2")].rx_packets, 10u);
  EXPECT_EQ(t.port[rig.port("vm1")].tx_packets, 10u);
  EXPECT_EQ(t.port[rig.port("mon1")].tx_packets, 10u);
  EXPECT_EQ(t.port[rig.port("mon2")].tx_packets, 11u);
  std::uint64_t bytes = 0;
  for (const Bytes& f : mon1) bytes += f.size();
  EXPECT_EQ(t.port[rig.port("mon1")].tx_bytes, bytes);
  EXPECT_EQ(t.flow[flow_index(rig, kFlowF1)].bytes, bytes);
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
}

// A flow deleted and then added again with the same UUID (an intent file
// that drops a flow and puts it back): the count it had before its deletion
// is deleted_flows', whenever the generations are folded (Publisher keeps,
// per UUID, the generation since which it has existed without a break).
TEST(Swap, FlowAddedBackWithItsOldUuidStartsFromZero) {
  for (const bool fold_before_re_add : {true, false}) {
    SCOPED_TRACE(fold_before_re_add ? "folded before the re-add" : "folded after the re-add");
    RingRig rig(intent(kF1 + kF3));
    ASSERT_TRUE(rig.ok());
    Rounds round{rig};
    round(1, 4);                // tf3: 4
    publish(rig, intent(kF1));  // tf3 deleted
    round(1, 1);
    EXPECT_EQ(rig.publisher().totals().deleted_flows.packets, 4u);
    if (fold_before_re_add) {
      EXPECT_EQ(rig.publisher().reclaim(), 0u);
    }
    publish(rig, intent(kF1 + kF3));  // tf3 back
    round(1, 3);                      // tf3: 3
    EXPECT_EQ(rig.publisher().reclaim(), 0u);
    const dp::Totals t = rig.publisher().totals();
    ASSERT_EQ(t.flow.size(), 2u);
    EXPECT_EQ(t.flow[flow_index(rig, kFlowF3)].packets, 3u) << "the re-added flow inherited a deleted count";
    EXPECT_EQ(t.deleted_flows.packets, 4u);
    EXPECT_EQ(rig.collect("mon2").size(), 7u);
    EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
  }
}

// ---------------------------------------------------------------------------
// Remote state across swaps: next hops and ERSPAN sequences are kept by key.

namespace rm = remote;
const std::string kErspanSvc =
    "  - {id: " + uuid("b1") + ", name: ts_e2, remote_ip: 198.51.100.7, encap: erspan2, erspan: {index: 7}}\n";
const std::string kErspanSvc2 =
    "  - {id: " + uuid("b2") + ", name: ts_new, remote_ip: 198.51.100.8, encap: erspan2, erspan: {index: 8}}\n";
const std::string kErspanFlow = "  - {id: " + uuid("c1") +
                                ", name: tf, source_port: vm1, tap_service: ts_e2, direction: OUT, "
                                "erspan_session_id: 5}\n";
const std::string kErspanFlow2 = "  - {id: " + uuid("c2") +
                                 ", name: tf_new, source_port: vm2, tap_service: ts_new, direction: OUT, "
                                 "erspan_session_id: 6}\n";

std::string remote_intent(const std::string& underlay, const std::string& services, const std::string& flows) {
  return rm::intent(underlay, "tap_services:\n" + services + "tap_flows:\n" + flows);
}

/// (session, sequence) of every ERSPAN copy the uplink sent.
std::vector<std::pair<std::uint16_t, std::uint32_t>> sequences(const wire::Split& s) {
  std::vector<std::pair<std::uint16_t, std::uint32_t>> out;
  for (const Bytes& f : s.encap) {
    const auto o = wire::decode_outer(f);
    if (o) out.emplace_back(o->session, o->seq);
  }
  return out;
}

TEST(SwapRemote, ResolvedNextHopStaysResolvedWithoutANewRequest) {
  const std::string services = kErspanSvc;
  RingRig rig(remote_intent(rm::kUnderlay4, services, kErspanFlow));
  ASSERT_TRUE(rig.ok());
  const MacAddr up = rig.mac("uplink");
  rig.poll();  // the first neighbour tick asks for the gateway
  EXPECT_GE(wire::split(rig.collect("uplink")).arp.size(), 1u);
  rig.inject("uplink", {wire::arp(2, up, rm::mac(rm::kGwMac), rm::mac(rm::kGwMac), "192.0.2.1", up, "192.0.2.10")});
  rig.run();
  std::uint8_t resolved[6] = {};
  ASSERT_TRUE(rig.remote().lookup(0, resolved));

  // Same next hop, one more flow. After a neighbour tick under the new
  // generation (every 100 ms) nothing was asked: the entry is still fresh.
  publish(rig, remote_intent(rm::kUnderlay4, services + kErspanSvc2, kErspanFlow + kErspanFlow2));
  rig.poll();
  EXPECT_EQ(rig.publisher().reclaim(), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  rig.poll();
  ASSERT_TRUE(rig.remote().lookup(0, resolved)) << "the swap forgot the resolved next hop";
  EXPECT_EQ(wire::to_string(MacAddr{resolved[0], resolved[1], resolved[2], resolved[3], resolved[4], resolved[5]}),
            rm::kGwMac);
  rig.inject("vm1", from_vm1(0, 3));
  rig.run();
  const wire::Split s = wire::split(rig.collect("uplink"));
  EXPECT_TRUE(s.arp.empty()) << "a next hop kept by the swap was requested again";
  ASSERT_EQ(s.encap.size(), 3u);
  for (std::uint32_t i = 0; i < 3; ++i)
    rm::expect_erspan2(s.encap[i], rm::mac(rm::kGwMac), up, i, 5, 7, frame(kVm2, kVm1, i));
  EXPECT_EQ(rm::dropped(rig, 0, DropReason::kNoNeighbor), 0u);

  // The control: another gateway is a new next hop, unresolved, asked for.
  const std::string other = "{port: uplink, address: 192.0.2.10/24, gateway: 192.0.2.254}";
  publish(rig, remote_intent(other, services, kErspanFlow));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  rig.inject("vm1", from_vm1(3, 4));
  rig.run();
  const wire::Split s2 = wire::split(rig.collect("uplink"));
  EXPECT_TRUE(s2.encap.empty());
  ASSERT_GE(s2.arp.size(), 1u);  // one a second while unresolved
  for (const Bytes& f : s2.arp) EXPECT_EQ(wire::decode_arp(f)->tpa, wire::ip("192.0.2.254"));
  EXPECT_EQ(rm::dropped(rig, 0, DropReason::kNoNeighbor), 1u);
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
}

TEST(SwapRemote, ErspanSequenceContinuesAcrossSwapsAndANewServiceStartsAtZero) {
  RingRig rig(remote_intent(rm::kUnderlay4Static, kErspanSvc, kErspanFlow));
  ASSERT_TRUE(rig.ok());
  using Seq = std::vector<std::pair<std::uint16_t, std::uint32_t>>;
  rig.inject("vm1", from_vm1(0, 3));
  rig.run();
  EXPECT_EQ(sequences(wire::split(rig.collect("uplink"))), (Seq{{5, 0}, {5, 1}, {5, 2}}));

  // A new service listed first (ts_e2 moves to index 1): ts_e2 keeps its
  // sequence, ts_new starts its own at 0. The old generation is still alive
  // for the first round, folded for the second.
  publish(rig, remote_intent(rm::kUnderlay4Static, kErspanSvc2 + kErspanSvc, kErspanFlow2 + kErspanFlow));
  ASSERT_EQ(rig.publisher().current().snap.services[1].name, "ts_e2");
  rig.inject("vm1", from_vm1(3, 5));
  rig.run();
  rig.inject("vm2", from_vm2(5, 7));
  rig.run();
  EXPECT_EQ(rig.publisher().reclaim(), 0u);
  rig.inject("vm1", from_vm1(7, 8));
  rig.run();
  EXPECT_EQ(sequences(wire::split(rig.collect("uplink"))), (Seq{{5, 3}, {5, 4}, {6, 0}, {6, 1}, {5, 5}}))
      << "a session kept by the swap restarted or skipped, or the new one did not start at 0";

  // Back to ts_e2 alone: still no restart.
  publish(rig, remote_intent(rm::kUnderlay4Static, kErspanSvc, kErspanFlow));
  rig.inject("vm1", from_vm1(8, 9));
  rig.run();
  EXPECT_EQ(sequences(wire::split(rig.collect("uplink"))), (Seq{{5, 6}}));
  const dp::Totals t = rig.publisher().totals();
  ASSERT_EQ(t.service.size(), 1u);
  EXPECT_EQ(t.service[0].packets, 7u);
  EXPECT_EQ(t.deleted_services.packets, 2u);
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
}

}  // namespace
}  // namespace taas::test
