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
#include <memory>
#include <string>
#include <unordered_map>
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

/// The next-hop and sequence slots that outlive a snapshot: a new generation
/// reuses the slot of every next hop (same port, VLAN, address and static
/// MAC) and every ERSPAN session (same service UUID and session id) that the
/// generation before it had, so a swap neither forgets a resolved MAC nor
/// restarts or forks a session's sequence. A slot is freed when the last
/// generation using it is. Control thread only (the workers use the slots
/// through a RemoteState).
class SlotRegistry {
 public:
  SlotRegistry(std::uint64_t tsc_hz, std::uint64_t now_tsc, std::uint64_t now_ns)
      : time_{now_tsc, now_ns, tsc_hz == 0 ? 1 : tsc_hz} {}

  std::shared_ptr<NeighborSlot> neighbor(const NeighborEntry& e) {
    std::string key(reinterpret_cast<const char*>(&e.port), sizeof e.port);
    key.append(reinterpret_cast<const char*>(&e.vlan), sizeof e.vlan);
    key.push_back(e.ipv6 ? '6' : '4');
    key.append(reinterpret_cast<const char*>(e.ip.data()), e.ip.size());
    key.push_back(e.has_static_mac ? 's' : 'd');
    if (e.has_static_mac) key.append(reinterpret_cast<const char*>(e.static_mac.data()), e.static_mac.size());
    return find_or_make(neighbors_, key, [&] {
      auto slot = std::make_shared<NeighborSlot>();
      if (e.has_static_mac)
        slot->mac.store(NeighborSlot::kValid | pack_mac(e.static_mac.data()), std::memory_order_relaxed);
      return slot;
    });
  }

  std::shared_ptr<SequenceSlot> sequence(const std::string& service_uuid, std::uint16_t session_id) {
    return find_or_make(sequences_, service_uuid + "/" + std::to_string(session_id),
                        [] { return std::make_shared<SequenceSlot>(); });
  }

  const TimeBase& time() const noexcept { return time_; }

 private:
  template <class T, class Make>
  static std::shared_ptr<T> find_or_make(std::unordered_map<std::string, std::weak_ptr<T>>& map,
                                         const std::string& key, Make make) {
    for (auto it = map.begin(); it != map.end();) {  // drop dead entries as we go
      if (it->second.expired()) it = map.erase(it); else ++it;
    }
    if (auto live = map[key].lock()) return live;
    auto made = make();
    map[key] = made;
    return made;
  }

  TimeBase time_;
  std::unordered_map<std::string, std::weak_ptr<NeighborSlot>> neighbors_;
  std::unordered_map<std::string, std::weak_ptr<SequenceSlot>> sequences_;
};

/// One generation's view of the shared slots, indexed like its snapshot's
/// neighbors and sessions.
class RemoteState {
 public:
  /// Control thread: the slots of `snap`'s next hops and sessions, taken
  /// from (or added to) `slots`, which must outlive this state.
  RemoteState(const Snapshot& snap, SlotRegistry& slots) { fill(snap, slots); }

  /// Control thread, for a snapshot that is never swapped (tests, benches):
  /// fresh slots. Static next hops are valid from the start; `now_tsc` and
  /// `now_ns` anchor the timestamps.
  RemoteState(const Snapshot& snap, std::uint64_t tsc_hz, std::uint64_t now_tsc, std::uint64_t now_ns)
      : own_(std::make_unique<SlotRegistry>(tsc_hz, now_tsc, now_ns)) {
    fill(snap, *own_);
  }

  /// Any worker: the next hop's MAC when it is resolved.
  bool lookup(std::uint16_t n, std::uint8_t* mac) const noexcept {
    const std::uint64_t v = neighbors_[n]->mac.load(std::memory_order_acquire);
    if ((v & NeighborSlot::kValid) == 0) return false;
    unpack_mac(v, mac);
    return true;
  }

  /// The next sequence number of ERSPAN session `s` (any worker).
  std::uint32_t next_sequence(std::uint16_t s) noexcept {
    return sequences_[s]->next.fetch_add(1, std::memory_order_relaxed);
  }

  NeighborSlot& slot(std::uint16_t n) noexcept { return *neighbors_[n]; }
  std::size_t neighbors() const noexcept { return neighbors_.size(); }
  const NeighborSlot& slot(std::uint16_t n) const noexcept { return *neighbors_[n]; }
  const TimeBase& time() const noexcept { return *time_; }

 private:
  void fill(const Snapshot& snap, SlotRegistry& slots) {
    time_ = &slots.time();
    neighbors_.reserve(snap.neighbors.size());
    for (const NeighborEntry& e : snap.neighbors) neighbors_.push_back(slots.neighbor(e));
    sequences_.reserve(snap.sessions.size());
    for (const SessionEntry& s : snap.sessions) {
      const std::string uuid = s.service < snap.services.size() ? snap.services[s.service].uuid : std::string();
      sequences_.push_back(slots.sequence(uuid, s.session_id));
    }
  }

  std::unique_ptr<SlotRegistry> own_;  // only for the fresh-slots constructor
  std::vector<std::shared_ptr<NeighborSlot>> neighbors_;
  std::vector<std::shared_ptr<SequenceSlot>> sequences_;
  const TimeBase* time_ = nullptr;
};

}  // namespace taas::dp
