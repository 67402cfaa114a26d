#pragma once
// ARP (RFC 826) and IPv6 neighbour discovery (RFC 4861 NS / NA) on the wire:
// one parser and four builders over plain byte buffers, so that they are
// testable without EAL; the worker passes rte_pktmbuf_mtod() pointers.
//
// Fast path: noexcept, no heap, no logging. The parser reads at most `len`
// bytes; the builders write at most kNeighborFrameMax bytes.

#include <cstdint>

#include "taas/snapshot.hpp"

namespace taas::dp {

inline constexpr std::uint16_t kNeighborFrameMax = 90;  // enough for every frame built below incl. one 802.1Q tag

struct NeighborMsg {
  enum class Kind : std::uint8_t { kNone, kArpRequest, kArpReply, kSolicit, kAdvert };
  Kind kind = Kind::kNone;
  std::uint16_t vlan = 0;     // VID of the frame's single 802.1Q tag (TPID 0x8100); 0 = untagged
  MacAddr eth_src{};          // Ethernet source
  MacAddr sender_mac{};       // ARP sha; NS: source link-layer address option, else eth_src; NA: target link-layer address option, else eth_src
  IpAddr sender_ip{};         // ARP spa (first 4 bytes); IPv6 source address
  IpAddr target_ip{};         // ARP tpa; NS/NA target address
  bool solicited = false;     // NA S flag
  bool ipv6 = false;
};

/// Parses one Ethernet frame (no FCS), optionally with ONE 802.1Q tag. Returns kind kNone for anything that is not a well-formed
/// ARP (htype 1, ptype 0x0800, hlen 6, plen 4, op 1 or 2) or ICMPv6 NS (type 135) / NA (type 136) carried directly in IPv6 (next header 58, no extension headers),
/// with hop limit 255, code 0, a correct ICMPv6 checksum, and lengths that fit `len` (and the IPv6 payload length). Reads at most `len` bytes. Any thread.
///
/// Also rejected, as RFC 4861 §7.1 asks: a multicast target; an option of
/// length 0 or one that overruns the message; an NS from the unspecified
/// address (duplicate address detection) that carries a source link-layer
/// option or is not sent to a solicited-node address; an NA to a multicast
/// address with the S flag set. Unknown options are skipped; of repeated
/// link-layer options the first counts. Trailing bytes after the ARP body or
/// after the IPv6 payload (Ethernet padding) are ignored.
NeighborMsg parse_neighbor_msg(const std::uint8_t* frame, std::uint32_t len) noexcept;

/// Builders write a complete Ethernet frame (no FCS) into `out` (capacity >= kNeighborFrameMax) and return its length.
/// `vlan` != 0 inserts an 802.1Q tag (TPID 0x8100, PCP 0) with that VID. ARP frames are zero-padded to 60 bytes (64 with the tag).
/// ARP request: broadcast (ff:ff..), or unicast to *unicast_to when non-null (refresh of a known entry, as Linux does); tha = 00:00:00:00:00:00.
/// Any thread; `out` is owned by the caller.
std::uint16_t build_arp_request(std::uint8_t* out, const MacAddr& src_mac, std::uint16_t vlan, const IpAddr& sender_ip,
                                const IpAddr& target_ip, const MacAddr* unicast_to) noexcept;

/// ARP reply from us (src_mac, our_ip) to (to_mac, to_ip). Any thread.
std::uint16_t build_arp_reply(std::uint8_t* out, const MacAddr& src_mac, std::uint16_t vlan, const IpAddr& our_ip,
                              const MacAddr& to_mac, const IpAddr& to_ip) noexcept;

/// Neighbour solicitation for `target` from `src_ip`, with a source link-layer address option. Multicast to the solicited-node
/// address ff02::1:ffXX:XXXX (Ethernet 33:33:ff:XX:XX:XX), or unicast (IPv6 dst = target, Ethernet dst = *unicast_to) when non-null. Hop limit 255.
/// When `src_ip` is the unspecified address (duplicate address detection)
/// the option is left out, as RFC 4861 §4.3 requires. Any thread.
std::uint16_t build_neighbor_solicit(std::uint8_t* out, const MacAddr& src_mac, std::uint16_t vlan, const IpAddr& src_ip,
                                     const IpAddr& target, const MacAddr* unicast_to) noexcept;

/// Neighbour advertisement for our address `our_ip` (IPv6 source and target) to (to_mac, to_ip), flags S (when `solicited`) and O, with a target link-layer address option. Hop limit 255.
/// When `to_ip` is multicast S is cleared (RFC 4861 §7.2.4: an answer to a
/// DAD probe goes to all-nodes, unsolicited). R is never set. Any thread.
std::uint16_t build_neighbor_advert(std::uint8_t* out, const MacAddr& src_mac, std::uint16_t vlan, const IpAddr& our_ip,
                                    const MacAddr& to_mac, const IpAddr& to_ip, bool solicited) noexcept;

/// The solicited-node multicast address of `ip`: ff02::1:ff00:0 | low 24 bits. Any thread.
IpAddr solicited_node_ip(const IpAddr& ip) noexcept;

/// The Ethernet multicast address of IPv6 multicast `ip`: 33:33 + its low 32 bits (RFC 2464 §7). Any thread.
MacAddr ipv6_multicast_mac(const IpAddr& ip) noexcept;

}  // namespace taas::dp
