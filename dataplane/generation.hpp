#pragma once
// Snapshot generations and their RCU swap (DESIGN.md §6, issue 4).
//
// A Generation is one compiled snapshot plus what the workers need next to
// it: the shared next-hop and sequence slots it uses (RemoteState), and per
// worker its counters and the next hops that worker resolves. The control
// thread publishes a new generation with a release store of one pointer;
// each worker loads it (acquire) once per poll iteration, uses nothing else
// for the whole iteration, and reports a quiescent state (rte_rcu_qsbr) at
// its end. A replaced generation is retired: once every worker has been
// quiescent after the swap, its counters are folded into totals keyed by
// port index and by service / flow UUID, and it is freed.
//
// Counters therefore live per generation: a copy is counted against the flow
// of the generation it was made under, and a flow keeps its totals across
// swaps through its UUID. Ports cannot change between generations (the
// caller guarantees it); networks and the MAC tables stay valid.

#include <rte_rcu_qsbr.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/remote_state.hpp"
#include "dataplane/totals.hpp"
#include "taas/counters.hpp"
#include "taas/snapshot.hpp"

namespace taas::dp {

/// One worker's part of a generation.
struct WorkerView {
  explicit WorkerView(const Snapshot& snap)
      : counters(snap.ports.size(), snap.services.size(), snap.flows.size()) {}
  WorkerCounters counters;
  std::vector<std::uint16_t> owned_neighbors;  // next hops this worker resolves
  std::vector<std::uint8_t> neighbor_port;     // per port: ARP/ND is looked at there
  std::vector<std::uint16_t> neighbor_vlan;    // per port: on this VLAN
};

struct Generation {
  Generation(Snapshot s, SlotRegistry& slots) : snap(std::move(s)), remote(snap, slots) {}
  Snapshot snap;
  RemoteState remote;
  std::vector<std::unique_ptr<WorkerView>> views;  // per worker
  std::uint64_t published_tsc = 0;                 // when it was stored
  std::uint64_t seq = 0;                           // the Publisher's count: 1, 2, ...
  /// TSC of the first mirror copy a worker handed to a TX queue under this
  /// generation (0 until then): apply-to-first-mirrored-frame latency.
  std::atomic<std::uint64_t> first_mirror_tsc{0};
};

/// Owns the generations of one dataplane: the published pointer, the RCU
/// variable the workers report to, the slots and the retired totals.
/// Control thread only, except the accessors the workers use.
class Publisher {
 public:
  /// `polled[w]` lists the snapshot port indexes worker w polls.
  Publisher(std::vector<std::vector<std::uint16_t>> polled, SlotRegistry slots);
  /// Frees every generation: the workers must have stopped.
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  std::uint32_t workers() const noexcept { return static_cast<std::uint32_t>(polled_.size()); }

  /// Builds the generation of `snap` and publishes it; the one it replaces
  /// is retired. Returns the new generation's number (snap.generation).
  std::uint64_t publish(Snapshot snap);

  /// Frees the retired generations every worker has moved past; returns how
  /// many are still waiting. Never blocks.
  std::size_t reclaim();

  /// The published generation (control thread).
  const Generation& current() const noexcept { return *current_.load(std::memory_order_relaxed); }

  /// Counters since start, indexed like current().snap: retired totals plus
  /// every generation still alive.
  Totals totals() const;

  /// For the workers.
  std::atomic<Generation*>* cell() noexcept { return &current_; }
  rte_rcu_qsbr* rcu() noexcept { return rcu_; }

 private:
  struct Retired {
    std::unique_ptr<Generation> gen;
    std::uint64_t token = 0;
  };
  std::unique_ptr<Generation> build(Snapshot snap);
  void fold(const Generation& g);
  void add_live(Totals& t, const Generation& g) const;
  /// Whether generation `g`'s counts of `uuid` belong to the current entity
  /// with that UUID: it exists now and has existed since `g` (a service or
  /// flow deleted and added back with the same UUID starts from zero).
  static bool continuous(const std::unordered_map<std::string, std::uint64_t>& born, const std::string& uuid,
                         const Generation& g);

  std::vector<std::vector<std::uint16_t>> polled_;
  SlotRegistry slots_;
  rte_rcu_qsbr* rcu_ = nullptr;
  std::atomic<Generation*> current_{nullptr};
  std::unique_ptr<Generation> owned_;  // the published one
  std::deque<Retired> retired_;
  std::uint64_t seq_ = 0;
  // Per UUID of the current snapshot: the seq of the generation since which
  // it has existed without a break.
  std::unordered_map<std::string, std::uint64_t> services_born_;
  std::unordered_map<std::string, std::uint64_t> flows_born_;
  // Folded counters of freed generations.
  std::vector<PortTotals> ports_;
  std::unordered_map<std::string, ServiceTotals> services_;
  std::unordered_map<std::string, FlowTotals> flows_;
  ServiceTotals deleted_services_;
  FlowTotals deleted_flows_;
};

}  // namespace taas::dp
