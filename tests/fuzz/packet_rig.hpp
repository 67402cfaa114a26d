#pragma once
// The dataplane under fuzz_packet: one real Worker over real net_ring ports,
// built once per process from a compiled intent (like tests/dataplane's
// RingRig, without gtest: any failure to come up aborts). The harness
// thread is the worker's thread: it fills RX rings, calls poll_once() and
// empties TX rings itself.

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/generation.hpp"
#include "dataplane/pools.hpp"
#include "dataplane/ports.hpp"
#include "dataplane/worker.hpp"
#include "taas/snapshot.hpp"

namespace taas::fuzz {

/// Initialises EAL once per process: --no-huge -m 512 --no-pci, lcore 0 on
/// the first CPU the process may use, a file prefix of its own
/// (taas-fuzz-<pid>), whose runtime folder is removed at exit.
void eal_init_once();

/// Sum of a pool's free mbufs (its ring and every lcore cache).
unsigned pool_free(const rte_mempool* mp);

class PacketRig {
 public:
  /// Compiles `intent_yaml` (devices ignored: each port is a net_ring pair
  /// of rings) and starts the ports and one worker polling all of them.
  /// Ports named in `no_multi_seg` are treated as a PMD without
  /// multi-segment TX. `tag` keeps ring, pool and port names apart.
  PacketRig(const std::string& intent_yaml, const std::string& tag, const std::vector<std::string>& no_multi_seg);
  PacketRig(const PacketRig&) = delete;
  PacketRig& operator=(const PacketRig&) = delete;

  const Snapshot& snap() const { return snap_; }
  std::uint16_t port(const std::string& name) const;
  const dp::PortCaps& caps(std::uint16_t port) const { return caps_[port]; }
  const dp::Pools& pools() const { return pools_; }
  dp::Worker& worker() { return *worker_; }
  const WorkerCounters& counters() const { return worker_->counters(); }

  /// Puts `m` on the RX ring of snapshot port `port`; false when it is full.
  bool inject(std::uint16_t port, rte_mbuf* m);
  /// Moves everything port `port` transmitted into `out` (caller frees).
  void dequeue(std::uint16_t port, std::vector<rte_mbuf*>& out);
  /// Frames waiting on the RX ring of `port`.
  unsigned rx_pending(std::uint16_t port) const;

 private:
  Snapshot snap_;
  dp::Pools pools_;
  std::vector<rte_ring*> rx_, tx_;
  std::vector<std::uint16_t> ids_;
  std::vector<dp::PortCaps> caps_;
  std::unique_ptr<dp::Publisher> publisher_;  // outlives the worker
  std::unique_ptr<dp::Worker> worker_;
};

}  // namespace taas::fuzz
