// Snapshot swaps under load, the ThreadSanitizer target (scripts/tsan):
// worker threads poll, a traffic thread injects into the VMs' RX rings and
// collects every TX ring, and the test thread publishes ~1,000 generations
// that alternate two flow sets, reclaiming between them and reading totals.
// At the end every production frame must have been delivered, every copy
// counted against a flow, every mbuf back in its pool and every retired
// generation freed.
//
// The publisher and the traffic share no synchronisation (a relaxed counter
// only paces the swaps), so that TSan sees the workers' ordering against
// the control thread only through the generation pointer and RCU: a frame
// injected by the publishing thread itself would carry a happens-before edge
// from every publish to the worker that receives it, hiding a missing one.

#include <gtest/gtest.h>
#include <pthread.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <sched.h>
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "tests/dataplane/swap_fixture.hpp"

namespace taas::test {
namespace {

using namespace swaps;

/// Pins the calling thread to `cpu` (threads inherit EAL's `-l 0`: CPU 0).
bool pin_to_cpu(unsigned cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// ThreadSanitizer sees only instrumented code, and two hand-offs of mbufs
// between the threads of this test happen inside DPDK's uninstrumented
// shared libraries: net_ring's burst functions move them through the port
// rings, and the ring_mp_mc mempool driver recycles them. Left alone, TSan
// reports every mbuf field a second thread touches (~350 reports a run).
// Suppressing DPDK would hide real races too (every worker stack passes
// through it), so the test makes DPDK's synchronisation visible instead:
// - the pools use "taas_tsan_ring": ring_mp_mc's algorithm compiled here
//   (rte_ring is inline) with RTE_USE_C11_MEM_MODEL, so that its
//   release/acquire pairs are instrumented atomics (meson.build defines the
//   macro under -Db_sanitize=thread);
// - ethdev RX/TX callbacks, which run on the worker's thread inside the
//   inline rte_eth_rx_burst / rte_eth_tx_burst, replay what net_ring does to
//   a ring's producer tail: an acquire after RX (pairing with the rig's
//   enqueue in inject()), a release before TX (pairing with its dequeue in
//   collect()).
// In other builds both are no-ops.
#if defined(__SANITIZE_THREAD__)
constexpr const char* kTsanOps = "taas_tsan_ring";

rte_ring* pool_ring(const rte_mempool* mp) { return static_cast<rte_ring*>(mp->pool_data); }

int tsan_pool_alloc(rte_mempool* mp) {
  char name[RTE_RING_NAMESIZE];
  std::snprintf(name, sizeof name, "TS_%s", mp->name);
  rte_ring* r = rte_ring_create(name, rte_align32pow2(mp->size + 1), mp->socket_id, 0);
  if (r == nullptr) return -rte_errno;
  mp->pool_data = r;
  return 0;
}
void tsan_pool_free(rte_mempool* mp) { rte_ring_free(pool_ring(mp)); }
// ring_mp_mc's multi-consumer path orders the consumers' tail stores with a
// relaxed wait, so under the C11 model a consumer's slot reads are not
// formally ordered before a later producer's writes to the same slot (TSan
// reported it in one CI run with two workers). The algorithm is sound on
// x86; a lock around each call states the pool's hand-off for TSan.
std::mutex tsan_pool_lock;
int tsan_pool_enqueue(rte_mempool* mp, void* const* objs, unsigned n) {
  const std::lock_guard<std::mutex> hold(tsan_pool_lock);
  return rte_ring_mp_enqueue_bulk(pool_ring(mp), objs, n, nullptr) == 0 ? -ENOBUFS : 0;
}
int tsan_pool_dequeue(rte_mempool* mp, void** objs, unsigned n) {
  const std::lock_guard<std::mutex> hold(tsan_pool_lock);
  return rte_ring_mc_dequeue_bulk(pool_ring(mp), objs, n, nullptr) == 0 ? -ENOBUFS : 0;
}
unsigned tsan_pool_count(const rte_mempool* mp) {
  const std::lock_guard<std::mutex> hold(tsan_pool_lock);
  return rte_ring_count(pool_ring(mp));
}

void* tail(rte_ring* r) { return const_cast<std::uint32_t*>(&r->prod.tail); }

std::uint16_t after_rx(std::uint16_t, std::uint16_t, rte_mbuf**, std::uint16_t n, std::uint16_t, void* prod_tail) {
  __tsan_acquire(prod_tail);
  return n;
}
std::uint16_t before_tx(std::uint16_t, std::uint16_t, rte_mbuf**, std::uint16_t n, void* prod_tail) {
  __tsan_release(prod_tail);
  return n;
}
#endif

/// Test thread, before the rig is built: its pools will use the TSan-visible
/// mempool driver.
void use_visible_mempool() {
#if defined(__SANITIZE_THREAD__)
  static const int registered = [] {
    static rte_mempool_ops ops{};
    std::snprintf(ops.name, sizeof ops.name, "%s", kTsanOps);
    ops.alloc = tsan_pool_alloc;
    ops.free = tsan_pool_free;
    ops.enqueue = tsan_pool_enqueue;
    ops.dequeue = tsan_pool_dequeue;
    ops.get_count = tsan_pool_count;
    return rte_mempool_register_ops(&ops);
  }();
  ASSERT_GE(registered, 0) << "cannot register the TSan mempool driver";
  ASSERT_EQ(rte_mbuf_set_user_mempool_ops(kTsanOps), 0);
#endif
}

/// The RX/TX callbacks on every net_ring port, found by the ring names
/// RingRig gives (device net_ring_<base>: rings <base>rx, <base>tx<q>).
/// Test thread; detach() before the rig shuts down.
class RingHooks {
 public:
  /// Returns how many callbacks were added: one per RX ring and TX ring.
  std::size_t attach() {
#if defined(__SANITIZE_THREAD__)
    std::uint16_t p = 0;
    RTE_ETH_FOREACH_DEV(p) {
      char dev[RTE_ETH_NAME_MAX_LEN];
      rte_eth_dev_info info{};
      if (rte_eth_dev_get_name_by_port(p, dev) != 0 || rte_eth_dev_info_get(p, &info) != 0) continue;
      const std::string base = std::string(dev).substr(std::string(dev).rfind('_') + 1);
      rte_ring* rx = rte_ring_lookup((base + "rx").c_str());
      if (std::string(dev).rfind("net_ring_", 0) != 0 || rx == nullptr) continue;
      rx_.emplace_back(p, rte_eth_add_rx_callback(p, 0, after_rx, tail(rx)));
      for (std::uint16_t q = 0; q < info.nb_tx_queues; ++q) {
        rte_ring* tx = rte_ring_lookup((base + "tx" + std::to_string(q)).c_str());
        if (tx != nullptr) tx_.emplace_back(std::make_pair(p, q), rte_eth_add_tx_callback(p, q, before_tx, tail(tx)));
      }
    }
#endif
    return rx_.size() + tx_.size();
  }
  void detach() {
    for (const auto& [p, cb] : rx_) {
      rte_eth_remove_rx_callback(p, 0, cb);
      rte_free(const_cast<rte_eth_rxtx_callback*>(cb));
    }
    for (const auto& [pq, cb] : tx_) {
      rte_eth_remove_tx_callback(pq.first, pq.second, cb);
      rte_free(const_cast<rte_eth_rxtx_callback*>(cb));
    }
    rx_.clear();
    tx_.clear();
  }
  ~RingHooks() { detach(); }
  /// Whether the hooks are needed (and were expected to attach).
  static constexpr bool kNeeded =
#if defined(__SANITIZE_THREAD__)
      true;
#else
      false;
#endif

 private:
  std::vector<std::pair<std::uint16_t, const rte_eth_rxtx_callback*>> rx_;
  std::vector<std::pair<std::pair<std::uint16_t, std::uint16_t>, const rte_eth_rxtx_callback*>> tx_;
};

/// What the traffic thread sent and what came out of the ports.
struct Traffic {
  std::vector<std::uint32_t> vm1, vm2;  // ids each VM sent, in order
  std::map<std::string, std::vector<Bytes>> out;
  bool late = false;
};

/// Rounds of traffic and swaps in step: round r starts once swap r is out,
/// swap s once round s - 1 is in. Relaxed: pacing, not ordering.
struct Pace {
  std::atomic<std::uint32_t> rounds{0}, swaps{0};
  /// Waits until `counter` reaches `n`; false past `deadline`.
  static bool wait(const std::atomic<std::uint32_t>& counter, std::uint32_t n,
                   std::chrono::steady_clock::time_point deadline) {
    while (counter.load(std::memory_order_relaxed) < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::yield();
    }
    return true;
  }
};

/// The traffic thread: `rounds` rounds of `per_round` frames from each VM,
/// at most `in_flight` frames undelivered; collects every port until all
/// are delivered or a deadline passes.
void run_traffic(RingRig& rig, std::uint32_t rounds, std::uint32_t per_round, std::size_t in_flight, Pace& pace,
                 Traffic& t) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  auto collect = [&] {
    for (const char* p : {"vm1", "vm2", "uplink", "mon1", "mon2"})
      for (Bytes& f : rig.collect(p)) t.out[p].push_back(std::move(f));
    t.late = t.late || std::chrono::steady_clock::now() > deadline;
  };
  auto undelivered = [&] { return t.vm1.size() + t.vm2.size() - t.out["vm1"].size() - t.out["vm2"].size(); };
  std::uint32_t next = 0;
  for (std::uint32_t r = 0; r < rounds && !t.late; ++r) {
    t.late = !Pace::wait(pace.swaps, r + 1, deadline);
    rig.inject("vm1", from_vm1(next, next + per_round));
    for (std::uint32_t i = 0; i < per_round; ++i) t.vm1.push_back(next++);
    rig.inject("vm2", from_vm2(next, next + per_round));
    for (std::uint32_t i = 0; i < per_round; ++i) t.vm2.push_back(next++);
    for (collect(); undelivered() > in_flight && !t.late; collect()) std::this_thread::yield();
    pace.rounds.store(r + 1, std::memory_order_relaxed);
  }
  for (collect(); undelivered() > 0 && !t.late; collect()) std::this_thread::yield();
}

class SwapUnderLoad : public ::testing::TestWithParam<unsigned> {};

TEST_P(SwapUnderLoad, EveryFrameDeliveredCopiesConservedNothingLeaked) {
  // Two flow sets alternate: A = {tf1, tf2}, B = {tf1, tf3}. tf1 (vm1 OUT,
  // to mon1) is in both, so mon1 gets a copy of every vm1 frame whatever
  // the generation; on mon2 every vm2 frame is copied once either way (tf2
  // OUT under A, tf3 IN under B), a vm1 frame only under A (tf2 IN).
  constexpr std::uint32_t kSwaps = 1000, kPerRound = 4;
  const unsigned nworkers = GetParam();
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  RigOptions o;
  o.workers = nworkers;  // vm1 to worker 0, vm2 to worker nworkers - 1
  use_visible_mempool();
  RingRig rig(intent(kF1 + kF2), o);
  ASSERT_TRUE(rig.ok());
  RingHooks hooks;
  if (RingHooks::kNeeded) {
    ASSERT_EQ(hooks.attach(), rig.snap().ports.size() * (1 + nworkers)) << "RingRig's ring names changed?";
  }
  const Snapshot set_a = compiled(intent(kF1 + kF2)), set_b = compiled(intent(kF1 + kF3));

  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  std::vector<char> pinned(nworkers, 0);
  for (unsigned w = 0; w < nworkers; ++w) {
    workers.emplace_back([&, w] {
      pinned[w] = pin_to_cpu((w + 1) % cpus) ? 1 : 0;
      dp::Worker& worker = rig.worker(w);
      while (!stop.load(std::memory_order_acquire))
        if (worker.poll_once() == 0) std::this_thread::yield();  // leave the CPU to a thread sharing it
    });
  }
  Traffic t;
  Pace pace;
  std::thread traffic([&] { run_traffic(rig, kSwaps, kPerRound, 256, pace, t); });

  // The control thread: swap, reclaim, and now and then read the totals,
  // which only grow: tf1's count and the sum over all flows.
  std::uint64_t last_f1 = 0, last_all = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (std::uint32_t s = 0; s < kSwaps; ++s) {
    Pace::wait(pace.rounds, s, deadline);
    Snapshot snap = s % 2 == 0 ? set_b : set_a;
    snap.generation = s + 2;
    rig.publisher().publish(std::move(snap));
    pace.swaps.store(s + 1, std::memory_order_relaxed);
    rig.publisher().reclaim();
    if (s % 50 == 0) {
      const dp::Totals now = rig.publisher().totals();
      std::uint64_t all = now.deleted_flows.packets;
      for (const auto& f : now.flow) all += f.packets;
      const std::uint64_t f1 = now.flow[flow_index(rig, kFlowF1)].packets;
      EXPECT_GE(f1, last_f1) << "tf1's total went down at swap " << s;
      EXPECT_GE(all, last_all) << "the copy total went down at swap " << s;
      last_f1 = f1;
      last_all = all;
    }
  }
  traffic.join();
  stop.store(true, std::memory_order_release);
  for (std::thread& w : workers) w.join();
  ASSERT_FALSE(t.late) << "frames were still missing after two minutes";
  for (unsigned w = 0; w < nworkers; ++w) EXPECT_TRUE(pinned[w]) << "worker " << w << " could not be pinned";

  // Every production frame delivered, in order.
  EXPECT_EQ(ids(t.out["vm2"]), t.vm1);
  EXPECT_EQ(ids(t.out["vm1"]), t.vm2);
  // tf1's copies are exactly vm1's frames in order; mon2 has every vm2
  // frame once, and vm1 frames at most once.
  EXPECT_EQ(ids(t.out["mon1"]), t.vm1);
  std::vector<std::uint32_t> mon2 = ids(t.out["mon2"]);
  std::sort(mon2.begin(), mon2.end());
  EXPECT_EQ(std::adjacent_find(mon2.begin(), mon2.end()), mon2.end()) << "a frame was copied twice to mon2";
  std::size_t vm2_copies = 0;
  for (const std::uint32_t id : t.vm2) vm2_copies += std::binary_search(mon2.begin(), mon2.end(), id) ? 1 : 0;
  EXPECT_EQ(vm2_copies, t.vm2.size());
  // Both flow sets were in force while frames went through.
  EXPECT_GT(mon2.size(), t.vm2.size()) << "no vm1 frame was handled under flow set A";
  EXPECT_LT(mon2.size(), t.vm2.size() + t.vm1.size()) << "no vm1 frame was handled under flow set B";

  // The workers have stopped: one quiescent state each lets every retired
  // generation go. Then the totals are final.
  rig.poll();
  EXPECT_EQ(rig.publisher().reclaim(), 0u);
  const dp::Totals tot = rig.publisher().totals();
  std::uint64_t flows = tot.deleted_flows.packets;
  for (const auto& f : tot.flow) flows += f.packets;
  EXPECT_EQ(flows, t.out["mon1"].size() + t.out["mon2"].size()) << "copies were not conserved";
  EXPECT_EQ(tot.flow[flow_index(rig, kFlowF1)].packets, t.vm1.size());
  EXPECT_EQ(tot.port[rig.port("mon1")].tx_packets, t.out["mon1"].size());
  EXPECT_EQ(tot.port[rig.port("mon2")].tx_packets, t.out["mon2"].size());
  EXPECT_EQ(tot.port[rig.port("vm1")].rx_packets, t.vm1.size());
  EXPECT_EQ(tot.port[rig.port("vm2")].rx_packets, t.vm2.size());
  EXPECT_EQ(tot.port[rig.port("vm2")].tx_packets, t.vm1.size());
  EXPECT_EQ(tot.port[rig.port("vm1")].tx_packets, t.vm2.size());
  EXPECT_EQ(tot.port[rig.port("uplink")].tx_packets, t.out["uplink"].size());
  for (const auto& svc : tot.service)
    for (const std::uint64_t d : svc.dropped) EXPECT_EQ(d, 0u);
  hooks.detach();
  EXPECT_TRUE(rig.shutdown()) << "an mbuf was not back in its pool";
}

INSTANTIATE_TEST_SUITE_P(Workers, SwapUnderLoad, ::testing::Values(1u, 2u),
                         [](const ::testing::TestParamInfo<unsigned>& i) {
                           return std::to_string(i.param) + (i.param == 1 ? "Worker" : "Workers");
                         });

}  // namespace
}  // namespace taas::test
