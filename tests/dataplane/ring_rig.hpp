#pragma once
// A test rig of real net_ring ports around one or more Workers, driven from
// the test thread (or threads the test starts): inject frames into a port's
// RX ring, poll the workers, collect what each port transmitted. EAL is
// initialised once per test binary (eal_env).

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/pools.hpp"
#include "dataplane/ports.hpp"
#include "dataplane/generation.hpp"
#include "dataplane/worker.hpp"
#include "taas/snapshot.hpp"

namespace taas::test {

using Bytes = std::vector<std::uint8_t>;

/// Builds an Ethernet frame: dst, src, optional 802.1Q tag, ethertype and a
/// payload of `payload_len` bytes derived from `seed`.
Bytes make_frame(const std::string& dst, const std::string& src, std::uint16_t ether_type, std::size_t payload_len,
                 std::uint8_t seed, int vlan = -1);

/// `frame` with an 802.1Q tag for `vlan` inserted after the source MAC.
Bytes tagged(const Bytes& frame, std::uint16_t vlan);

/// How a rig is built beyond its intent. The defaults give the original rig:
/// one worker polling every port, TX rings of 4096 slots.
struct RigOptions {
  unsigned tx_size = 4096;
  /// TX ring size per snapshot port index, overriding tx_size.
  std::vector<std::pair<std::uint16_t, unsigned>> tx_sizes;
  /// Number of workers. Every port gets one TX queue (its own net_ring TX
  /// ring) per worker; worker w transmits on queue w.
  unsigned workers = 1;
  /// Per worker, the names of the ports whose RX queue it polls. Empty: with
  /// one worker, every port; with several, port i goes to worker i % workers.
  std::vector<std::vector<std::string>> rx_ports;
  /// Ports treated as if their PMD had no multi-segment TX: their
  /// PortCaps::multi_seg_tx is forced to false after bring-up.
  std::vector<std::string> no_multi_seg;
};

/// One frame a port transmitted, with how it was laid out in mbufs.
struct TxFrame {
  Bytes bytes;
  std::uint16_t nb_segs = 0;
  bool any_indirect = false;    // some segment is a clone (indirect mbuf)
  bool first_indirect = false;  // the first segment is a clone
  std::uint16_t first_len = 0;  // data length of the first segment
  std::uint16_t queue = 0;      // TX queue (= worker) it was sent on
};

class RingRig {
 public:
  /// Compiles `intent_yaml` (devices are ignored: every port becomes a
  /// net_ring port with an RX ring of 4096 and a TX ring of `tx_size`
  /// slots; `tx_sizes` overrides per port index) and builds a worker over
  /// all ports. Fails the current test on any error.
  explicit RingRig(const std::string& intent_yaml, unsigned tx_size = 4096,
                   std::vector<std::pair<std::uint16_t, unsigned>> tx_sizes = {});
  /// As above with every option (several workers, forced linear ports).
  RingRig(const std::string& intent_yaml, const RigOptions& options);
  ~RingRig();

  /// Index of the port called `name` in the snapshot.
  std::uint16_t port(const std::string& name) const;

  /// Copies `frames` into production-pool mbufs and enqueues them on the
  /// port's RX ring; `segment` > 0 chains each frame in segments of that
  /// many bytes (as a PMD with scattered RX would). The thread that feeds
  /// that port, while no other thread does.
  void inject(const std::string& port, const std::vector<Bytes>& frames, std::size_t segment = 0);

  /// Enqueues `m` (the caller's mbuf, as built) on the port's RX ring.
  void inject_mbuf(const std::string& port, rte_mbuf* m);

  /// Polls every worker (round robin) until every RX ring is empty.
  void run();

  /// One poll_once() of every worker; returns the frames they received.
  std::uint32_t poll();

  /// Dequeues everything the port transmitted, queue 0 first (frees the
  /// mbufs).
  std::vector<Bytes> collect(const std::string& port);

  /// As collect(), keeping the mbuf layout of each frame. `queue` >= 0 takes
  /// only that TX queue's frames: a thread driving worker w may collect
  /// queue w while other workers run.
  std::vector<TxFrame> collect_frames(const std::string& port, int queue = -1);

  /// Frames waiting in the port's TX rings.
  unsigned pending(const std::string& port) const;

  /// Shuts down (close ports, drain rings, free pools); returns whether every
  /// mbuf was back in its pool first. Called by the destructor otherwise.
  bool shutdown();

  /// True when the rig came up (intent compiled, ports started).
  bool ok() const { return !workers_.empty(); }

  const Snapshot& snap() const { return snap_; }
  dp::Worker& worker(std::size_t w = 0) { return *workers_[w]; }
  std::size_t workers() const { return workers_.size(); }
  /// Worker 0's counters (the only worker unless options say otherwise).
  const WorkerCounters& counters(std::size_t w = 0) const { return workers_[w]->counters(); }
  const dp::Pools& pools() const { return pools_; }
  /// What bring-up learned about each port (by snapshot index). net_ring
  /// ports report no MAC; the rig gives port i 02:0a:00:00:00:<i+1>.
  const std::vector<dp::PortCaps>& caps() const { return caps_; }
  /// The MAC of the port called `name` (its PortCaps::mac).
  MacAddr mac(const std::string& name) const { return caps_[port(name)].mac; }
  /// The next-hop / sequence / clock state of the published generation.
  const dp::RemoteState& remote() const { return publisher_->current().remote; }
  /// The link state the workers see for port `name` (all up at start;
  /// net_ring's own link never goes down).
  void set_link(const std::string& name, bool up) { links_[port(name)].store(up ? 1 : 0); }
  /// Snapshot swaps: publish a new generation (same ports), free the
  /// retired ones the workers have moved past (poll first).
  dp::Publisher& publisher() { return *publisher_; }

 private:
  void setup(const std::string& intent_yaml, const RigOptions& options);

  Snapshot snap_;
  dp::Pools pools_;
  std::vector<rte_ring*> rx_rings_;
  std::vector<std::vector<rte_ring*>> tx_rings_;  // per port, per queue
  std::vector<std::uint16_t> ids_;
  std::vector<dp::PortCaps> caps_;
  std::unique_ptr<dp::Publisher> publisher_;  // outlives the workers
  std::unique_ptr<std::atomic<std::uint8_t>[]> links_;  // per port, as the workers see it
  std::vector<std::unique_ptr<dp::Worker>> workers_;
  bool down_ = false;
};

}  // namespace taas::test
