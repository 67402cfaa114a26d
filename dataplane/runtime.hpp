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

  /// Counters summed over the workers, as --stats-out JSON. Any time.
  std::string stats_json() const;

  const Snapshot& snapshot() const noexcept { return snap_; }

 private:
  explicit Runtime(Snapshot snap) : snap_(std::move(snap)) {}

  Snapshot snap_;
  Pools pools_;
  std::vector<std::uint16_t> ids_;
  std::vector<PortCaps> caps_;
  std::unique_ptr<RemoteState> remote_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::pair<Worker*, const std::atomic<bool>*>> launch_;  // worker_main's arguments
  std::vector<unsigned> lcores_;
  std::atomic<bool> stop_{false};
  bool stopped_ = false;
};

}  // namespace taas::dp
