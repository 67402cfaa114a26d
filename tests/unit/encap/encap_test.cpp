// Outer headers (control/encap_template + dataplane/encap.hpp) against bytes
// laid out by hand from DESIGN.md §5. Checksums are verified with the
// independent helpers below, not with the code under test.

#include <array>
#include <cstdint>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "control/encap_template.hpp"
#include "dataplane/encap.hpp"
#include "tests/unit/encap/encap_fixture.hpp"

namespace taas {
namespace {

using Bytes = std::vector<std::uint8_t>;

using test::kDstMac;
using test::kSrcMac;

EncapParams params(Encap encap, bool ipv6) { return test::underlay_params(encap, ipv6); }

// An inner Ethernet frame of `size` bytes: [802.1Q] / IPv4 / UDP sport->dport.
Bytes inner_frame(std::uint32_t size, bool tagged = false, std::uint16_t vid = 0,
                  std::uint8_t pcp = 0, std::uint8_t last_octet = 10,
                  std::uint16_t sport = 1000, std::uint16_t dport = 2000) {
  Bytes f(size, 0xab);
  const Bytes l2{0x52, 0x54, 0x00, 0x00, 0x00, 0x0a, 0x52, 0x54, 0x00, 0x00, 0x00, 0x0b};
  std::copy(l2.begin(), l2.end(), f.begin());
  std::size_t o = 12;
  if (tagged) {
    f[o] = 0x81; f[o + 1] = 0x00;
    f[o + 2] = static_cast<std::uint8_t>(pcp << 5 | vid >> 8);
    f[o + 3] = static_cast<std::uint8_t>(vid);
    o += 4;
  }
  f[o] = 0x08; f[o + 1] = 0x00;
  o += 2;
  const Bytes ip{0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, last_octet};
  std::copy(ip.begin(), ip.end(), f.begin() + static_cast<long>(o));
  o += 20;
  f[o] = static_cast<std::uint8_t>(sport >> 8); f[o + 1] = static_cast<std::uint8_t>(sport);
  f[o + 2] = static_cast<std::uint8_t>(dport >> 8); f[o + 3] = static_cast<std::uint8_t>(dport);
  return f;
}

struct Out {
  Bytes bytes;  // outer header only
  std::uint16_t len;
};

Out write(const EncapTemplate& t, const Bytes& inner, std::uint32_t seq = 0,
          std::uint64_t ts = 0, bool truncated = false, std::uint8_t dir_in = 0) {
  Out o{Bytes(128, 0xee), 0};
  o.len = dp::encap_write(t, o.bytes.data(), static_cast<std::uint32_t>(inner.size()), seq, ts,
                          inner.data(), static_cast<std::uint32_t>(inner.size()), truncated,
                          dir_in);
  o.bytes.resize(o.len);
  return o;
}

// Independent RFC 1071 sum: 32-bit accumulator over a byte vector.
std::uint32_t ones_sum(const Bytes& b) {
  std::uint32_t s = 0;
  for (std::size_t i = 0; i < b.size(); i += 2) {
    s += static_cast<std::uint32_t>(b[i]) << 8;
    if (i + 1 < b.size()) s += b[i + 1];
    s = (s & 0xffff) + (s >> 16);
  }
  return s;
}

Bytes slice(const Bytes& b, std::size_t off, std::size_t n) {
  return Bytes(b.begin() + static_cast<long>(off), b.begin() + static_cast<long>(off + n));
}

std::uint16_t be16(const Bytes& b, std::size_t off) {
  return static_cast<std::uint16_t>(b[off] << 8 | b[off + 1]);
}

const Bytes kEthV4{0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00};

TEST(EncapTest, Erspan2DesignExample) {
  auto p = params(Encap::kErspan2, false);
  p.session_id = 5;
  p.erspan_index = 0x12345;
  const auto t = ctl::build_encap_template(p);
  const Bytes inner = inner_frame(100);
  const Out o = write(t, inner, 7);
  ASSERT_EQ(o.len, 50);
  Bytes want = kEthV4;
  const Bytes rest{
      0x45, 0x00, 0x00, 136, 0x00, 0x00, 0x40, 0x00, 64, 47, 0, 0,  // checksum below
      192, 0, 2, 1, 192, 0, 2, 2,
      0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 7,                          // GRE S, 0x88BE, seq
      0x10, 0x00, 0x00, 0x05, 0x00, 0x01, 0x23, 0x45};             // DESIGN.md example
  want.insert(want.end(), rest.begin(), rest.end());
  Bytes got = o.bytes;
  got[24] = got[25] = 0;
  EXPECT_EQ(got, want);
  EXPECT_EQ(ones_sum(slice(o.bytes, 14, 20)), 0xffffu);
  EXPECT_NE(be16(o.bytes, 24), 0);
  EXPECT_EQ(t.l3_offset, 14);
  EXPECT_EQ(t.l4_offset, 34);
  EXPECT_EQ(t.erspan_offset, 42);
}

TEST(EncapTest, TemplateLeavesPerFrameFieldsZero) {
  auto p = params(Encap::kErspan2, false);
  p.session_id = 5;
  const auto t = ctl::build_encap_template(p);
  EXPECT_EQ(be16(Bytes(t.bytes.begin(), t.bytes.end()), 16), 0);  // total length
  EXPECT_EQ(t.bytes[24], 0);
  EXPECT_EQ(t.bytes[25], 0);
  EXPECT_EQ(t.bytes[38] | t.bytes[39] | t.bytes[40] | t.bytes[41], 0);  // sequence
}

TEST(EncapTest, Erspan2TaggedInnerAndTruncated) {
  auto p = params(Encap::kErspan2, false);
  p.session_id = 5;
  const auto t = ctl::build_encap_template(p);
  const Out o = write(t, inner_frame(100, true, 100, 5), 0, 0, true);
  // Ver 1, VLAN 100; COS 5, En 3, T 1, session 5.
  EXPECT_EQ(slice(o.bytes, 42, 4), (Bytes{0x10, 0x64, 0xbc, 0x05}));
  const Out u = write(t, inner_frame(100));
  EXPECT_EQ(slice(u.bytes, 42, 4), (Bytes{0x10, 0x00, 0x00, 0x05}));
}

TEST(EncapTest, Erspan3DirectionGraHwid) {
  auto p = params(Encap::kErspan3, false);
  p.session_id = 0x3ff;
  p.hwid = 0x2a;
  p.gra_100ns = true;
  const auto t = ctl::build_encap_template(p);
  const Bytes inner = inner_frame(200, true, 0xabc, 7);
  const Out d0 = write(t, inner, 0x01020304, 0x1122334455667788ull, false, 0);
  ASSERT_EQ(d0.len, 54);
  EXPECT_EQ(slice(d0.bytes, 34, 8), (Bytes{0x10, 0x00, 0x22, 0xeb, 1, 2, 3, 4}));
  // Ver 2, VLAN 0xabc; COS 7, BSO 0, T 0, session 0x3ff; timestamp low 32;
  // SGT 0; P 0, FT 0, HwID 0x2a, D 0, Gra 1, O 0.
  EXPECT_EQ(slice(d0.bytes, 42, 12),
            (Bytes{0x2a, 0xbc, 0xe3, 0xff, 0x55, 0x66, 0x77, 0x88, 0, 0, 0x02, 0xa2}));
  const Out d1 = write(t, inner, 0, 0x1122334455667788ull, false, 1);
  EXPECT_EQ(slice(d1.bytes, 52, 2), (Bytes{0x02, 0xaa}));  // D 1
}

TEST(EncapTest, Erspan3PlatformSubheader) {
  auto p = params(Encap::kErspan3, false);
  p.session_id = 9;
  p.platform_subheader = true;
  p.erspan_index = 0x1234;
  const auto t = ctl::build_encap_template(p);
  const Out o = write(t, inner_frame(100), 0, 0x1122334455667788ull);
  ASSERT_EQ(o.len, 62);
  EXPECT_EQ(slice(o.bytes, 52, 10),
            (Bytes{0x00, 0x01,                          // Gra 0, O 1
                   0x0c, 0x00, 0x12, 0x34,              // Platform ID 3, port index
                   0x11, 0x22, 0x33, 0x44}));           // upper 32 timestamp bits
  EXPECT_EQ(be16(o.bytes, 16), 62 - 14 + 100);
}

TEST(EncapTest, Erspan3PlatformId7SourceIndex) {
  auto p = params(Encap::kErspan3, false);
  p.platform_subheader = true;
  p.platform_id = 7;
  p.erspan_index = 0xabcde;  // 20 bits
  const auto t = ctl::build_encap_template(p);
  const Out o = write(t, inner_frame(100), 0, 0x1122334455667788ull);
  ASSERT_EQ(o.len, 62);
  EXPECT_EQ(slice(o.bytes, 54, 8),
            (Bytes{0x1c, 0x0a, 0xbc, 0xde,     // Platform ID 7, reserved 0, source index
                   0x11, 0x22, 0x33, 0x44}));  // upper 32 timestamp bits
}

TEST(EncapTest, Erspan3Bso) {
  const auto t = ctl::build_encap_template(params(Encap::kErspan3, false));
  auto bso = [&](const Bytes& f, bool truncated = false) {
    return (write(t, f, 0, 0, truncated).bytes[44] >> 3) & 3;
  };
  EXPECT_EQ(bso(inner_frame(59)), 1);    // 63 B with FCS: short
  EXPECT_EQ(bso(inner_frame(60)), 0);    // 64 B with FCS: minimum, good
  EXPECT_EQ(bso(inner_frame(1514)), 0);  // 1518 B: maximum, good
  EXPECT_EQ(bso(inner_frame(1515)), 2);  // oversized
  EXPECT_EQ(bso(inner_frame(1518, true)), 0);  // tagged maximum
  EXPECT_EQ(bso(inner_frame(1519, true)), 2);
  EXPECT_EQ(bso(inner_frame(40), true), 0);  // truncated: never short
  EXPECT_EQ((write(t, inner_frame(40), 0, 0, true).bytes[44] >> 2) & 1, 1);  // T
}

TEST(EncapTest, Ipv4HeaderFields) {
  auto p = params(Encap::kErspan2, false);
  p.ttl = 17;
  p.dscp = 46;  // EF
  const auto t = ctl::build_encap_template(p);
  const Out o = write(t, inner_frame(1000));
  EXPECT_EQ(o.bytes[14], 0x45);
  EXPECT_EQ(o.bytes[15], 46 << 2);  // TOS = DSCP << 2, ECN 0
  EXPECT_EQ(be16(o.bytes, 16), 50 - 14 + 1000);
  EXPECT_EQ(be16(o.bytes, 20), 0x4000);  // DF, offset 0
  EXPECT_EQ(o.bytes[22], 17);
  EXPECT_EQ(o.bytes[23], 47);
  EXPECT_EQ(ones_sum(slice(o.bytes, 14, 20)), 0xffffu);
}

TEST(EncapTest, VxlanIpv4) {
  auto p = params(Encap::kVxlan, false);
  p.vni = 0xabcdef;
  const auto t = ctl::build_encap_template(p);
  const Bytes inner = inner_frame(100);
  const Out o = write(t, inner);
  ASSERT_EQ(o.len, 50);
  EXPECT_EQ(o.bytes[23], 17);
  const std::uint16_t sport = be16(o.bytes, 34);
  EXPECT_GE(sport, 49152);
  EXPECT_EQ(sport, dp::vxlan_src_port(inner.data(), static_cast<std::uint32_t>(inner.size())));
  EXPECT_EQ(slice(o.bytes, 36, 14),
            (Bytes{0x12, 0xb5, 0x00, 8 + 8 + 100, 0x00, 0x00,       // dst 4789, len, cksum 0
                   0x08, 0, 0, 0, 0xab, 0xcd, 0xef, 0x00}));        // flags I, VNI
  EXPECT_EQ(ones_sum(slice(o.bytes, 14, 20)), 0xffffu);
}

TEST(EncapTest, VxlanIpv6UdpChecksum) {
  auto p = params(Encap::kVxlan, true);
  p.vni = 77;
  p.udp_dst_port = 8472;
  p.ttl = 9;
  p.dscp = 10;
  const auto t = ctl::build_encap_template(p);
  for (std::uint32_t size : {60u, 101u, 1514u}) {
    const Bytes inner = inner_frame(size);
    const Out o = write(t, inner);
    ASSERT_EQ(o.len, 70);
    EXPECT_EQ(be16(o.bytes, 12), 0x86dd);
    EXPECT_EQ(o.bytes[14], 0x62);  // version 6, TC 40 = DSCP 10 << 2
    EXPECT_EQ(o.bytes[15], 0x80);
    EXPECT_EQ(be16(o.bytes, 18), 8 + 8 + size);  // payload length
    EXPECT_EQ(o.bytes[20], 17);
    EXPECT_EQ(o.bytes[21], 9);
    EXPECT_EQ(be16(o.bytes, 56), 8472);
    EXPECT_EQ(be16(o.bytes, 58), 16 + size);
    EXPECT_NE(be16(o.bytes, 60), 0);
    // Pseudo-header + UDP + VXLAN + inner sums to 0xffff with the checksum in.
    Bytes pseudo = slice(o.bytes, 22, 32);
    const std::uint32_t ulen = 16 + size;
    pseudo.insert(pseudo.end(), {0, 0, static_cast<std::uint8_t>(ulen >> 8),
                                 static_cast<std::uint8_t>(ulen), 0, 0, 0, 17});
    Bytes all = pseudo;
    const Bytes udp = slice(o.bytes, 54, 16);
    all.insert(all.end(), udp.begin(), udp.end());
    all.insert(all.end(), inner.begin(), inner.end());
    EXPECT_EQ(ones_sum(all), 0xffffu) << size;
    EXPECT_EQ(slice(o.bytes, 62, 8), (Bytes{0x08, 0, 0, 0, 0, 0, 77, 0}));
  }
}

TEST(EncapTest, VxlanIpv6NeedsWholeInnerFrame) {
  const auto t = ctl::build_encap_template(params(Encap::kVxlan, true));
  const Bytes inner = inner_frame(200);
  std::array<std::uint8_t, 128> out{};
  EXPECT_EQ(dp::encap_write(t, out.data(), 200, 0, 0, inner.data(), 64, false, 0), 0);
  const auto t4 = ctl::build_encap_template(params(Encap::kVxlan, false));
  EXPECT_EQ(dp::encap_write(t4, out.data(), 200, 0, 0, inner.data(), 64, false, 0), 50);
}

TEST(EncapTest, NoneAndOversizedReturnZero) {
  const auto none = ctl::build_encap_template(params(Encap::kNone, false));
  EXPECT_EQ(none.len, 0);
  const Bytes inner = inner_frame(64);
  std::array<std::uint8_t, 128> out{};
  EXPECT_EQ(dp::encap_write(none, out.data(), 64, 0, 0, inner.data(), 64, false, 0), 0);
  const auto t = ctl::build_encap_template(params(Encap::kErspan2, false));
  EXPECT_EQ(dp::encap_write(t, out.data(), 65535 - 36 + 1, 0, 0, inner.data(), 64, false, 0), 0);
  EXPECT_EQ(dp::encap_write(t, out.data(), 65535 - 36, 0, 0, inner.data(), 64, false, 0), 50);
}

TEST(EncapTest, Overheads) {
  struct Case {
    Encap encap;
    bool subheader;
    std::uint16_t v4;
  };
  for (const Case& c : {Case{Encap::kErspan2, false, 50}, Case{Encap::kErspan3, false, 54},
                        Case{Encap::kErspan3, true, 62}, Case{Encap::kVxlan, false, 50}}) {
    for (bool ipv6 : {false, true}) {
      for (std::uint16_t vlan : {0, 42}) {
        auto p = params(c.encap, ipv6);
        p.platform_subheader = c.subheader;
        p.vlan = vlan;
        const auto t = ctl::build_encap_template(p);
        const int want = c.v4 + (ipv6 ? 20 : 0) + (vlan ? 4 : 0);
        EXPECT_EQ(t.len, want);
        EXPECT_EQ(write(t, inner_frame(100)).len, want);
      }
    }
  }
}

TEST(EncapTest, UnderlayVlan) {
  auto p = params(Encap::kErspan2, false);
  p.vlan = 0x123;
  const auto t = ctl::build_encap_template(p);
  const Out o = write(t, inner_frame(100));
  EXPECT_EQ(slice(o.bytes, 12, 6), (Bytes{0x81, 0x00, 0x01, 0x23, 0x08, 0x00}));
  EXPECT_EQ(t.l3_offset, 18);
  EXPECT_EQ(ones_sum(slice(o.bytes, 18, 20)), 0xffffu);
  EXPECT_EQ(be16(o.bytes, 38), 0x1000);  // GRE
  EXPECT_EQ(be16(o.bytes, 40), 0x88be);
}

TEST(EncapTest, GreHeaders) {
  const auto t2 = ctl::build_encap_template(params(Encap::kErspan2, true));
  const Out o2 = write(t2, inner_frame(100), 0xfffffffe);
  EXPECT_EQ(o2.bytes[20], 47);  // next header GRE
  EXPECT_EQ(be16(o2.bytes, 18), 8 + 8 + 100);
  EXPECT_EQ(slice(o2.bytes, 54, 8), (Bytes{0x10, 0x00, 0x88, 0xbe, 0xff, 0xff, 0xff, 0xfe}));
  const auto t3 = ctl::build_encap_template(params(Encap::kErspan3, true));
  EXPECT_EQ(slice(write(t3, inner_frame(100), 3).bytes, 54, 8),
            (Bytes{0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 3}));
}

TEST(EncapTest, VxlanSourcePortStableAndSpread) {
  const Bytes a = inner_frame(100, false, 0, 0, 10, 1000, 2000);
  const Bytes a_longer = inner_frame(600, false, 0, 0, 10, 1000, 2000);
  const auto port = [](const Bytes& f) {
    return dp::vxlan_src_port(f.data(), static_cast<std::uint32_t>(f.size()));
  };
  EXPECT_EQ(port(a), port(a_longer));  // payload and length do not matter
  EXPECT_EQ(port(a), port(inner_frame(100, false, 0, 0, 10, 1000, 2000)));
  std::set<std::uint16_t> seen;
  for (std::uint16_t i = 0; i < 200; ++i) {
    const std::uint16_t p = port(inner_frame(100, false, 0, 0, 10, static_cast<std::uint16_t>(1000 + i), 2000));
    EXPECT_GE(p, 49152);
    seen.insert(p);
  }
  EXPECT_GT(seen.size(), 190u);  // different flows: typically different ports
  EXPECT_NE(port(a), port(inner_frame(100, false, 0, 0, 11, 1000, 2000)));  // other address
  // Short and empty inputs are fine and still in range.
  EXPECT_GE(dp::vxlan_src_port(nullptr, 0), 49152);
  EXPECT_GE(dp::vxlan_src_port(a.data(), 13), 49152);
}

}  // namespace
}  // namespace taas
