#include "control/encap_template.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace taas::ctl {
namespace {

constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr std::uint16_t kEtherTypeVlan = 0x8100;
constexpr std::uint16_t kGreProtoErspan2 = 0x88be;
constexpr std::uint16_t kGreProtoErspan3 = 0x22eb;
constexpr std::uint16_t kGreFlagSeq = 0x1000;  // S bit only, version 0
constexpr std::uint8_t kIpProtoGre = 47;
constexpr std::uint8_t kIpProtoUdp = 17;

class Writer {
 public:
  explicit Writer(EncapTemplate& t) : t_(t) {}
  std::uint16_t pos() const { return pos_; }
  void u8(std::uint8_t v) { t_.bytes[pos_++] = v; }
  void be16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  void be32(std::uint32_t v) {
    be16(static_cast<std::uint16_t>(v >> 16));
    be16(static_cast<std::uint16_t>(v));
  }
  void bytes(const std::uint8_t* p, std::size_t n) {
    std::memcpy(&t_.bytes[pos_], p, n);
    pos_ = static_cast<std::uint16_t>(pos_ + n);
  }

 private:
  EncapTemplate& t_;
  std::uint16_t pos_ = 0;
};

}  // namespace

EncapTemplate build_encap_template(const EncapParams& p) {
  EncapTemplate t;
  t.encap = p.encap;
  t.ipv6 = p.ipv6;
  if (p.encap == Encap::kNone) return t;

  Writer w(t);
  // Ethernet [+ 802.1Q, PCP 0].
  w.bytes(p.dst_mac.data(), p.dst_mac.size());
  w.bytes(p.src_mac.data(), p.src_mac.size());
  if (p.vlan != 0) {
    w.be16(kEtherTypeVlan);
    w.be16(p.vlan & 0x0fff);
  }
  w.be16(p.ipv6 ? kEtherTypeIpv6 : kEtherTypeIpv4);

  // IP: lengths and the IPv4 checksum are patched per frame.
  t.l3_offset = w.pos();
  const std::uint8_t proto = p.encap == Encap::kVxlan ? kIpProtoUdp : kIpProtoGre;
  const std::uint8_t tos = static_cast<std::uint8_t>((p.dscp & 0x3f) << 2);
  if (p.ipv6) {
    w.be32(0x60000000u | (std::uint32_t{tos} << 20));  // version, TC, flow label 0
    w.be16(0);                                           // payload length
    w.u8(proto);                                         // next header
    w.u8(p.ttl);                                         // hop limit
    w.bytes(p.src_ip.data(), 16);
    w.bytes(p.dst_ip.data(), 16);
  } else {
    w.u8(0x45);       // version 4, IHL 5
    w.u8(tos);
    w.be16(0);        // total length
    w.be16(0);        // identification: 0 is fine with DF set (RFC 6864)
    w.be16(0x4000);   // DF, fragment offset 0
    w.u8(p.ttl);
    w.u8(proto);
    w.be16(0);        // header checksum
    w.bytes(p.src_ip.data(), 4);
    w.bytes(p.dst_ip.data(), 4);
  }

  t.l4_offset = w.pos();
  if (p.encap == Encap::kVxlan) {
    w.be16(0);               // source port: hash of the inner flow
    w.be16(p.udp_dst_port);
    w.be16(0);               // length
    w.be16(0);               // checksum: 0 over IPv4, computed over IPv6
    t.erspan_offset = w.pos();
    w.be32(0x08000000u);     // flags: I; 24 reserved bits
    w.be32((p.vni & 0xffffffu) << 8);
    t.len = w.pos();
    return t;
  }

  // GRE with sequence number (S bit: without it receivers read ERSPAN I).
  w.be16(kGreFlagSeq);
  w.be16(p.encap == Encap::kErspan2 ? kGreProtoErspan2 : kGreProtoErspan3);
  w.be32(0);  // sequence number
  t.erspan_offset = w.pos();
  const std::uint16_t session = p.session_id & 0x03ff;
  if (p.encap == Encap::kErspan2) {
    w.be16(0x1000);    // Ver 1; VLAN per frame
    w.be16(session);   // COS, En, T per frame
    w.be32(p.erspan_index & 0xfffffu);  // Reserved 0, Index
  } else {
    w.be16(0x2000);    // Ver 2; VLAN per frame
    w.be16(session);   // COS, BSO, T per frame
    w.be32(0);         // timestamp, low 32 bits
    // SGT 0 | P 0, FT 0 (Ethernet), HwID, D per frame, Gra, O.
    w.be16(0);
    w.be16(static_cast<std::uint16_t>(((p.hwid & 0x3f) << 4) |
                                      ((p.gra_100ns ? 1 : 0) << 1) |
                                      (p.platform_subheader ? 1 : 0)));
    if (p.platform_subheader) {
      // Platform ID 3: Platf ID(6) | Reserved(12) | Port ID/Index(14);
      // ID 7: Platf ID(6) | Reserved(6) | Source Index(20). Both carry the
      // upper 32 timestamp bits in the second word, per frame.
      const bool id7 = p.platform_id == 7;
      w.be32((std::uint32_t{id7 ? 7u : 3u} << 26) | (p.erspan_index & (id7 ? 0xfffffu : 0x3fffu)));
      w.be32(0);
    }
  }
  t.len = w.pos();
  return t;
}

}  // namespace taas::ctl
