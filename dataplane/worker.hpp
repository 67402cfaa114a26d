#pragma once
// A polling worker: RX burst, switch, mirror, batch per destination, flush.
// Everything it touches after construction is preallocated: it never
// allocates outside mempools, locks, logs, throws or makes a syscall.

#include <rte_mbuf.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include <rte_rcu_qsbr.h>

#include "dataplane/generation.hpp"
#include "dataplane/mac_table.hpp"
#include "dataplane/pools.hpp"
#include "dataplane/ports.hpp"
#include "dataplane/remote_state.hpp"
#include "taas/counters.hpp"
#include "taas/snapshot.hpp"

namespace taas::dp {

/// An RX queue a worker polls: a snapshot port index and a queue id.
struct RxQueue {
  std::uint16_t port = kNone;
  std::uint16_t queue = 0;
};

/// What a worker needs. The pointed-to tables are owned by the caller and
/// must outlive the worker; the generation cell must hold a generation
/// before the worker is built (its ports and dataplane parameters size the
/// worker's tables and never change).
struct WorkerEnv {
  std::atomic<Generation*>* generation = nullptr;  // Publisher::cell()
  rte_rcu_qsbr* rcu = nullptr;  // Publisher::rcu(); thread id = tx_queue
  const std::vector<std::uint16_t>* port_ids = nullptr;  // snapshot index -> DPDK id
  const std::vector<PortCaps>* caps = nullptr;
  Pools pools;
  std::uint16_t tx_queue = 0;  // this worker's index and its TX queue on every port
  std::vector<RxQueue> rx;
  /// Per snapshot port: 1 while the link is up (the control loop updates
  /// it). Null: every link is up. Frames for a port without link are
  /// dropped and counted, never queued.
  const std::atomic<std::uint8_t>* link_up = nullptr;
};

class Worker {
 public:
  /// Control thread; allocates every table the worker will use, registers
  /// the worker with the RCU variable and puts it online.
  explicit Worker(WorkerEnv env);
  ~Worker();

  /// Gives the stashed clone mbufs back to the clone pool. Any thread, once
  /// the worker has stopped polling (it refills the stash if polled again).
  void return_stash() noexcept;
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// One iteration: load the published generation, one RX burst per queue,
  /// every frame switched and mirrored, every destination flushed, then a
  /// quiescent state. Returns the frames received. The worker's own thread
  /// only (tests call it directly).
  std::uint32_t poll_once() noexcept;

  /// Polls until `stop` becomes true, goes offline for RCU, then sets
  /// done(). Worker lcore.
  void run(const std::atomic<bool>& stop) noexcept;

  /// True once run() has returned (release; pairs with an acquire load).
  bool done() const noexcept { return done_.load(std::memory_order_acquire); }

  /// TSC cycles spent in iterations that received frames (busy) and in
  /// iterations that received none (idle), since start (any thread).
  std::uint64_t busy_cycles() const noexcept { return busy_.load(std::memory_order_relaxed); }
  std::uint64_t idle_cycles() const noexcept { return idle_.load(std::memory_order_relaxed); }

  /// TSC of the last iteration that received a frame (any thread).
  std::uint64_t last_rx_tsc() const noexcept { return last_rx_.load(std::memory_order_relaxed); }
  void set_last_rx_tsc(std::uint64_t tsc) noexcept { last_rx_.store(tsc, std::memory_order_relaxed); }

  /// The counters of the generation the worker last polled under. Readers
  /// may read them from any thread while that generation lives.
  const WorkerCounters& counters() const noexcept { return *counters_; }
  /// The generation the worker last polled under.
  const Generation* generation() const noexcept { return gen_; }
  const MacTable& macs() const noexcept { return macs_; }

 private:
  static constexpr std::uint16_t kTxCap = 64;
  struct TxBuf {
    std::uint16_t n = 0;
    rte_mbuf* pkts[kTxCap];
  };
  struct MirrorBuf {
    std::uint16_t n = 0;
    rte_mbuf* pkts[kTxCap];
    std::uint32_t len[kTxCap];
    std::uint16_t service[kTxCap];
    std::uint32_t flow[kTxCap];
  };

  void handle(rte_mbuf* m, std::uint16_t in, std::uint64_t now) noexcept;
  void from_vm(rte_mbuf* m, std::uint16_t in, std::uint64_t now) noexcept;
  void from_uplink(rte_mbuf* m, std::uint16_t in, std::uint64_t now) noexcept;
  void flood(rte_mbuf* m, std::uint16_t in, std::uint16_t net, bool include_uplink) noexcept;
  void to_uplink(rte_mbuf* m, std::uint16_t net) noexcept;
  void to_vm(rte_mbuf* m, std::uint16_t port) noexcept;
  void mirror(const std::vector<MirrorTarget>& targets, rte_mbuf* m, std::uint16_t vm, bool must_copy) noexcept;
  std::uint16_t frame_vlan(const rte_mbuf* m, std::uint16_t vm) const noexcept;
  rte_mbuf* production_copy(const rte_mbuf* m, std::uint16_t out) noexcept;
  rte_mbuf* clone(rte_mbuf* m) noexcept;
  void adopt(Generation* g) noexcept;
  // Remote mirroring and ARP/ND (worker_remote.cpp).
  void setup_remote();
  void mirror_remote(const MirrorTarget& t, rte_mbuf* m, bool must_copy) noexcept;
  bool neighbor_rx(rte_mbuf* m, std::uint16_t in, std::uint64_t now) noexcept;
  void neighbor_tick(std::uint64_t now) noexcept;
  bool learn_neighbor(std::uint16_t port, std::uint16_t vlan, bool ipv6, const IpAddr& ip, const MacAddr& mac,
                      std::uint64_t now) noexcept;
  bool is_local(std::uint16_t port, std::uint16_t vlan, bool ipv6, const IpAddr& ip) const noexcept;
  void send_control(std::uint16_t port, const std::uint8_t* frame, std::uint16_t len) noexcept;
  std::uint64_t timestamp(bool gra_100ns) noexcept;
  void drop(rte_mbuf* m, std::uint16_t in, RxDropReason why) noexcept;
  void send(std::uint16_t port, rte_mbuf* m) noexcept;
  void send_mirror(std::uint16_t port, rte_mbuf* m, std::uint16_t service, std::uint32_t flow) noexcept;
  bool link_down(std::uint16_t port) const noexcept;
  void flush_production(std::uint16_t port) noexcept;
  void flush_mirror(std::uint16_t port) noexcept;
  void flush_all() noexcept;

  WorkerEnv env_;
  // The generation of this iteration and what the worker uses of it.
  Generation* gen_ = nullptr;
  const Snapshot* snap_ = nullptr;
  WorkerCounters* counters_ = nullptr;
  const WorkerView* view_ = nullptr;
  RemoteState* remote_ = nullptr;
  bool first_mirror_ = false;  // no copy sent under gen_ yet
  MacTable macs_;
  std::vector<TxBuf> tx_;
  std::vector<MirrorBuf> mtx_;
  std::vector<rte_mbuf*> rx_burst_;
  static constexpr std::uint16_t kStash = 64;
  rte_mbuf* stash_[kStash];  // clone mbufs taken from the pool in bulk
  std::uint16_t stash_n_ = 0;
  std::uint64_t now_ = 0;          // TSC of the current iteration
  std::uint64_t now_ns_ = 0;       // its wall clock, computed on first use
  std::uint64_t next_tick_ = 0;    // next neighbour maintenance
  std::uint64_t tick_tsc_ = 0, retry_tsc_ = 0, refresh_tsc_ = 0;
  std::atomic<std::uint64_t> last_rx_{0};
  std::atomic<std::uint64_t> busy_{0}, idle_{0};  // single writer: the worker
  std::atomic<bool> done_{false};
};

}  // namespace taas::dp
