#pragma once
// Small in-place frame edits for the fast path: 802.1Q push and pop.
// Both require a frame the worker owns alone (see writable()).

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include <cstdint>
#include <cstring>

namespace taas::dp {

inline constexpr std::uint16_t kEthHdrLen = 14;

/// True when the worker may edit `m` in place: a direct mbuf that nothing
/// else references (no clone shares its data).
inline bool writable(const rte_mbuf* m) noexcept {
  return RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1;
}

/// True for the tag protocol ids taasd treats as "this frame is tagged".
inline bool is_vlan_tpid(std::uint16_t ether_type_be) noexcept {
  return ether_type_be == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN) ||
         ether_type_be == rte_cpu_to_be_16(RTE_ETHER_TYPE_QINQ) ||
         ether_type_be == rte_cpu_to_be_16(RTE_ETHER_TYPE_QINQ1);
}

/// Inserts an 802.1Q tag (PCP 0) after the source MAC. `m` must be
/// writable() with 4 bytes of headroom; returns false (frame untouched)
/// otherwise.
inline bool vlan_push(rte_mbuf* m, std::uint16_t vid) noexcept {
  if (!writable(m) || rte_pktmbuf_headroom(m) < 4 || m->data_len < kEthHdrLen) return false;
  auto* old_start = rte_pktmbuf_mtod(m, std::uint8_t*);
  auto* start = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_prepend(m, 4));
  std::memmove(start, old_start, 2 * RTE_ETHER_ADDR_LEN);
  const std::uint16_t tpid = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
  const std::uint16_t tci = rte_cpu_to_be_16(vid & 0x0fff);
  std::memcpy(start + 12, &tpid, 2);
  std::memcpy(start + 14, &tci, 2);
  return true;
}

/// Removes the outer 802.1Q tag. `m` must be writable() and hold the tag in
/// its first segment; returns false (frame untouched) otherwise.
inline bool vlan_pop(rte_mbuf* m) noexcept {
  if (!writable(m) || m->data_len < kEthHdrLen + 4) return false;
  auto* start = rte_pktmbuf_mtod(m, std::uint8_t*);
  std::memmove(start + 4, start, 2 * RTE_ETHER_ADDR_LEN);
  rte_pktmbuf_adj(m, 4);
  return true;
}

}  // namespace taas::dp
