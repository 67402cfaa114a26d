#pragma once
// The L2 learning table of one worker: (network, MAC) -> port, with aging.
// Open addressing with a short linear probe over a power-of-two array that
// is allocated once at start; lookups and learning never allocate. Time is
// passed in (TSC ticks) so that tests can drive aging directly.

#include <rte_byteorder.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "taas/snapshot.hpp"

namespace taas::dp {

class MacTable {
 public:
  /// `capacity` is rounded up to a power of two; `age_ticks` is how long an
  /// entry lives without being refreshed. Control thread (construction).
  MacTable(std::uint32_t capacity, std::uint64_t age_ticks);

  /// Learns or refreshes `mac` in `network` on `port` at time `now`.
  /// When every slot of the probe window is live, the oldest is replaced.
  /// A known host's stamp is renewed once a sixteenth of the age has passed,
  /// so an entry lives 15/16 to 16/16 of the age after the host's last frame.
  /// Owning worker only.
  void learn(std::uint16_t network, const std::uint8_t* mac, std::uint16_t port,
             std::uint64_t now) noexcept;

  /// The port `mac` was learned on in `network`, or kNone when unknown or
  /// aged out. Owning worker only.
  std::uint16_t lookup(std::uint16_t network, const std::uint8_t* mac, std::uint64_t now) const noexcept;

  // Frames of one burst mostly share their source and destination: the
  // last learn and the last hit are remembered, and a repeat skips the hash
  // and the probe. Any change to the table's keys or ports forgets both.

  /// Live entries at `now` (walks the table: tests and stats only).
  std::uint32_t live_entries(std::uint64_t now) const noexcept;

  static constexpr std::uint32_t kProbe = 8;

 private:
  struct Entry {
    std::uint64_t key = 0;  // bit 63 valid | network << 48 | MAC
    std::uint64_t seen = 0;
    std::uint16_t port = kNone;
  };

  static std::uint64_t make_key(std::uint16_t network, const std::uint8_t* mac) noexcept {
    // The MAC as a 48-bit big-endian number, from two loads (building it in
    // a stack word would stall on store forwarding).
    std::uint32_t hi = 0;
    std::uint16_t lo = 0;
    std::memcpy(&hi, mac, 4);
    std::memcpy(&lo, mac + 4, 2);
    const std::uint64_t k = (std::uint64_t{rte_be_to_cpu_32(hi)} << 16) | rte_be_to_cpu_16(lo);
    return (1ULL << 63) | (static_cast<std::uint64_t>(network & 0x7fff) << 48) | k;
  }
  std::uint32_t slot(std::uint64_t key) const noexcept {
    std::uint64_t h = key * 0x9E3779B97F4A7C15ULL;  // Fibonacci hashing
    return static_cast<std::uint32_t>(h >> 32) & mask_;
  }
  bool live(const Entry& e, std::uint64_t now) const noexcept {
    return e.key != 0 && now - e.seen < age_ticks_;
  }

  struct Memo {
    std::uint64_t key = 0;  // 0: nothing remembered
    std::uint64_t seen = 0;  // the entry's stamp when remembered
    std::uint16_t port = kNone;
  };

  std::vector<Entry> entries_;
  Memo learned_;
  mutable Memo found_;
  std::uint32_t mask_;
  std::uint64_t age_ticks_;
  std::uint64_t refresh_ticks_;  // re-stamp a known entry at most this often
};

}  // namespace taas::dp
