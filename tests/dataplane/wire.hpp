#pragma once
// Hand-written builders and decoders for the frames the remote-mirroring
// tests send and judge: ARP, IPv6 neighbour discovery, and the outer headers
// of ERSPAN II / III and VXLAN copies. Written from the RFCs and DESIGN.md §5
// by byte offset, independently of dataplane/neighbor_wire.* and
// dataplane/encap.hpp, which they test.

#include <cstdint>
#include <optional>
#include <string>

#include "taas/snapshot.hpp"
#include "tests/dataplane/ring_rig.hpp"

namespace taas::test::wire {

MacAddr mac(const std::string& text);
/// IPv4 ("192.0.2.10", in the first 4 bytes) or IPv6 text.
IpAddr ip(const std::string& text);
std::string to_string(const MacAddr& m);

std::uint16_t be16(const Bytes& b, std::size_t off);
std::uint32_t be32(const Bytes& b, std::size_t off);

/// RFC 1071 sum over [off, off+len), folded, not inverted (0xffff = a
/// stored checksum is correct).
std::uint16_t ones_sum(const Bytes& b, std::size_t off, std::size_t len, std::uint32_t acc = 0);

/// An ARP frame (Ethernet, IPv4), padded to 60 bytes (64 tagged).
Bytes arp(std::uint16_t op, const MacAddr& eth_dst, const MacAddr& eth_src, const MacAddr& sha, const std::string& spa,
          const MacAddr& tha, const std::string& tpa, int vlan = -1);

/// An ICMPv6 NS (type 135) or NA (136) in IPv6 with hop limit 255 and a
/// correct checksum; `opt_type` 1 (source) or 2 (target link-layer address)
/// with `opt_mac`, 0 for none; `flags` is the first byte after the checksum.
Bytes nd(std::uint8_t type, const MacAddr& eth_dst, const MacAddr& eth_src, const std::string& ip_src,
         const std::string& ip_dst, const std::string& target, std::uint8_t flags, std::uint8_t opt_type,
         const MacAddr& opt_mac, int vlan = -1);

/// A decoded ARP frame (nullopt when it is not one).
struct Arp {
  MacAddr eth_dst{}, eth_src{};
  int vlan = -1;
  std::uint16_t op = 0;
  MacAddr sha{}, tha{};
  IpAddr spa{}, tpa{};
  std::size_t len = 0;
};
std::optional<Arp> decode_arp(const Bytes& f);

/// A decoded NS / NA (nullopt when it is not one). `checksum_ok` is checked
/// here, as is the hop limit.
struct Nd {
  MacAddr eth_dst{}, eth_src{};
  int vlan = -1;
  IpAddr src{}, dst{}, target{};
  std::uint8_t type = 0, hop_limit = 0, flags = 0;
  bool checksum_ok = false;
  std::uint8_t opt_type = 0;  // first option
  MacAddr opt_mac{};
};
std::optional<Nd> decode_nd(const Bytes& f);

/// A decoded encapsulated copy: outer Ethernet / IPv4 or IPv6 / GRE + ERSPAN
/// II or III, or UDP + VXLAN; `inner` is everything after the encapsulation
/// header(s).
struct Outer {
  MacAddr eth_dst{}, eth_src{};
  int vlan = -1;
  bool ipv6 = false;
  IpAddr src{}, dst{};
  std::uint8_t ttl = 0, proto = 0, dscp = 0;
  bool df = false;
  bool ip_checksum_ok = false;  // IPv4 header checksum
  std::uint32_t ip_len = 0;     // IPv4 total length / IPv6 40 + payload length
  // GRE
  std::uint16_t gre_flags = 0, gre_proto = 0;
  std::uint32_t seq = 0;
  // ERSPAN (version 1 = type II, 2 = type III)
  int erspan_version = 0;
  std::uint16_t erspan_vlan = 0, session = 0;
  std::uint8_t cos = 0, en_or_bso = 0;
  bool truncated = false;
  std::uint32_t index = 0;      // type II
  std::uint32_t timestamp = 0;  // type III
  std::uint16_t sgt = 0;
  std::uint8_t hwid = 0, gra = 0;
  bool direction = false, o_bit = false;
  // VXLAN
  std::uint16_t udp_src = 0, udp_dst = 0, udp_len = 0, udp_csum = 0;
  std::uint8_t vxlan_flags = 0;
  std::uint32_t vni = 0;
  Bytes inner;
};
std::optional<Outer> decode_outer(const Bytes& f);

/// Sorts what a port sent, keeping the order within each class: frames on
/// the underlay VLAN (`underlay_vlan`, -1 = untagged) are ARP, ND, an
/// encapsulated copy or other; every other frame is production.
struct Split {
  std::vector<Bytes> production, arp, nd, encap, other;
};
Split split(const std::vector<Bytes>& frames, int underlay_vlan = -1);

}  // namespace taas::test::wire
