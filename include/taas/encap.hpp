#pragma once
// The outer-header template contract for remote mirroring (DESIGN.md §4, §5).
// The control plane builds one EncapTemplate per service
// (control/encap_template.hpp); the worker copies it in front of each copy
// and patches only lengths, checksums, sequence, timestamp and the per-frame
// ERSPAN bits (dataplane/encap.hpp). No DPDK headers here (STYLE.md rule 2).

#include <array>
#include <cstdint>

namespace taas {

enum class Encap : std::uint8_t { kNone, kErspan2, kErspan3, kVxlan };

/// What a service's outer header is made of. Addresses are in network order.
/// The values are taken as given (masked to their field widths); range checks
/// belong to the intent validator.
struct EncapParams {
  Encap encap = Encap::kNone;
  bool ipv6 = false;
  std::array<std::uint8_t, 6> src_mac{};
  std::array<std::uint8_t, 6> dst_mac{};  // underlay next hop
  std::uint16_t vlan = 0;                 // underlay 802.1Q VID; 0 = untagged
  std::array<std::uint8_t, 16> src_ip{};  // IPv4 in the first 4 bytes
  std::array<std::uint8_t, 16> dst_ip{};
  std::uint8_t ttl = 64;                  // IPv4 TTL / IPv6 hop limit
  std::uint8_t dscp = 0;                  // 6 bits, top of TOS / traffic class
  std::uint32_t vni = 0;                  // VXLAN, 24 bits
  std::uint16_t udp_dst_port = 4789;      // VXLAN
  std::uint16_t session_id = 0;           // ERSPAN, 10 bits
  std::uint32_t erspan_index = 0;         // ERSPAN II Index (20 bits); ERSPAN
                                          // III: subheader Port ID (14 bits,
                                          // platform ID 3) or Source Index (20, ID 7)
  std::uint8_t hwid = 0;                  // ERSPAN III HwID, 6 bits
  bool gra_100ns = false;                 // ERSPAN III Gra: 1 (100 ns) or 0 (100 µs)
  bool platform_subheader = false;        // ERSPAN III O=1 + 8-byte platform subheader
  std::uint8_t platform_id = 3;           // 3: 14-bit Port ID; 7: 20-bit Source Index
};

/// A complete outer header: Ethernet [+802.1Q] / IPv4 or IPv6 /
/// GRE+seq+ERSPAN II, GRE+seq+ERSPAN III [+8-byte platform subheader] or
/// UDP+VXLAN. Every constant field is filled in; every length, checksum,
/// sequence, timestamp and per-frame field is zero. `len` == 0 for kNone.
struct EncapTemplate {
  std::array<std::uint8_t, 128> bytes{};
  std::uint16_t len = 0;            // outer header length
  std::uint16_t l3_offset = 0;      // IPv4 / IPv6 header
  std::uint16_t l4_offset = 0;      // GRE or UDP header
  std::uint16_t erspan_offset = 0;  // ERSPAN or VXLAN header
  bool ipv6 = false;
  Encap encap = Encap::kNone;
};

}  // namespace taas
