#include "tests/fuzz/packet_check.hpp"

#include <cstring>

namespace taas::fuzz {
namespace {

constexpr std::uint16_t kTypeVlan = 0x8100, kTypeIpv4 = 0x0800, kTypeIpv6 = 0x86dd;
constexpr std::uint16_t kGreErspan2 = 0x88be, kGreErspan3 = 0x22eb;
constexpr std::uint8_t kProtoGre = 47, kProtoUdp = 17;

std::string num(std::uint64_t v) { return std::to_string(v); }

bool tag_tpid(std::uint16_t t) { return t == 0x8100 || t == 0x88a8 || t == 0x9100; }

}  // namespace

std::uint16_t ones_sum(const std::uint8_t* p, std::size_t len, std::uint32_t acc) {
  std::uint64_t sum = acc;
  std::size_t i = 0;
  for (; i + 1 < len; i += 2) sum += be16(p + i);
  if (i < len) sum += std::uint64_t{p[i]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

std::string decode_encap(const Bytes& f, const OuterExpect& expect, Decoded& d) {
  const std::size_t n = f.size();
  if (n < 14) return "shorter than an Ethernet header";
  if (f[0] & 1) return "outer destination MAC is multicast";
  if (std::memcmp(&f[6], expect.src_mac.data(), 6) != 0) return "outer source MAC is not the exit port's";
  std::size_t l3 = 12;
  std::uint16_t type = be16(&f[12]);
  if (type == kTypeVlan) {
    if (n < 18) return "truncated 802.1Q tag";
    if ((be16(&f[14]) & 0x0fff) != expect.vlan || expect.vlan == 0)
      return "outer VLAN " + num(be16(&f[14]) & 0x0fff) + ", expected " + num(expect.vlan);
    type = be16(&f[16]);
    l3 = 16;
  } else if (expect.vlan != 0) {
    return "outer header lacks the underlay VLAN tag " + num(expect.vlan);
  }
  l3 += 2;
  std::uint8_t proto = 0;
  std::size_t l4 = 0;
  if (type == kTypeIpv4) {
    if (n < l3 + 20) return "truncated IPv4 header";
    const std::uint8_t* ip = &f[l3];
    if (ip[0] != 0x45) return "IPv4 version/IHL is not 0x45";
    d.ip_len = be16(ip + 2);
    if (d.ip_len != n - l3) return "IPv4 total length " + num(d.ip_len) + " for " + num(n - l3) + " bytes";
    if (ones_sum(ip, 20) != 0xffff) return "IPv4 header checksum does not verify";
    if ((be16(ip + 6) & 0x3fff) != 0) return "outer IPv4 packet is a fragment";
    proto = ip[9];
    l4 = l3 + 20;
  } else if (type == kTypeIpv6) {
    if (n < l3 + 40) return "truncated IPv6 header";
    const std::uint8_t* ip = &f[l3];
    if ((ip[0] >> 4) != 6) return "IPv6 version is not 6";
    d.ip_len = 40u + be16(ip + 4);
    if (d.ip_len != n - l3) return "IPv6 payload length " + num(be16(ip + 4)) + " for " + num(n - l3 - 40) + " bytes";
    proto = ip[6];
    l4 = l3 + 40;
    d.ipv6 = true;
  } else {
    return "outer ethertype " + num(type) + " is neither IPv4 nor IPv6";
  }
  if (d.ip_len > expect.mtu) return "outer IP packet of " + num(d.ip_len) + " bytes over the MTU " + num(expect.mtu);

  if (proto == kProtoUdp) {
    if (n < l4 + 16) return "truncated UDP + VXLAN header";
    const std::uint8_t* udp = &f[l4];
    d.encap = Encap::kVxlan;
    d.udp_src = be16(udp);
    d.udp_dst = be16(udp + 2);
    if (be16(udp + 4) != n - l4) return "UDP length " + num(be16(udp + 4)) + " for " + num(n - l4) + " bytes";
    if (d.udp_src < 49152) return "VXLAN source port " + num(d.udp_src) + " below 49152";
    const std::uint16_t sum = be16(udp + 6);
    if (d.ipv6) {
      if (sum == 0) return "IPv6 UDP checksum is 0";
      // Pseudo-header: addresses, upper-layer length, next header.
      std::uint32_t acc = ones_sum(&f[l3 + 8], 32);
      acc += static_cast<std::uint32_t>(n - l4) + kProtoUdp;
      if (ones_sum(udp, n - l4, acc) != 0xffff) return "IPv6 UDP checksum does not verify";
    } else if (sum != 0) {
      std::uint32_t acc = ones_sum(&f[l3 + 12], 8);
      acc += static_cast<std::uint32_t>(n - l4) + kProtoUdp;
      if (ones_sum(udp, n - l4, acc) != 0xffff) return "IPv4 UDP checksum is set and does not verify";
    }
    const std::uint8_t* vx = udp + 8;
    if (vx[0] != 0x08 || vx[1] != 0 || vx[2] != 0 || vx[3] != 0 || vx[7] != 0) return "VXLAN flags/reserved";
    d.vni = be32(vx + 4) >> 8;
    d.inner_offset = l4 + 16;
    return {};
  }
  if (proto != kProtoGre) return "outer IP protocol " + num(proto) + " is neither GRE nor UDP";
  if (n < l4 + 8) return "truncated GRE header";
  const std::uint8_t* gre = &f[l4];
  if (be16(gre) != 0x1000) return "GRE flags " + num(be16(gre)) + ": expected the S bit only (sequence present)";
  d.seq = be32(gre + 4);
  const std::uint16_t gre_proto = be16(gre + 2);
  const std::uint8_t* e = gre + 8;
  const std::size_t erspan = l4 + 8;
  if (gre_proto == kGreErspan2) {
    if (n < erspan + 8) return "truncated ERSPAN II header";
    d.encap = Encap::kErspan2;
    if ((e[0] >> 4) != 1) return "ERSPAN II header with version " + num(e[0] >> 4);
    if (be32(e + 4) >> 20 != 0) return "ERSPAN II reserved bits set";
    d.inner_offset = erspan + 8;
  } else if (gre_proto == kGreErspan3) {
    if (n < erspan + 12) return "truncated ERSPAN III header";
    d.encap = Encap::kErspan3;
    if ((e[0] >> 4) != 2) return "ERSPAN III header with version " + num(e[0] >> 4);
    if ((e[10] & 0x7c) != 0) return "ERSPAN III P/FT not zero (Ethernet frames)";
    d.direction_in = (e[11] & 0x08) != 0;
    const bool optional = (e[11] & 0x01) != 0;
    d.inner_offset = erspan + 12 + (optional ? 8 : 0);
    if (n < d.inner_offset) return "truncated ERSPAN III platform subheader";
    if (optional) {
      const unsigned platform = e[12] >> 2;
      if (platform != 3 && platform != 7) return "ERSPAN III platform id " + num(platform);
    }
  } else {
    return "GRE protocol " + num(gre_proto) + " is not ERSPAN II or III";
  }
  d.vlan_field = be16(e) & 0x0fff;
  d.cos = e[2] >> 5;
  d.en_or_bso = (e[2] >> 3) & 3;
  d.truncated = (e[2] & 0x04) != 0;
  d.session = be16(e + 2) & 0x03ff;
  return {};
}

std::string check_erspan_fields(const Decoded& d, const std::uint8_t* inner, std::size_t inner_len,
                                std::size_t inner_avail) {
  const bool tagged = inner_avail >= 16 && inner_len >= 16 && tag_tpid(be16(inner + 12));
  const std::uint16_t vid = tagged ? be16(inner + 14) & 0x0fff : 0;
  const std::uint16_t cos = tagged ? inner[14] >> 5 : 0;
  if (d.vlan_field != vid) return "ERSPAN VLAN " + num(d.vlan_field) + ", inner frame says " + num(vid);
  if (d.cos != cos) return "ERSPAN COS " + num(d.cos) + ", inner frame says " + num(cos);
  if (d.encap == Encap::kErspan2) {
    if (d.en_or_bso != (tagged ? 3u : 0u)) return "ERSPAN II En " + num(d.en_or_bso);
    return {};
  }
  // BSO: 1 for a short frame (under 64 B with FCS, not truncated), 2 for an
  // oversized one (over 1518 B, 1522 B tagged), else 0.
  const std::size_t wire = inner_len + 4;
  unsigned bso = 0;
  if (wire < 64 && !d.truncated) {
    bso = 1;
  } else if (wire > (tagged ? 1522u : 1518u)) {
    bso = 2;
  }
  if (d.en_or_bso != bso) return "ERSPAN III BSO " + num(d.en_or_bso) + ", expected " + num(bso);
  return {};
}

}  // namespace taas::fuzz
