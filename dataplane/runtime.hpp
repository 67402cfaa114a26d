#pragma once
// The running dataplane of one taasd process: pools, ports and workers built
// from a snapshot, launched on the EAL worker lcores, and torn down in the
// order that keeps pcap files complete and returns every mbuf.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "control/result.hpp"
#include "dataplane/generation.hpp"
#include "dataplane/pools.hpp"
#include "dataplane/ports.hpp"
#include "dataplane/worker.hpp"
#include "taas/snapshot.hpp"

namespace taas::dp {

class Runtime {
 public:
  /// Creates pools, starts the ports and launches one worker per worker
  /// lcore. EAL must be initialised with at least workers + 1 lcores.
  /// Main thread.
  static ctl::Result<std::unique_ptr<Runtime>> start(Snapshot snap);

  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// Stops the workers and waits for them, closes the ports and frees the
  /// pools. Returns false when some mbuf did not come back (a leak).
  /// Idempotent. Main thread.
  bool stop();

  /// Milliseconds since any worker last received a frame (or since start).
  std::uint64_t idle_ms() const noexcept;

  /// Counters since start (summed over workers and generations), as
  /// --stats-out JSON. Control thread.
  std::string stats_json() const;
  /// The same counters as numbers, indexed like snapshot(). Control thread.
  Totals totals() const { return publisher_->totals(); }

  /// Publishes `snap` (same ports as the running one; the control plane
  /// guarantees it) as the next generation; returns its number. The
  /// replaced generation is freed by a later reclaim(). Control thread.
  std::uint64_t publish(Snapshot snap);

  /// Frees the generations every worker has moved past; returns how many
  /// still wait. Call it now and then (the control loop does, every 10 ms).
  std::size_t reclaim();

  /// The published generation (control thread).
  const Generation& generation() const noexcept { return publisher_->current(); }
  const Snapshot& snapshot() const noexcept { return publisher_->current().snap; }

  /// Link state of snapshot port `port` as last polled (poll_links()).
  bool port_up(std::uint16_t port) const;
  /// Reads every port's link state (no wait) into what the workers check;
  /// returns the ports whose state changed. Control thread.
  std::vector<std::uint16_t> poll_links();
  /// The MAC of snapshot port `port`.
  const MacAddr& port_mac(std::uint16_t port) const { return caps_[port].mac; }
  std::uint32_t workers() const noexcept { return static_cast<std::uint32_t>(workers_.size()); }
  /// Per worker: TSC cycles of iterations that received frames and of
  /// iterations that received none. Any thread.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> worker_cycles() const;
  /// TSC ticks per second.
  std::uint64_t tsc_hz() const noexcept;

  /// Workers whose polling loop is running.
  std::uint32_t workers_alive() const noexcept;

 private:
  Runtime() = default;

  Pools pools_;
  std::vector<PoolCount> final_pools_;  // as stop() found them, for stats_json() after
  std::vector<std::uint16_t> ids_;
  std::vector<PortCaps> caps_;
  std::unique_ptr<Publisher> publisher_;  // outlives the workers (RCU variable)
  std::unique_ptr<std::atomic<std::uint8_t>[]> link_up_;  // per port, read by the workers
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::pair<Worker*, const std::atomic<bool>*>> launch_;  // worker_main's arguments
  std::vector<unsigned> lcores_;
  std::atomic<bool> stop_{false};
  bool pdump_ = false;  // rte_pdump_init() succeeded
  bool stopped_ = false;
};

}  // namespace taas::dp
