#include "dataplane/mac_table.hpp"

namespace taas::dp {

MacTable::MacTable(std::uint32_t capacity, std::uint64_t age_ticks)
    : age_ticks_(age_ticks), refresh_ticks_(age_ticks / 16) {
  std::uint32_t n = kProbe;
  while (n < capacity) n <<= 1;
  entries_.resize(n);
  mask_ = n - 1;
}

void MacTable::learn(std::uint16_t network, const std::uint8_t* mac, std::uint16_t port,
                     std::uint64_t now) noexcept {
  const std::uint64_t key = make_key(network, mac);
  // A known host is re-stamped only once a sixteenth of its age has passed:
  // most frames leave the entry's cache line clean, and a repeat of the
  // last one learned does not even look.
  if (key == learned_.key && port == learned_.port && now - learned_.seen < refresh_ticks_) return;
  const std::uint32_t first = slot(key);
  Entry* victim = nullptr;
  for (std::uint32_t i = 0; i < kProbe; ++i) {
    Entry& e = entries_[(first + i) & mask_];
    if (e.key == key) {  // refresh, or move after the host moved
      if (e.port != port) found_.key = 0;
      if (e.port != port || now - e.seen >= refresh_ticks_) {
        e.port = port;
        e.seen = now;
      }
      learned_ = Memo{key, e.seen, port};
      return;
    }
    if (!live(e, now)) {
      if (victim == nullptr || victim->key != 0) victim = &e;  // prefer a never-used slot
    } else if (victim == nullptr || (live(*victim, now) && e.seen < victim->seen)) {
      victim = &e;
    }
  }
  if (victim->key == found_.key) found_.key = 0;  // evicted
  victim->key = key;
  victim->port = port;
  victim->seen = now;
  learned_ = Memo{key, now, port};
}

std::uint16_t MacTable::lookup(std::uint16_t network, const std::uint8_t* mac,
                               std::uint64_t now) const noexcept {
  const std::uint64_t key = make_key(network, mac);
  if (key == found_.key && now - found_.seen < age_ticks_) return found_.port;
  const std::uint32_t first = slot(key);
  for (std::uint32_t i = 0; i < kProbe; ++i) {
    const Entry& e = entries_[(first + i) & mask_];
    if (e.key != key) continue;
    if (!live(e, now)) return kNone;
    found_ = Memo{key, e.seen, e.port};
    return e.port;
  }
  return kNone;
}

std::uint32_t MacTable::live_entries(std::uint64_t now) const noexcept {
  std::uint32_t n = 0;
  for (const Entry& e : entries_) n += live(e, now) ? 1 : 0;
  return n;
}

}  // namespace taas::dp
