#pragma once
// Per-frame patching of an outer-header template (DESIGN.md §5). The template
// comes from the control plane (control/encap_template.hpp); this copies it in
// front of a mirrored frame and fills in lengths, checksums, sequence,
// timestamp and the ERSPAN bits taken from the inner frame.
//
// Plain byte buffers, no DPDK: the functions are testable without EAL and the
// worker passes rte_pktmbuf_mtod() pointers. Fast path: noexcept, no heap.

#include <cstdint>
#include <cstring>

#include "taas/encap.hpp"

namespace taas::dp {

inline constexpr std::uint16_t kVxlanSrcPortMin = 49152;  // 49152..65535

namespace encap_detail {

inline void store_be16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

inline void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  store_be16(p, static_cast<std::uint16_t>(v >> 16));
  store_be16(p + 2, static_cast<std::uint16_t>(v));
}

inline std::uint16_t load_be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

inline bool is_tag_tpid(std::uint16_t tpid) noexcept {
  return tpid == 0x8100 || tpid == 0x88a8 || tpid == 0x9100;
}

/// RFC 1071 ones' complement sum of `len` bytes added to `acc` (big-endian
/// 16-bit words; an odd last byte is padded with zero). Callers fold.
inline std::uint64_t csum_add(std::uint64_t acc, const std::uint8_t* p,
                              std::uint32_t len) noexcept {
  std::uint32_t i = 0;
  for (; i + 1 < len; i += 2) acc += load_be16(p + i);
  if (i < len) acc += static_cast<std::uint64_t>(p[i]) << 8;
  return acc;
}

/// Folds a csum_add() accumulator to 16 bits (not inverted).
inline std::uint16_t csum_fold(std::uint64_t acc) noexcept {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(acc);
}

inline std::uint64_t load_u64(const std::uint8_t* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline std::uint32_t load_u32(const std::uint8_t* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

/// Copies a header of `len` >= 16 bytes in 16-byte moves (the last one
/// overlapping), never past `len`: memcpy with a variable length becomes
/// `rep movs`, whose start-up cost was the largest single item of an
/// encapsulated copy (perf on worker-bench).
inline void copy_header(std::uint8_t* out, const std::uint8_t* in, std::uint32_t len) noexcept {
  std::uint32_t i = 0;
  for (; i + 16 <= len; i += 16) std::memcpy(out + i, in + i, 16);
  if (i < len) std::memcpy(out + len - 16, in + len - 16, 16);
}

inline std::uint64_t mix(std::uint64_t h, std::uint64_t w) noexcept {
  return (h ^ w) * 0x9e3779b97f4a7c15ull;
}

}  // namespace encap_detail

/// RFC 1071 internet checksum of `len` bytes, ready to store (inverted).
/// Any thread.
inline std::uint16_t inet_checksum(const std::uint8_t* p, std::uint32_t len) noexcept {
  return static_cast<std::uint16_t>(~encap_detail::csum_fold(encap_detail::csum_add(0, p, len)));
}

/// VXLAN UDP source port for the inner frame's flow, in 49152..65535 (RFC
/// 7348 §5). Hashes the inner destination and source MAC, the ethertype after
/// up to two VLAN tags and, for IPv4 / IPv6, the addresses, the protocol and
/// (TCP, UDP, SCTP; IPv4 first fragments only; IPv6 without extension
/// headers) the ports. The same flow always gets the same port. Reads at most
/// `len` bytes of `inner`. Any thread.
///
/// Word-wise multiplicative mixing rather than a byte-wise hash: about 8
/// multiplies for IPv6, 5 for IPv4. Not measured yet; rte_hash_crc is the
/// candidate if it shows up in the worker's cycle count.
inline std::uint16_t vxlan_src_port(const std::uint8_t* inner, std::uint32_t len) noexcept {
  using namespace encap_detail;
  std::uint64_t h = 0x243f6a8885a308d3ull;
  if (len < 14) {
    for (std::uint32_t i = 0; i < len; ++i) h = mix(h, inner[i]);
  } else {
    h = mix(h, load_u64(inner));      // dst MAC + 2 bytes of src MAC
    h = mix(h, load_u32(inner + 8));  // rest of src MAC
    std::uint32_t off = 12;
    std::uint16_t type = load_be16(inner + off);
    for (int i = 0; i < 2 && is_tag_tpid(type) && off + 6 <= len; ++i) {
      off += 4;
      type = load_be16(inner + off);
    }
    off += 2;
    std::uint8_t proto = 0;
    std::uint32_t l4 = 0;  // 0 = no ports to hash
    if (type == 0x0800 && off + 20 <= len) {
      const std::uint32_t ihl = (inner[off] & 0x0fu) * 4u;
      proto = inner[off + 9];
      h = mix(h, load_u64(inner + off + 12));  // source + destination
      const bool first_fragment = (load_be16(inner + off + 6) & 0x1fff) == 0;
      if (ihl >= 20 && first_fragment) l4 = off + ihl;
    } else if (type == 0x86dd && off + 40 <= len) {
      proto = inner[off + 6];
      for (std::uint32_t i = 8; i < 40; i += 8) h = mix(h, load_u64(inner + off + i));
      l4 = off + 40;
    }
    const bool has_ports = proto == 6 || proto == 17 || proto == 132;
    const std::uint32_t ports = has_ports && l4 != 0 && l4 + 4 <= len ? load_u32(inner + l4) : 0;
    h = mix(h, (std::uint64_t{type} << 40) | (std::uint64_t{proto} << 32) | ports);
  }
  h ^= h >> 32;
  h ^= h >> 16;
  return static_cast<std::uint16_t>(kVxlanSrcPortMin | (h & 0x3fff));
}

/// Writes the outer header for one mirrored frame to `out` (at least
/// `t.len` bytes) and returns its length, t.len; 0 means nothing usable was
/// written (Encap::kNone, or a length the outer IP header cannot carry, or an
/// IPv6 VXLAN frame whose inner bytes are not all given) and the copy must be
/// dropped and counted.
///
/// - `inner_len`: length of the inner frame as sent (after truncation, no FCS).
/// - `inner`, `inner_available`: the first bytes of the inner frame,
///   contiguous. The inner 802.1Q tag (ERSPAN VLAN/COS/En) and the VXLAN
///   source port come from them. IPv6 VXLAN needs the UDP checksum over the
///   whole inner frame, so there `inner_available` must be >= `inner_len`:
///   a chained (non-contiguous) frame has to be linearised first, or the
///   caller sums the segments itself (not provided yet).
/// - `seq`: GRE sequence number, per session, starting at 0 (ERSPAN).
/// - `timestamp`: in the template's Gra units (ERSPAN III): the low 32 bits go
///   in the header, the upper 32 in the Platform ID 3 subheader when O=1.
/// - `truncated`: ERSPAN T bit.
/// - `direction_in`: ERSPAN III D bit. taasd directions are VM-centric: IN
///   (delivered to the VM) is egress at the switch port, D=1; OUT is D=0.
///
/// ERSPAN III BSO: 1 (short) when the frame with its FCS would be under 64 B,
/// 2 (oversized) when over 1518 B (1522 B with a tag), else 0. A truncated
/// frame is never marked short. Worker thread; `out` is owned by the caller.
inline std::uint16_t encap_write(const EncapTemplate& t, std::uint8_t* out,
                                 std::uint32_t inner_len, std::uint32_t seq,
                                 std::uint64_t timestamp, const std::uint8_t* inner,
                                 std::uint32_t inner_available, bool truncated,
                                 std::uint8_t direction_in) noexcept {
  using namespace encap_detail;
  if (t.encap == Encap::kNone || t.len < 16 || t.len > t.bytes.size()) return 0;
  if (inner_available > inner_len) inner_available = inner_len;
  const std::uint32_t l3_payload = t.len - t.l3_offset - (t.ipv6 ? 40u : 0u) + inner_len;
  if (l3_payload > 0xffff) return 0;  // IPv4 total length / IPv6 payload length
  if (t.ipv6 && t.encap == Encap::kVxlan && inner_available < inner_len) return 0;

  copy_header(out, t.bytes.data(), t.len);
  std::uint8_t* l3 = out + t.l3_offset;
  std::uint8_t* l4 = out + t.l4_offset;
  std::uint8_t* e = out + t.erspan_offset;

  if (t.encap == Encap::kVxlan) {
    const auto udp_len = static_cast<std::uint16_t>(t.len - t.l4_offset + inner_len);
    store_be16(l4, vxlan_src_port(inner, inner_available));
    store_be16(l4 + 4, udp_len);
    if (t.ipv6) {
      // Pseudo-header (addresses, length, next header) + UDP + VXLAN + inner.
      std::uint64_t acc = csum_add(0, l3 + 8, 32);
      acc += udp_len;
      acc += 17;
      acc = csum_add(acc, l4, t.len - t.l4_offset);
      acc = csum_add(acc, inner, inner_len);
      std::uint16_t sum = static_cast<std::uint16_t>(~csum_fold(acc));
      if (sum == 0) sum = 0xffff;  // 0 means "no checksum" (not allowed over IPv6)
      store_be16(l4 + 6, sum);
    }
  } else {
    store_be32(l4 + 4, seq);
    std::uint16_t vid = 0;
    std::uint16_t cos = 0;
    bool tagged = false;
    if (inner_available >= 16 && is_tag_tpid(load_be16(inner + 12))) {
      const std::uint16_t tci = load_be16(inner + 14);
      tagged = true;
      vid = tci & 0x0fff;
      cos = tci >> 13;
    }
    const std::uint16_t t_bit = truncated ? 1 : 0;
    const std::uint16_t session = load_be16(e + 2) & 0x03ff;
    if (t.encap == Encap::kErspan2) {
      const std::uint16_t en = tagged ? 3 : 0;
      store_be16(e, static_cast<std::uint16_t>(0x1000 | vid));
      store_be16(e + 2, static_cast<std::uint16_t>(cos << 13 | en << 11 | t_bit << 10 | session));
    } else {
      const std::uint32_t wire_len = inner_len + 4;  // + FCS
      std::uint16_t bso = 0;
      if (wire_len < 64 && !truncated) {
        bso = 1;
      } else if (wire_len > (tagged ? 1522u : 1518u)) {
        bso = 2;
      }
      store_be16(e, static_cast<std::uint16_t>(0x2000 | vid));
      store_be16(e + 2, static_cast<std::uint16_t>(cos << 13 | bso << 11 | t_bit << 10 | session));
      store_be32(e + 4, static_cast<std::uint32_t>(timestamp));
      if (direction_in) e[11] = static_cast<std::uint8_t>(e[11] | 0x08);
      if (e[11] & 0x01) store_be32(e + 16, static_cast<std::uint32_t>(timestamp >> 32));
    }
  }

  if (t.ipv6) {
    store_be16(l3 + 4, static_cast<std::uint16_t>(l3_payload));
  } else {
    // Summed from the template (whose length and checksum are zero) plus the
    // length: reading back the header just written would stall on
    // store-to-load forwarding (~20 cycles a copy, perf on worker-bench).
    store_be16(l3 + 2, static_cast<std::uint16_t>(l3_payload));
    const std::uint64_t acc = csum_add(l3_payload, t.bytes.data() + t.l3_offset, 20);
    store_be16(l3 + 10, static_cast<std::uint16_t>(~csum_fold(acc)));
  }
  return t.len;
}

}  // namespace taas::dp
