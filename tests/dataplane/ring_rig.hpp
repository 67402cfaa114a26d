#pragma once
// A test rig of real net_ring ports around one Worker, driven from the test
// thread: inject frames into a port's RX ring, poll the worker, collect what
// each port transmitted. EAL is initialised once per test binary (eal_env).

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/pools.hpp"
#include "dataplane/ports.hpp"
#include "dataplane/worker.hpp"
#include "taas/snapshot.hpp"

namespace taas::test {

using Bytes = std::vector<std::uint8_t>;

/// Builds an Ethernet frame: dst, src, optional 802.1Q tag, ethertype and a
/// payload of `payload_len` bytes derived from `seed`.
Bytes make_frame(const std::string& dst, const std::string& src, std::uint16_t ether_type,
                 std::size_t payload_len, std::uint8_t seed, int vlan = -1);

/// `frame` with an 802.1Q tag for `vlan` inserted after the source MAC.
Bytes tagged(const Bytes& frame, std::uint16_t vlan);

class RingRig {
 public:
  /// Compiles `intent_yaml` (devices are ignored: every port becomes a
  /// net_ring port with an RX ring of `rx_size` and a TX ring of `tx_size`
  /// slots; `tx_sizes` overrides per port index) and builds a worker over
  /// all ports. Fails the current test on any error.
  explicit RingRig(const std::string& intent_yaml, unsigned tx_size = 4096,
                   std::vector<std::pair<std::uint16_t, unsigned>> tx_sizes = {});
  ~RingRig();

  /// Index of the port called `name` in the snapshot.
  std::uint16_t port(const std::string& name) const;

  /// Copies `frames` into production-pool mbufs and enqueues them on the
  /// port's RX ring.
  void inject(const std::string& port, const std::vector<Bytes>& frames);

  /// Polls the worker until every RX ring is empty.
  void run();

  /// Dequeues everything the port transmitted (frees the mbufs).
  std::vector<Bytes> collect(const std::string& port);

  /// Frames waiting in the port's TX ring.
  unsigned pending(const std::string& port) const;

  /// Shuts down (close ports, drain rings, free pools); returns whether every
  /// mbuf was back in its pool first. Called by the destructor otherwise.
  bool shutdown();

  const Snapshot& snap() const { return snap_; }
  dp::Worker& worker() { return *worker_; }
  const WorkerCounters& counters() const { return worker_->counters(); }
  const dp::Pools& pools() const { return pools_; }

 private:
  void setup(const std::string& intent_yaml, unsigned tx_size,
             const std::vector<std::pair<std::uint16_t, unsigned>>& tx_sizes);

  Snapshot snap_;
  dp::Pools pools_;
  std::vector<rte_ring*> rx_rings_, tx_rings_;
  std::vector<std::uint16_t> ids_;
  std::vector<dp::PortCaps> caps_;
  std::unique_ptr<dp::Worker> worker_;
  bool down_ = false;
};

}  // namespace taas::test
