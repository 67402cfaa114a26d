#pragma once
// State that every worker shares for remote mirroring (DESIGN.md §5): the
// resolved next-hop MACs, the GRE sequence counter of each ERSPAN session and
// the wall-clock base of ERSPAN III timestamps. Built by the control thread
// next to the snapshot it belongs to.
//
// Neighbour entries have one writer, the worker that polls the entry's port
// (it sends the requests and sees the answers); every worker reads them.
// A MAC and its valid bit live in one 64-bit atomic, so a reader never sees a
// torn address. Sequence counters are shared by all workers: one relaxed
// fetch_add per ERSPAN copy keeps a session's numbers unique and gap-free.

#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "taas/snapshot.hpp"

namespace taas::dp {

struct alignas(64) NeighborSlot {
  static constexpr std::uint64_t kValid = 1ull << 63;
  std::atomic<std::uint64_t> mac{0};        // kValid | MAC in the low 48 bits
  std::atomic<std::uint64_t> confirmed{0};  // TSC of the last answer
  // Owner worker only:
  std::uint64_t next_request = 0;  // TSC before which no request is sent
  std::uint32_t requests = 0;      // sent since the last answer
};

struct alignas(64) SequenceSlot {
  std::atomic<std::uint32_t> next{0};
};

/// Wall clock from the TSC: ns since the Unix epoch.
struct TimeBase {
  std::uint64_t tsc0 = 0;
  std::uint64_t ns0 = 0;
  std::uint64_t hz = 1;
  std::uint64_t ns(std::uint64_t tsc) const noexcept {
    const unsigned __int128 d = tsc > tsc0 ? tsc - tsc0 : 0;
    return ns0 + static_cast<std::uint64_t>(d * 1000000000u / hz);
  }
};

inline std::uint64_t pack_mac(const std::uint8_t* mac) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 6; ++i) v = (v << 8) | mac[i];
  return v;
}

inline void unpack_mac(std::uint64_t v, std::uint8_t* mac) noexcept {
  for (int i = 5; i >= 0; --i) {
    mac[i] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}

class RemoteState {
 public:
  /// Control thread. Static next hops are valid from the start; `now_tsc`
  /// and `now_ns` anchor the timestamps.
  RemoteState(const Snapshot& snap, std::uint64_t tsc_hz, std::uint64_t now_tsc, std::uint64_t now_ns)
      : neighbors_(snap.neighbors.size()), sequences_(snap.sessions.size()) {
    time_ = TimeBase{now_tsc, now_ns, tsc_hz == 0 ? 1 : tsc_hz};
    for (std::size_t i = 0; i < snap.neighbors.size(); ++i) {
      if (snap.neighbors[i].has_static_mac) {
        neighbors_[i].mac.store(NeighborSlot::kValid | pack_mac(snap.neighbors[i].static_mac.data()),
                                std::memory_order_relaxed);
      }
    }
  }

  /// Any worker: the next hop's MAC when it is resolved.
  bool lookup(std::uint16_t n, std::uint8_t* mac) const noexcept {
    const std::uint64_t v = neighbors_[n].mac.load(std::memory_order_acquire);
    if ((v & NeighborSlot::kValid) == 0) return false;
    unpack_mac(v, mac);
    return true;
  }

  /// The next sequence number of ERSPAN session `s` (any worker).
  std::uint32_t next_sequence(std::uint16_t s) noexcept {
    return sequences_[s].next.fetch_add(1, std::memory_order_relaxed);
  }

  NeighborSlot& slot(std::uint16_t n) noexcept { return neighbors_[n]; }
  const NeighborSlot& slot(std::uint16_t n) const noexcept { return neighbors_[n]; }
  const TimeBase& time() const noexcept { return time_; }

 private:
  std::vector<NeighborSlot> neighbors_;
  std::vector<SequenceSlot> sequences_;
  TimeBase time_;
};

}  // namespace taas::dp
