#include "tests/dataplane/wire.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

namespace taas::test::wire {
namespace {

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

void put(Bytes& b, const std::uint8_t* p, std::size_t n) { b.insert(b.end(), p, p + n); }

/// Ethernet header (+ tag); returns nothing, appends to `b`.
void eth(Bytes& b, const MacAddr& dst, const MacAddr& src, int vlan, std::uint16_t type) {
  put(b, dst.data(), 6);
  put(b, src.data(), 6);
  if (vlan >= 0) {
    put16(b, 0x8100);
    put16(b, static_cast<std::uint16_t>(vlan));
  }
  put16(b, type);
}

/// Offset of the L3 header and the ethertype; vlan -1 when untagged.
std::size_t l3(const Bytes& f, std::uint16_t& type, int& vlan) {
  vlan = -1;
  if (f.size() < 14) return 0;
  type = be16(f, 12);
  if (type == 0x8100) {
    if (f.size() < 18) return 0;
    vlan = be16(f, 14) & 0x0fff;
    type = be16(f, 16);
    return 18;
  }
  return 14;
}

MacAddr mac_at(const Bytes& f, std::size_t off) {
  MacAddr m{};
  std::memcpy(m.data(), f.data() + off, 6);
  return m;
}

IpAddr ip_at(const Bytes& f, std::size_t off, std::size_t n) {
  IpAddr a{};
  std::memcpy(a.data(), f.data() + off, n);
  return a;
}

}  // namespace

MacAddr mac(const std::string& text) {
  unsigned v[6] = {};
  std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);
  MacAddr m{};
  for (int i = 0; i < 6; ++i) m[i] = static_cast<std::uint8_t>(v[i]);
  return m;
}

IpAddr ip(const std::string& text) {
  IpAddr a{};
  if (text.find(':') != std::string::npos) {
    inet_pton(AF_INET6, text.c_str(), a.data());
  } else {
    inet_pton(AF_INET, text.c_str(), a.data());
  }
  return a;
}

std::string to_string(const MacAddr& m) {
  char s[18];
  std::snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return s;
}

std::uint16_t be16(const Bytes& b, std::size_t off) {
  return static_cast<std::uint16_t>(b.at(off) << 8 | b.at(off + 1));
}

std::uint32_t be32(const Bytes& b, std::size_t off) { return std::uint32_t{be16(b, off)} << 16 | be16(b, off + 2); }

std::uint16_t ones_sum(const Bytes& b, std::size_t off, std::size_t len, std::uint32_t acc) {
  std::uint64_t s = acc;
  std::size_t i = 0;
  for (; i + 1 < len; i += 2) s += be16(b, off + i);
  if (i < len) s += std::uint64_t{b.at(off + i)} << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}

Bytes arp(std::uint16_t op, const MacAddr& eth_dst, const MacAddr& eth_src, const MacAddr& sha, const std::string& spa,
          const MacAddr& tha, const std::string& tpa, int vlan) {
  Bytes b;
  eth(b, eth_dst, eth_src, vlan, 0x0806);
  put16(b, 1);
  put16(b, 0x0800);
  b.push_back(6);
  b.push_back(4);
  put16(b, op);
  const IpAddr s = ip(spa), t = ip(tpa);
  put(b, sha.data(), 6);
  put(b, s.data(), 4);
  put(b, tha.data(), 6);
  put(b, t.data(), 4);
  b.resize(vlan >= 0 ? 64 : 60, 0);
  return b;
}

Bytes nd(std::uint8_t type, const MacAddr& eth_dst, const MacAddr& eth_src, const std::string& ip_src,
         const std::string& ip_dst, const std::string& target, std::uint8_t flags, std::uint8_t opt_type,
         const MacAddr& opt_mac, int vlan) {
  Bytes b;
  eth(b, eth_dst, eth_src, vlan, 0x86dd);
  const std::size_t ip_off = b.size();
  const std::uint16_t msg_len = opt_type != 0 ? 32 : 24;
  put16(b, 0x6000);
  put16(b, 0);
  put16(b, msg_len);
  b.push_back(58);
  b.push_back(255);
  const IpAddr s = ip(ip_src), d = ip(ip_dst), t = ip(target);
  put(b, s.data(), 16);
  put(b, d.data(), 16);
  const std::size_t m = b.size();
  b.push_back(type);
  b.push_back(0);
  put16(b, 0);  // checksum, below
  b.push_back(flags);
  b.push_back(0);
  b.push_back(0);
  b.push_back(0);
  put(b, t.data(), 16);
  if (opt_type != 0) {
    b.push_back(opt_type);
    b.push_back(1);
    put(b, opt_mac.data(), 6);
  }
  const std::uint32_t pseudo = ones_sum(b, ip_off + 8, 32) + msg_len + 58u;
  const auto sum = static_cast<std::uint16_t>(~ones_sum(b, m, msg_len, pseudo));
  b[m + 2] = static_cast<std::uint8_t>(sum >> 8);
  b[m + 3] = static_cast<std::uint8_t>(sum);
  return b;
}

std::optional<Arp> decode_arp(const Bytes& f) {
  std::uint16_t type = 0;
  int vlan = -1;
  const std::size_t off = l3(f, type, vlan);
  if (off == 0 || type != 0x0806 || f.size() < off + 28) return std::nullopt;
  if (be16(f, off) != 1 || be16(f, off + 2) != 0x0800 || f[off + 4] != 6 || f[off + 5] != 4) return std::nullopt;
  Arp a;
  a.eth_dst = mac_at(f, 0);
  a.eth_src = mac_at(f, 6);
  a.vlan = vlan;
  a.op = be16(f, off + 6);
  a.sha = mac_at(f, off + 8);
  a.spa = ip_at(f, off + 14, 4);
  a.tha = mac_at(f, off + 18);
  a.tpa = ip_at(f, off + 24, 4);
  a.len = f.size();
  return a;
}

std::optional<Nd> decode_nd(const Bytes& f) {
  std::uint16_t type = 0;
  int vlan = -1;
  const std::size_t off = l3(f, type, vlan);
  if (off == 0 || type != 0x86dd || f.size() < off + 40 + 24) return std::nullopt;
  if ((f[off] >> 4) != 6 || f[off + 6] != 58) return std::nullopt;
  const std::uint16_t msg_len = be16(f, off + 4);
  const std::size_t m = off + 40;
  if (msg_len < 24 || f.size() < m + msg_len) return std::nullopt;
  if (f[m] != 135 && f[m] != 136) return std::nullopt;
  Nd n;
  n.eth_dst = mac_at(f, 0);
  n.eth_src = mac_at(f, 6);
  n.vlan = vlan;
  n.hop_limit = f[off + 7];
  n.src = ip_at(f, off + 8, 16);
  n.dst = ip_at(f, off + 24, 16);
  n.type = f[m];
  n.flags = f[m + 4];
  n.target = ip_at(f, m + 8, 16);
  const std::uint32_t pseudo = ones_sum(f, off + 8, 32) + msg_len + 58u;
  n.checksum_ok = f[m + 1] == 0 && ones_sum(f, m, msg_len, pseudo) == 0xffff;
  if (msg_len >= 32) {
    n.opt_type = f[m + 24];
    if (f[m + 25] >= 1) n.opt_mac = mac_at(f, m + 26);
  }
  return n;
}

std::optional<Outer> decode_outer(const Bytes& f) {
  std::uint16_t type = 0;
  Outer o;
  const std::size_t off = l3(f, type, o.vlan);
  if (off == 0) return std::nullopt;
  o.eth_dst = mac_at(f, 0);
  o.eth_src = mac_at(f, 6);
  std::size_t l4 = 0;
  if (type == 0x0800) {
    if (f.size() < off + 20 || (f[off] >> 4) != 4) return std::nullopt;
    const std::size_t ihl = (f[off] & 0x0f) * 4u;
    if (ihl < 20 || f.size() < off + ihl) return std::nullopt;
    o.dscp = f[off + 1] >> 2;
    o.ip_len = be16(f, off + 2);
    o.df = (be16(f, off + 6) & 0x4000) != 0;
    o.ttl = f[off + 8];
    o.proto = f[off + 9];
    o.ip_checksum_ok = ones_sum(f, off, ihl) == 0xffff;
    o.src = ip_at(f, off + 12, 4);
    o.dst = ip_at(f, off + 16, 4);
    l4 = off + ihl;
  } else if (type == 0x86dd) {
    if (f.size() < off + 40 || (f[off] >> 4) != 6) return std::nullopt;
    o.ipv6 = true;
    o.dscp = static_cast<std::uint8_t>(((f[off] & 0x0f) << 4 | f[off + 1] >> 4) >> 2);
    o.ip_len = 40u + be16(f, off + 4);
    o.proto = f[off + 6];
    o.ttl = f[off + 7];
    o.src = ip_at(f, off + 8, 16);
    o.dst = ip_at(f, off + 24, 16);
    l4 = off + 40;
  } else {
    return std::nullopt;
  }
  std::size_t inner = 0;
  if (o.proto == 47) {
    if (f.size() < l4 + 4) return std::nullopt;
    o.gre_flags = be16(f, l4);
    o.gre_proto = be16(f, l4 + 2);
    std::size_t e = l4 + 4;
    if (o.gre_flags & 0x8000) e += 4;  // checksum + reserved
    if (o.gre_flags & 0x2000) e += 4;  // key
    if (o.gre_flags & 0x1000) {
      if (f.size() < e + 4) return std::nullopt;
      o.seq = be32(f, e);
      e += 4;
    }
    if (o.gre_proto != 0x88be && o.gre_proto != 0x22eb) return std::nullopt;
    if (f.size() < e + 8) return std::nullopt;
    o.erspan_version = f[e] >> 4;
    o.erspan_vlan = be16(f, e) & 0x0fff;
    const std::uint16_t w = be16(f, e + 2);
    o.cos = static_cast<std::uint8_t>(w >> 13);
    o.en_or_bso = static_cast<std::uint8_t>((w >> 11) & 3);
    o.truncated = ((w >> 10) & 1) != 0;
    o.session = w & 0x03ff;
    if (o.gre_proto == 0x88be) {
      o.index = be32(f, e + 4) & 0xfffff;
      inner = e + 8;
    } else {
      if (f.size() < e + 12) return std::nullopt;
      o.timestamp = be32(f, e + 4);
      o.sgt = be16(f, e + 8);
      const std::uint16_t x = be16(f, e + 10);
      o.hwid = static_cast<std::uint8_t>((x >> 4) & 0x3f);
      o.direction = ((x >> 3) & 1) != 0;
      o.gra = static_cast<std::uint8_t>((x >> 1) & 3);
      o.o_bit = (x & 1) != 0;
      inner = e + 12 + (o.o_bit ? 8 : 0);
    }
  } else if (o.proto == 17) {
    if (f.size() < l4 + 16) return std::nullopt;
    o.udp_src = be16(f, l4);
    o.udp_dst = be16(f, l4 + 2);
    o.udp_len = be16(f, l4 + 4);
    o.udp_csum = be16(f, l4 + 6);
    o.vxlan_flags = f[l4 + 8];
    o.vni = be32(f, l4 + 12) >> 8;
    inner = l4 + 16;
  } else {
    return std::nullopt;
  }
  if (f.size() < inner) return std::nullopt;
  o.inner.assign(f.begin() + static_cast<std::ptrdiff_t>(inner), f.end());
  return o;
}

Split split(const std::vector<Bytes>& frames, int underlay_vlan) {
  Split s;
  for (const Bytes& f : frames) {
    std::uint16_t type = 0;
    int vlan = -1;
    l3(f, type, vlan);
    if (vlan != underlay_vlan) {
      s.production.push_back(f);
    } else if (decode_arp(f)) {
      s.arp.push_back(f);
    } else if (decode_nd(f)) {
      s.nd.push_back(f);
    } else if (decode_outer(f)) {
      s.encap.push_back(f);
    } else {
      s.other.push_back(f);
    }
  }
  return s;
}

}  // namespace taas::test::wire
