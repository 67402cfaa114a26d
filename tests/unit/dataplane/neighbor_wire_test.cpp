// ARP / IPv6 neighbour discovery wire functions: the exact bytes of each
// builder, parse round trips, and the frames the parser must refuse. Every
// parse of a truncated frame runs with the frame's last byte right before a
// PROT_NONE page, so a read past `len` crashes the test in a normal build.

#include "dataplane/neighbor_wire.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace taas::dp {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Kind = NeighborMsg::Kind;

constexpr MacAddr kOurMac{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
constexpr MacAddr kPeerMac{0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
constexpr IpAddr kOur4{192, 0, 2, 1};
constexpr IpAddr kPeer4{192, 0, 2, 77};
// fe80::200:5eff:fe10:1
constexpr IpAddr kOur6{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0x5e, 0xff, 0xfe, 0x10, 0x00, 0x01};
// 2001:db8::5054:ff:fe12:3456
constexpr IpAddr kPeer6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56};
constexpr IpAddr kUnspecified{};
// ff02::1 (all nodes)
constexpr IpAddr kAllNodes{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
constexpr MacAddr kAllNodesMac{0x33, 0x33, 0, 0, 0, 0x01};

// IPv6 offset within an untagged frame.
constexpr std::size_t kIp = 14;
constexpr std::size_t kIcmp = kIp + 40;

/// Holds a frame so that its last byte is the last readable one: the next
/// page is PROT_NONE.
class GuardedBuffer {
 public:
  GuardedBuffer() {
    page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    void* p = mmap(nullptr, 2 * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(p, MAP_FAILED);
    base_ = static_cast<std::uint8_t*>(p);
    EXPECT_EQ(mprotect(base_ + page_, page_, PROT_NONE), 0);
  }
  ~GuardedBuffer() { munmap(base_, 2 * page_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  NeighborMsg parse(const Bytes& f, std::size_t len) {
    std::uint8_t* start = base_ + page_ - len;
    std::memcpy(start, f.data(), len);
    return parse_neighbor_msg(start, static_cast<std::uint32_t>(len));
  }

 private:
  std::size_t page_ = 0;
  std::uint8_t* base_ = nullptr;
};

NeighborMsg parse(const Bytes& f) {
  GuardedBuffer g;
  return g.parse(f, f.size());
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes bytes_of(const MacAddr& m) { return Bytes(m.begin(), m.end()); }
Bytes bytes_of(const IpAddr& ip, std::size_t n = 16) { return Bytes(ip.begin(), ip.begin() + n); }

// The builders' outputs as vectors; `out` starts poisoned so that a byte the
// builder forgot to write shows up.
template <typename F>
Bytes build(F f) {
  std::uint8_t out[kNeighborFrameMax + 16];
  std::memset(out, 0xa5, sizeof out);
  const std::uint16_t len = f(out);
  EXPECT_LE(len, kNeighborFrameMax);
  EXPECT_EQ(out[kNeighborFrameMax], 0xa5) << "wrote past kNeighborFrameMax";
  return Bytes(out, out + len);
}

Bytes arp_request(std::uint16_t vlan, const MacAddr* unicast_to) {
  return build([&](std::uint8_t* o) { return build_arp_request(o, kOurMac, vlan, kOur4, kPeer4, unicast_to); });
}
Bytes arp_reply(std::uint16_t vlan) {
  return build([&](std::uint8_t* o) { return build_arp_reply(o, kOurMac, vlan, kOur4, kPeerMac, kPeer4); });
}
Bytes solicit(std::uint16_t vlan, const MacAddr* unicast_to, const IpAddr& src = kOur6) {
  return build([&](std::uint8_t* o) { return build_neighbor_solicit(o, kOurMac, vlan, src, kPeer6, unicast_to); });
}
Bytes advert(std::uint16_t vlan, bool solicited, const IpAddr& to = kPeer6, const MacAddr& to_mac = kPeerMac) {
  return build([&](std::uint8_t* o) { return build_neighbor_advert(o, kOurMac, vlan, kOur6, to_mac, to, solicited); });
}

/// Recomputes the ICMPv6 checksum of an untagged frame the slow, obvious
/// way (independent of the code under test).
void fix_icmpv6_checksum(Bytes& f) {
  const std::size_t plen = static_cast<std::size_t>(f[kIp + 4] << 8 | f[kIp + 5]);
  std::size_t icmp = kIcmp;
  if (f[kIp + 6] != 58) icmp += 8u * (f[kIcmp + 1] + 1u);  // one extension header
  const std::size_t msg_len = plen - (icmp - kIcmp);
  f[icmp + 2] = 0;
  f[icmp + 3] = 0;
  Bytes pseudo(f.begin() + kIp + 8, f.begin() + kIp + 40);
  pseudo.insert(pseudo.end(), {0, 0, static_cast<std::uint8_t>(msg_len >> 8),
                               static_cast<std::uint8_t>(msg_len), 0, 0, 0, 58});
  pseudo.insert(pseudo.end(), f.begin() + static_cast<long>(icmp),
                f.begin() + static_cast<long>(icmp + msg_len));
  if (pseudo.size() % 2) pseudo.push_back(0);
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < pseudo.size(); i += 2) sum += static_cast<std::uint32_t>(pseudo[i] << 8 | pseudo[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  sum = ~sum & 0xffff;
  f[icmp + 2] = static_cast<std::uint8_t>(sum >> 8);
  f[icmp + 3] = static_cast<std::uint8_t>(sum);
}

// ---------------------------------------------------------------- bytes

TEST(NeighborWireBuild, ArpRequestBroadcastUntagged) {
  const Bytes want = cat({{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  // broadcast
                          bytes_of(kOurMac),
                          {0x08, 0x06},
                          {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01},  // Ethernet, IPv4, request
                          bytes_of(kOurMac), {192, 0, 2, 1},
                          {0, 0, 0, 0, 0, 0}, {192, 0, 2, 77},
                          Bytes(18, 0)});  // padding to 60
  EXPECT_EQ(want.size(), 60u);
  EXPECT_EQ(arp_request(0, nullptr), want);
}

TEST(NeighborWireBuild, ArpRequestUnicastTagged) {
  const Bytes want = cat({bytes_of(kPeerMac), bytes_of(kOurMac),
                          {0x81, 0x00, 0x0f, 0xff},  // VID 4095 masked to 12 bits, PCP 0
                          {0x08, 0x06},
                          {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01},
                          bytes_of(kOurMac), {192, 0, 2, 1},
                          {0, 0, 0, 0, 0, 0}, {192, 0, 2, 77},
                          Bytes(18, 0)});
  EXPECT_EQ(want.size(), 64u);
  EXPECT_EQ(arp_request(4095, &kPeerMac), want);
}

TEST(NeighborWireBuild, ArpReplyUntaggedAndTagged) {
  const Bytes body = cat({{0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02},  // reply
                          bytes_of(kOurMac), {192, 0, 2, 1},
                          bytes_of(kPeerMac), {192, 0, 2, 77},
                          Bytes(18, 0)});
  EXPECT_EQ(arp_reply(0), cat({bytes_of(kPeerMac), bytes_of(kOurMac), {0x08, 0x06}, body}));
  EXPECT_EQ(arp_reply(100),
            cat({bytes_of(kPeerMac), bytes_of(kOurMac), {0x81, 0x00, 0x00, 0x64, 0x08, 0x06}, body}));
}

// Checksums below are scapy's (ICMPv6ND_NS / ICMPv6ND_NA with cksum left
// to scapy), not this code's.
TEST(NeighborWireBuild, SolicitMulticastUntagged) {
  const Bytes want = cat({{0x33, 0x33, 0xff, 0x12, 0x34, 0x56},  // solicited-node MAC
                          bytes_of(kOurMac),
                          {0x86, 0xdd},
                          {0x60, 0, 0, 0, 0x00, 0x20, 58, 255},  // payload 32, ICMPv6, hop limit 255
                          bytes_of(kOur6),
                          {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0x12, 0x34, 0x56},
                          {135, 0, 0xd6, 0x1d, 0, 0, 0, 0},
                          bytes_of(kPeer6),
                          {1, 1}, bytes_of(kOurMac)});  // source link-layer address
  EXPECT_EQ(want.size(), 86u);
  EXPECT_EQ(solicit(0, nullptr), want);
}

TEST(NeighborWireBuild, SolicitUnicastTagged) {
  const Bytes f = solicit(7, &kPeerMac);
  ASSERT_EQ(f.size(), 90u);
  EXPECT_EQ(Bytes(f.begin(), f.begin() + 18),
            cat({bytes_of(kPeerMac), bytes_of(kOurMac), {0x81, 0x00, 0x00, 0x07, 0x86, 0xdd}}));
  EXPECT_EQ(Bytes(f.begin() + 18 + 24, f.begin() + 18 + 40), bytes_of(kPeer6));  // IPv6 dst = target
  EXPECT_EQ(f[18 + 7], 255);
}

TEST(NeighborWireBuild, AdvertSolicitedTagged) {
  const Bytes want = cat({bytes_of(kPeerMac), bytes_of(kOurMac),
                          {0x81, 0x00, 0x00, 0x64, 0x86, 0xdd},
                          {0x60, 0, 0, 0, 0x00, 0x20, 58, 255},
                          bytes_of(kOur6), bytes_of(kPeer6),
                          {136, 0, 0x48, 0xf8, 0x60, 0, 0, 0},  // S | O
                          bytes_of(kOur6),
                          {2, 1}, bytes_of(kOurMac)});  // target link-layer address
  EXPECT_EQ(want.size(), 90u);
  EXPECT_EQ(advert(100, true), want);
}

TEST(NeighborWireBuild, AdvertUnsolicitedUntaggedHasOnlyO) {
  Bytes f = advert(0, false);
  ASSERT_EQ(f.size(), 86u);
  EXPECT_EQ(Bytes(f.begin(), f.begin() + 14), cat({bytes_of(kPeerMac), bytes_of(kOurMac), {0x86, 0xdd}}));
  EXPECT_EQ(f[kIcmp], 136);
  EXPECT_EQ(f[kIcmp + 4], 0x20);
  const Bytes built = f;
  fix_icmpv6_checksum(f);
  EXPECT_EQ(f, built) << "checksum";
}

TEST(NeighborWireBuild, AdvertToMulticastClearsS) {
  const Bytes f = advert(0, true, kAllNodes, kAllNodesMac);
  EXPECT_EQ(f[kIcmp + 4], 0x20);
  EXPECT_EQ(parse(f).kind, Kind::kAdvert);
}

TEST(NeighborWireBuild, SolicitFromUnspecifiedHasNoOption) {
  Bytes f = solicit(0, nullptr, kUnspecified);
  ASSERT_EQ(f.size(), 78u);
  EXPECT_EQ(f[kIp + 5], 24);  // payload length
  const Bytes built = f;
  fix_icmpv6_checksum(f);
  EXPECT_EQ(f, built) << "checksum";
  const NeighborMsg m = parse(f);
  EXPECT_EQ(m.kind, Kind::kSolicit);
  EXPECT_EQ(m.sender_ip, kUnspecified);
  EXPECT_EQ(m.sender_mac, kOurMac);  // from the Ethernet source
}

TEST(NeighborWireBuild, SolicitedNodeHelpers) {
  const IpAddr g = solicited_node_ip(kPeer6);
  EXPECT_EQ(g, (IpAddr{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0x12, 0x34, 0x56}));
  EXPECT_EQ(ipv6_multicast_mac(g), (MacAddr{0x33, 0x33, 0xff, 0x12, 0x34, 0x56}));
}

// ---------------------------------------------------------------- round trips

TEST(NeighborWireParse, RoundTripArp) {
  for (std::uint16_t vlan : {0, 1, 100, 4094}) {
    for (const MacAddr* to : {static_cast<const MacAddr*>(nullptr), &kPeerMac}) {
      const NeighborMsg m = parse(arp_request(vlan, to));
      EXPECT_EQ(m.kind, Kind::kArpRequest) << vlan;
      EXPECT_EQ(m.vlan, vlan);
      EXPECT_FALSE(m.ipv6);
      EXPECT_EQ(m.eth_src, kOurMac);
      EXPECT_EQ(m.sender_mac, kOurMac);
      EXPECT_EQ(m.sender_ip, kOur4);
      EXPECT_EQ(m.target_ip, kPeer4);
    }
    const NeighborMsg r = parse(arp_reply(vlan));
    EXPECT_EQ(r.kind, Kind::kArpReply) << vlan;
    EXPECT_EQ(r.vlan, vlan);
    EXPECT_EQ(r.sender_mac, kOurMac);
    EXPECT_EQ(r.sender_ip, kOur4);
    EXPECT_EQ(r.target_ip, kPeer4);
    EXPECT_FALSE(r.solicited);
  }
}

TEST(NeighborWireParse, RoundTripNd) {
  for (std::uint16_t vlan : {0, 100, 4094}) {
    for (const MacAddr* to : {static_cast<const MacAddr*>(nullptr), &kPeerMac}) {
      const NeighborMsg m = parse(solicit(vlan, to));
      EXPECT_EQ(m.kind, Kind::kSolicit) << vlan;
      EXPECT_EQ(m.vlan, vlan);
      EXPECT_TRUE(m.ipv6);
      EXPECT_EQ(m.eth_src, kOurMac);
      EXPECT_EQ(m.sender_mac, kOurMac);
      EXPECT_EQ(m.sender_ip, kOur6);
      EXPECT_EQ(m.target_ip, kPeer6);
      EXPECT_FALSE(m.solicited);
    }
    for (bool s : {false, true}) {
      const NeighborMsg m = parse(advert(vlan, s));
      EXPECT_EQ(m.kind, Kind::kAdvert) << vlan;
      EXPECT_EQ(m.vlan, vlan);
      EXPECT_TRUE(m.ipv6);
      EXPECT_EQ(m.sender_mac, kOurMac);
      EXPECT_EQ(m.sender_ip, kOur6);
      EXPECT_EQ(m.target_ip, kOur6);
      EXPECT_EQ(m.solicited, s);
    }
  }
}

TEST(NeighborWireParse, LinkLayerOptionWinsOverEthernetSource) {
  Bytes ns = solicit(0, nullptr);
  Bytes na = advert(0, true);
  for (Bytes* f : {&ns, &na}) {
    std::copy(kPeerMac.begin(), kPeerMac.end(), f->begin() + 6);  // Ethernet source only
    const NeighborMsg m = parse(*f);
    EXPECT_NE(m.kind, Kind::kNone);
    EXPECT_EQ(m.eth_src, kPeerMac);
    EXPECT_EQ(m.sender_mac, kOurMac);
  }
}

TEST(NeighborWireParse, AdvertWithoutOptionUsesEthernetSource) {
  Bytes f = advert(0, true);
  f.resize(f.size() - 8);
  f[kIp + 5] = 24;
  fix_icmpv6_checksum(f);
  const NeighborMsg m = parse(f);
  EXPECT_EQ(m.kind, Kind::kAdvert);
  EXPECT_EQ(m.sender_mac, kOurMac);
  std::copy(kPeerMac.begin(), kPeerMac.end(), f.begin() + 6);
  EXPECT_EQ(parse(f).sender_mac, kPeerMac);
}

TEST(NeighborWireParse, UnknownOptionSkippedAndPaddingIgnored) {
  Bytes f = solicit(0, nullptr);
  // Nonce option (type 14, 8 bytes) in front of the source link-layer option.
  f.insert(f.begin() + kIcmp + 24, {14, 1, 1, 2, 3, 4, 5, 6});
  f[kIp + 5] = 40;
  fix_icmpv6_checksum(f);
  std::copy(kPeerMac.begin(), kPeerMac.end(), f.begin() + 6);
  f.insert(f.end(), {0, 0, 0, 0});  // Ethernet padding after the IPv6 payload
  const NeighborMsg m = parse(f);
  EXPECT_EQ(m.kind, Kind::kSolicit);
  EXPECT_EQ(m.sender_mac, kOurMac);
}

TEST(NeighborWireParse, UnpaddedArpIsAccepted) {
  const Bytes f = arp_reply(0);
  EXPECT_EQ(parse(Bytes(f.begin(), f.begin() + 42)).kind, Kind::kArpReply);
}

// ---------------------------------------------------------------- truncation

// Every length below the end of the ARP body / the IPv6 payload is refused,
// and nothing past `len` is read (GuardedBuffer).
TEST(NeighborWireParse, TruncatedFramesAreRefused) {
  struct Case {
    const char* name;
    Bytes frame;
    std::size_t needed;  // bytes that must be present
  };
  const Case cases[] = {
      {"arp request", arp_request(0, nullptr), 42},
      {"arp request tagged", arp_request(9, &kPeerMac), 46},
      {"arp reply", arp_reply(0), 42},
      {"arp reply tagged", arp_reply(9), 46},
      {"ns", solicit(0, nullptr), 86},
      {"ns tagged", solicit(9, &kPeerMac), 90},
      {"ns dad", solicit(0, nullptr, kUnspecified), 78},
      {"na", advert(0, true), 86},
      {"na tagged", advert(9, false), 90},
  };
  GuardedBuffer g;
  for (const Case& c : cases) {
    ASSERT_GE(c.frame.size(), c.needed) << c.name;
    for (std::size_t len = 0; len < c.needed; ++len) {
      const NeighborMsg m = g.parse(c.frame, len);
      EXPECT_EQ(m.kind, Kind::kNone) << c.name << " len " << len;
      EXPECT_EQ(m.vlan, 0) << c.name << " len " << len;
      EXPECT_EQ(m.eth_src, MacAddr{}) << c.name << " len " << len;
    }
    for (std::size_t len = c.needed; len <= c.frame.size(); ++len) {
      EXPECT_NE(g.parse(c.frame, len).kind, Kind::kNone) << c.name << " len " << len;
    }
  }
}

// ---------------------------------------------------------------- rejections

TEST(NeighborWireParse, BadArpHeaderFields) {
  const Bytes good = arp_request(0, nullptr);
  ASSERT_EQ(parse(good).kind, Kind::kArpRequest);
  struct Edit {
    std::size_t off;
    std::uint8_t value;
  };
  const Edit edits[] = {
      {15, 6},                 // htype 6 (IEEE 802)
      {16, 0x86},              // ptype 0x8600
      {18, 8},                 // hlen 8
      {19, 16},                // plen 16
      {21, 0},                 // op 0
      {21, 3},                 // op 3 (RARP request)
      {20, 1},                 // op 0x0101
      {13, 0x35},              // ethertype 0x0835 (RARP)
  };
  for (const Edit& e : edits) {
    Bytes f = good;
    f[e.off] = e.value;
    EXPECT_EQ(parse(f).kind, Kind::kNone) << "offset " << e.off << " = " << int{e.value};
  }
}

TEST(NeighborWireParse, SolicitWithHopLimit64) {
  Bytes f = solicit(0, nullptr);
  f[kIp + 7] = 64;  // not in the pseudo-header: the checksum stays right
  EXPECT_EQ(parse(f).kind, Kind::kNone);
  f[kIp + 7] = 255;
  EXPECT_EQ(parse(f).kind, Kind::kSolicit);
}

TEST(NeighborWireParse, BadChecksum) {
  for (Bytes f : {solicit(0, nullptr), advert(5, true)}) {
    const std::size_t icmp = f.size() - 32;
    Bytes bad = f;
    bad[icmp + 3] ^= 0x01;
    EXPECT_EQ(parse(bad).kind, Kind::kNone);
    bad = f;
    bad[icmp + 20] ^= 0x80;  // a target byte: checksum no longer matches
    EXPECT_EQ(parse(bad).kind, Kind::kNone);
    bad = f;
    bad[icmp - 40 + 9] ^= 0x01;  // IPv6 source (pseudo-header)
    EXPECT_EQ(parse(bad).kind, Kind::kNone);
  }
}

TEST(NeighborWireParse, NonZeroCode) {
  Bytes f = solicit(0, nullptr);
  f[kIcmp + 1] = 1;
  fix_icmpv6_checksum(f);
  EXPECT_EQ(parse(f).kind, Kind::kNone);
}

TEST(NeighborWireParse, ExtensionHeader) {
  Bytes f = solicit(0, nullptr);
  // Hop-by-hop options header (next header 58, length 0, PadN) in front of
  // the ICMPv6 message. The upper-layer length, hence the checksum, is the same.
  f.insert(f.begin() + kIcmp, {58, 0, 1, 4, 0, 0, 0, 0});
  f[kIp + 6] = 0;
  f[kIp + 5] = 40;
  const Bytes before = f;
  fix_icmpv6_checksum(f);
  ASSERT_EQ(f, before);
  EXPECT_EQ(parse(f).kind, Kind::kNone);
}

TEST(NeighborWireParse, NextHeaderNotIcmpv6) {
  Bytes f = solicit(0, nullptr);
  f[kIp + 6] = 17;  // the same bytes announced as UDP; the checksum stays right for 58
  EXPECT_EQ(parse(f).kind, Kind::kNone);
}

TEST(NeighborWireParse, Ipv4Frame) {
  Bytes f = cat({bytes_of(kPeerMac), bytes_of(kOurMac), {0x08, 0x00},
                 {0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 1, 0, 0}, {192, 0, 2, 77}, {192, 0, 2, 1},
                 {8, 0, 0xf7, 0xff, 0, 0, 0, 0}, Bytes(18, 0)});
  EXPECT_EQ(parse(f).kind, Kind::kNone);
  // ... also when the rest of the frame is a valid ARP body.
  Bytes a = arp_request(0, nullptr);
  a[12] = 0x08;
  a[13] = 0x00;
  EXPECT_EQ(parse(a).kind, Kind::kNone);
}

TEST(NeighborWireParse, OnlyOne8021QTag) {
  Bytes f = arp_request(10, nullptr);
  f.insert(f.begin() + 12, {0x81, 0x00, 0x00, 0x14});  // two 802.1Q tags
  EXPECT_EQ(parse(f).kind, Kind::kNone);
  f = arp_request(10, nullptr);
  f[12] = 0x88;
  f[13] = 0xa8;  // 802.1ad TPID
  EXPECT_EQ(parse(f).kind, Kind::kNone);
}

TEST(NeighborWireParse, BadIpv6Header) {
  Bytes f = solicit(0, nullptr);
  f[kIp] = 0x40;  // version 4
  EXPECT_EQ(parse(f).kind, Kind::kNone);
  f = solicit(0, nullptr);
  f[kIp + 5] = 33;  // payload length beyond the frame
  EXPECT_EQ(parse(f).kind, Kind::kNone);
  f = solicit(0, nullptr);
  f.resize(f.size() - 8);  // drop the option; payload length < 24 after
  f[kIp + 5] = 16;
  fix_icmpv6_checksum(f);
  EXPECT_EQ(parse(f).kind, Kind::kNone);
  f = solicit(0, nullptr);
  f[kIcmp] = 134;  // router advertisement
  fix_icmpv6_checksum(f);
  EXPECT_EQ(parse(f).kind, Kind::kNone);
}

TEST(NeighborWireParse, BadOptions) {
  Bytes f = solicit(0, nullptr);
  f[kIcmp + 25] = 0;  // option length 0
  fix_icmpv6_checksum(f);
  EXPECT_EQ(parse(f).kind, Kind::kNone);
  f = solicit(0, nullptr);
  f[kIcmp + 25] = 2;  // option overruns the message
  fix_icmpv6_checksum(f);
  EXPECT_EQ(parse(f).kind, Kind::kNone);
  f = solicit(0, nullptr);
  f.push_back(0);  // a lone trailing option byte
  f[kIp + 5] = 33;
  fix_icmpv6_checksum(f);
  EXPECT_EQ(parse(f).kind, Kind::kNone);
}

TEST(NeighborWireParse, Rfc4861Validity) {
  // Multicast target.
  Bytes f = build([](std::uint8_t* o) { return build_neighbor_solicit(o, kOurMac, 0, kOur6, kAllNodes, nullptr); });
  EXPECT_EQ(parse(f).kind, Kind::kNone);
  // DAD probe with a source link-layer option.
  f = solicit(0, nullptr);
  std::fill(f.begin() + kIp + 8, f.begin() + kIp + 24, 0);
  fix_icmpv6_checksum(f);
  EXPECT_EQ(parse(f).kind, Kind::kNone);
  // DAD probe to a unicast address.
  f = solicit(0, &kPeerMac, kUnspecified);
  EXPECT_EQ(parse(f).kind, Kind::kNone);
  // Advertisement to a multicast address with S set.
  f = advert(0, false, kAllNodes, kAllNodesMac);
  f[kIcmp + 4] = 0x60;
  fix_icmpv6_checksum(f);
  EXPECT_EQ(parse(f).kind, Kind::kNone);
  f[kIcmp + 4] = 0x20;
  fix_icmpv6_checksum(f);
  EXPECT_EQ(parse(f).kind, Kind::kAdvert);
}

}  // namespace
}  // namespace taas::dp
