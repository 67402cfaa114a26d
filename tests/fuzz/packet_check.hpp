#pragma once
// Decoding and checking of encapsulated mirror copies for fuzz_packet,
// written from the wire formats (RFC 791, 8200, 768, 2784/2890, 7348 and
// draft-foschiano-erspan), not from dataplane/encap.hpp: outer Ethernet
// [+ 802.1Q] / IPv4 or IPv6 / GRE with sequence + ERSPAN II or III, or UDP +
// VXLAN, and the per-frame ERSPAN fields taken from the inner frame.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "taas/encap.hpp"
#include "taas/snapshot.hpp"

namespace taas::fuzz {

using Bytes = std::vector<std::uint8_t>;

/// What the outer headers of a copy leaving on one port must say.
struct OuterExpect {
  MacAddr src_mac{};       // the exit port's MAC
  std::uint16_t vlan = 0;  // underlay 802.1Q VID; 0: untagged
  std::uint32_t mtu = 0;   // largest outer IP packet
};

/// An encapsulated copy, decoded.
struct Decoded {
  Encap encap = Encap::kNone;
  bool ipv6 = false;
  std::size_t inner_offset = 0;  // first byte of the inner frame
  std::uint32_t ip_len = 0;      // outer IP packet length (header included)
  std::uint32_t seq = 0;         // GRE sequence number (ERSPAN)
  std::uint16_t session = 0;     // ERSPAN session id
  std::uint16_t vlan_field = 0;  // ERSPAN VLAN
  std::uint16_t cos = 0;
  std::uint16_t en_or_bso = 0;   // ERSPAN II En, ERSPAN III BSO
  bool truncated = false;        // T
  bool direction_in = false;     // ERSPAN III D
  std::uint32_t vni = 0;         // VXLAN
  std::uint16_t udp_src = 0, udp_dst = 0;
};

inline std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
inline std::uint32_t be32(const std::uint8_t* p) { return std::uint32_t{be16(p)} << 16 | be16(p + 2); }

/// RFC 1071 sum of `len` bytes, folded, not inverted.
std::uint16_t ones_sum(const std::uint8_t* p, std::size_t len, std::uint32_t acc = 0);

/// Checks a copy's outer headers against `expect` and the lengths against
/// the frame; fills `out`. Returns the first problem, empty when none.
std::string decode_encap(const Bytes& frame, const OuterExpect& expect, Decoded& out);

/// Checks the ERSPAN fields a worker derives per frame (VLAN, COS, En or
/// BSO) against the inner frame: `inner` of `inner_len` bytes, of which
/// `inner_avail` were contiguous where the worker read them (a tag is only
/// seen in the first 16 contiguous bytes). Empty when consistent.
std::string check_erspan_fields(const Decoded& d, const std::uint8_t* inner, std::size_t inner_len,
                                std::size_t inner_avail);

}  // namespace taas::fuzz
