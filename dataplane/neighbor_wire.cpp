#include "dataplane/neighbor_wire.hpp"

#include <cstring>

#include "dataplane/encap.hpp"

namespace taas::dp {

namespace {

using encap_detail::csum_add;
using encap_detail::csum_fold;
using encap_detail::load_be16;
using encap_detail::store_be16;

constexpr std::uint16_t kTypeVlan = 0x8100;
constexpr std::uint16_t kTypeArp = 0x0806;
constexpr std::uint16_t kTypeIpv4 = 0x0800;
constexpr std::uint16_t kTypeIpv6 = 0x86dd;
constexpr std::uint32_t kEthLen = 14;
constexpr std::uint32_t kTagLen = 4;
constexpr std::uint32_t kArpLen = 28;
constexpr std::uint32_t kArpMinFrame = 60;  // without FCS
constexpr std::uint32_t kIpv6Len = 40;
constexpr std::uint8_t kNextIcmpv6 = 58;
constexpr std::uint8_t kHopLimitNd = 255;
constexpr std::uint8_t kIcmpSolicit = 135;
constexpr std::uint8_t kIcmpAdvert = 136;
constexpr std::uint32_t kNdBodyLen = 24;  // type, code, checksum, flags/reserved, target
constexpr std::uint32_t kLlOptLen = 8;    // type, length (in 8 bytes), MAC
constexpr std::uint8_t kOptSourceLl = 1;
constexpr std::uint8_t kOptTargetLl = 2;
constexpr std::uint8_t kFlagSolicited = 0x40;
constexpr std::uint8_t kFlagOverride = 0x20;

bool is_multicast(const std::uint8_t* ip6) noexcept { return ip6[0] == 0xff; }

bool is_unspecified(const std::uint8_t* ip6) noexcept {
  for (int i = 0; i < 16; ++i) {
    if (ip6[i] != 0) return false;
  }
  return true;
}

bool is_solicited_node(const std::uint8_t* ip6) noexcept {
  static constexpr std::uint8_t kPrefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
  return std::memcmp(ip6, kPrefix, sizeof kPrefix) == 0;
}

/// ICMPv6 checksum over the pseudo-header (RFC 8200 §8.1) of the IPv6 header
/// at `ip` and the `msg_len` bytes of message after it, folded, not inverted:
/// 0xffff when a stored checksum is correct.
std::uint16_t icmpv6_sum(const std::uint8_t* ip, std::uint32_t msg_len) noexcept {
  std::uint64_t acc = csum_add(0, ip + 8, 32);  // source, destination
  acc += msg_len;                              // upper-layer length (< 2^16)
  acc += kNextIcmpv6;
  return csum_fold(csum_add(acc, ip + kIpv6Len, msg_len));
}

/// Ethernet header (+ tag) and ethertype; returns the L3 offset.
std::uint32_t put_eth(std::uint8_t* out, const std::uint8_t* dst, const MacAddr& src,
                      std::uint16_t vlan, std::uint16_t type) noexcept {
  std::memcpy(out, dst, 6);
  std::memcpy(out + 6, src.data(), 6);
  std::uint32_t off = 12;
  if (vlan != 0) {
    store_be16(out + off, kTypeVlan);
    store_be16(out + off + 2, static_cast<std::uint16_t>(vlan & 0x0fff));  // PCP 0, DEI 0
    off += kTagLen;
  }
  store_be16(out + off, type);
  return off + 2;
}

std::uint16_t put_arp(std::uint8_t* out, const std::uint8_t* eth_dst, const MacAddr& src_mac,
                      std::uint16_t vlan, std::uint16_t op, const IpAddr& spa,
                      const std::uint8_t* tha, const IpAddr& tpa) noexcept {
  const std::uint32_t off = put_eth(out, eth_dst, src_mac, vlan, kTypeArp);
  std::uint8_t* a = out + off;
  store_be16(a, 1);  // Ethernet
  store_be16(a + 2, kTypeIpv4);
  a[4] = 6;
  a[5] = 4;
  store_be16(a + 6, op);
  std::memcpy(a + 8, src_mac.data(), 6);
  std::memcpy(a + 14, spa.data(), 4);
  std::memcpy(a + 18, tha, 6);
  std::memcpy(a + 24, tpa.data(), 4);
  const std::uint32_t end = off + kArpLen;
  const std::uint32_t padded = kArpMinFrame + (vlan != 0 ? kTagLen : 0);
  std::memset(out + end, 0, padded - end);
  return static_cast<std::uint16_t>(padded);
}

/// IPv6 header + NS/NA body (+ link-layer option when `opt_type` != 0) with
/// its checksum; returns the frame length.
std::uint16_t put_nd(std::uint8_t* out, const std::uint8_t* eth_dst, const MacAddr& src_mac,
                     std::uint16_t vlan, const IpAddr& ip_src, const std::uint8_t* ip_dst,
                     std::uint8_t type, std::uint8_t flags, const IpAddr& target,
                     std::uint8_t opt_type) noexcept {
  const std::uint32_t off = put_eth(out, eth_dst, src_mac, vlan, kTypeIpv6);
  const std::uint32_t msg_len = kNdBodyLen + (opt_type != 0 ? kLlOptLen : 0);
  std::uint8_t* ip = out + off;
  ip[0] = 0x60;  // version 6, traffic class 0, flow label 0
  ip[1] = 0;
  ip[2] = 0;
  ip[3] = 0;
  store_be16(ip + 4, static_cast<std::uint16_t>(msg_len));
  ip[6] = kNextIcmpv6;
  ip[7] = kHopLimitNd;
  std::memcpy(ip + 8, ip_src.data(), 16);
  std::memcpy(ip + 24, ip_dst, 16);
  std::uint8_t* m = ip + kIpv6Len;
  m[0] = type;
  m[1] = 0;
  store_be16(m + 2, 0);
  m[4] = flags;
  m[5] = 0;
  m[6] = 0;
  m[7] = 0;
  std::memcpy(m + 8, target.data(), 16);
  if (opt_type != 0) {
    m[24] = opt_type;
    m[25] = 1;  // 8 bytes
    std::memcpy(m + 26, src_mac.data(), 6);
  }
  store_be16(m + 2, static_cast<std::uint16_t>(~icmpv6_sum(ip, msg_len)));
  return static_cast<std::uint16_t>(off + kIpv6Len + msg_len);
}

void parse_arp(const std::uint8_t* a, NeighborMsg& msg) noexcept {
  if (load_be16(a) != 1 || load_be16(a + 2) != kTypeIpv4 || a[4] != 6 || a[5] != 4) return;
  const std::uint16_t op = load_be16(a + 6);
  if (op != 1 && op != 2) return;
  std::memcpy(msg.sender_mac.data(), a + 8, 6);
  std::memcpy(msg.sender_ip.data(), a + 14, 4);
  std::memcpy(msg.target_ip.data(), a + 24, 4);
  msg.kind = op == 1 ? NeighborMsg::Kind::kArpRequest : NeighborMsg::Kind::kArpReply;
}

/// `ip` has kIpv6Len + `avail` readable bytes.
void parse_nd(const std::uint8_t* ip, std::uint32_t avail, NeighborMsg& msg) noexcept {
  if ((ip[0] >> 4) != 6 || ip[6] != kNextIcmpv6 || ip[7] != kHopLimitNd) return;
  const std::uint32_t msg_len = load_be16(ip + 4);
  if (msg_len < kNdBodyLen || msg_len > avail) return;
  const std::uint8_t* m = ip + kIpv6Len;
  const std::uint8_t type = m[0];
  if ((type != kIcmpSolicit && type != kIcmpAdvert) || m[1] != 0) return;
  if (icmpv6_sum(ip, msg_len) != 0xffff) return;
  const std::uint8_t* target = m + 8;
  if (is_multicast(target)) return;

  const std::uint8_t wanted = type == kIcmpSolicit ? kOptSourceLl : kOptTargetLl;
  const std::uint8_t* lladdr = nullptr;
  for (std::uint32_t o = kNdBodyLen; o < msg_len;) {
    if (msg_len - o < 2) return;
    const std::uint32_t opt_len = m[o + 1] * 8u;
    if (opt_len == 0 || opt_len > msg_len - o) return;
    if (m[o] == wanted && opt_len >= kLlOptLen && lladdr == nullptr) lladdr = m + o + 2;
    o += opt_len;
  }

  const bool from_unspecified = is_unspecified(ip + 8);
  if (type == kIcmpSolicit) {
    if (from_unspecified && (lladdr != nullptr || !is_solicited_node(ip + 24))) return;
    msg.kind = NeighborMsg::Kind::kSolicit;
  } else {
    msg.solicited = (m[4] & kFlagSolicited) != 0;
    if (msg.solicited && is_multicast(ip + 24)) return;
    msg.kind = NeighborMsg::Kind::kAdvert;
  }
  msg.ipv6 = true;
  std::memcpy(msg.sender_mac.data(), lladdr != nullptr ? lladdr : msg.eth_src.data(), 6);
  std::memcpy(msg.sender_ip.data(), ip + 8, 16);
  std::memcpy(msg.target_ip.data(), target, 16);
}

}  // namespace

NeighborMsg parse_neighbor_msg(const std::uint8_t* frame, std::uint32_t len) noexcept {
  NeighborMsg msg;
  if (len < kEthLen) return msg;
  std::uint32_t off = 12;
  std::uint16_t type = load_be16(frame + off);
  std::uint16_t vlan = 0;
  if (type == kTypeVlan) {
    if (len < kEthLen + kTagLen) return msg;
    vlan = load_be16(frame + off + 2) & 0x0fff;
    off += kTagLen;
    type = load_be16(frame + off);
  }
  off += 2;
  std::memcpy(msg.eth_src.data(), frame + 6, 6);
  msg.vlan = vlan;
  if (type == kTypeArp && len - off >= kArpLen) {
    parse_arp(frame + off, msg);
  } else if (type == kTypeIpv6 && len - off >= kIpv6Len) {
    parse_nd(frame + off, len - off - kIpv6Len, msg);
  }
  if (msg.kind == NeighborMsg::Kind::kNone) msg = NeighborMsg{};
  return msg;
}

std::uint16_t build_arp_request(std::uint8_t* out, const MacAddr& src_mac, std::uint16_t vlan,
                                const IpAddr& sender_ip, const IpAddr& target_ip,
                                const MacAddr* unicast_to) noexcept {
  static constexpr MacAddr kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  static constexpr MacAddr kZero{};
  const std::uint8_t* dst = unicast_to != nullptr ? unicast_to->data() : kBroadcast.data();
  return put_arp(out, dst, src_mac, vlan, 1, sender_ip, kZero.data(), target_ip);
}

std::uint16_t build_arp_reply(std::uint8_t* out, const MacAddr& src_mac, std::uint16_t vlan,
                              const IpAddr& our_ip, const MacAddr& to_mac,
                              const IpAddr& to_ip) noexcept {
  return put_arp(out, to_mac.data(), src_mac, vlan, 2, our_ip, to_mac.data(), to_ip);
}

std::uint16_t build_neighbor_solicit(std::uint8_t* out, const MacAddr& src_mac, std::uint16_t vlan,
                                     const IpAddr& src_ip, const IpAddr& target,
                                     const MacAddr* unicast_to) noexcept {
  const IpAddr group = solicited_node_ip(target);
  const MacAddr group_mac = ipv6_multicast_mac(group);
  const bool unicast = unicast_to != nullptr;
  const std::uint8_t opt = is_unspecified(src_ip.data()) ? 0 : kOptSourceLl;
  return put_nd(out, unicast ? unicast_to->data() : group_mac.data(), src_mac, vlan, src_ip,
                unicast ? target.data() : group.data(), kIcmpSolicit, 0, target, opt);
}

std::uint16_t build_neighbor_advert(std::uint8_t* out, const MacAddr& src_mac, std::uint16_t vlan,
                                    const IpAddr& our_ip, const MacAddr& to_mac,
                                    const IpAddr& to_ip, bool solicited) noexcept {
  const bool s = solicited && !is_multicast(to_ip.data());
  const auto flags = static_cast<std::uint8_t>(kFlagOverride | (s ? kFlagSolicited : 0));
  return put_nd(out, to_mac.data(), src_mac, vlan, our_ip, to_ip.data(), kIcmpAdvert, flags,
                our_ip, kOptTargetLl);
}

IpAddr solicited_node_ip(const IpAddr& ip) noexcept {
  IpAddr g{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
  g[13] = ip[13];
  g[14] = ip[14];
  g[15] = ip[15];
  return g;
}

MacAddr ipv6_multicast_mac(const IpAddr& ip) noexcept {
  return MacAddr{0x33, 0x33, ip[12], ip[13], ip[14], ip[15]};
}

}  // namespace taas::dp
