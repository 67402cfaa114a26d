// Helper of neighbor_oracle.py (scapy judges the ARP / NS / NA wire code).
//
//   neighbor-dump OUT.pcap      writes one frame per builder call (tagged and
//                               untagged) to OUT.pcap and, on stdout, one line
//                               per frame with what was asked for:
//                               builder vlan src_mac ip_a ip_b to_mac solicited
//                               (to_mac "-" = none; see kCalls below)
//   neighbor-dump --parse FILE  prints, per frame of FILE (classic pcap,
//                               little-endian), what parse_neighbor_msg saw:
//                               kind vlan eth_src sender_mac sender_ip target_ip solicited

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "dataplane/neighbor_wire.hpp"
#include "tests/unit/pcap_out.hpp"

namespace {

using taas::IpAddr;
using taas::MacAddr;
using namespace taas::dp;


std::uint32_t get_le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

void print_mac(const MacAddr& m) {
  std::printf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

void print_ip(const IpAddr& ip, bool ipv6) {
  if (!ipv6) {
    std::printf("%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
    return;
  }
  for (int i = 0; i < 16; i += 2) std::printf("%s%02x%02x", i ? ":" : "", ip[i], ip[i + 1]);
}

enum class Builder { kArpRequest, kArpReply, kSolicit, kAdvert };

// ip_a / ip_b: ARP request sender / target; ARP reply our / to; NS source /
// target; NA our / to.
struct Call {
  Builder builder;
  std::uint16_t vlan;
  MacAddr src;
  IpAddr ip_a;
  IpAddr ip_b;
  bool has_to;
  MacAddr to;
  bool solicited;
};

constexpr MacAddr kOurMac{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
constexpr MacAddr kPeerMac{0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
constexpr MacAddr kAllNodesMac{0x33, 0x33, 0, 0, 0, 0x01};
constexpr IpAddr kOur4{192, 0, 2, 1};
constexpr IpAddr kPeer4{192, 0, 2, 77};
constexpr IpAddr kOur6{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0x5e, 0xff, 0xfe, 0x10, 0x00, 0x01};
constexpr IpAddr kPeer6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56};
constexpr IpAddr kAllNodes{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
constexpr IpAddr kUnspecified{};

constexpr Call kCalls[] = {
    {Builder::kArpRequest, 0, kOurMac, kOur4, kPeer4, false, {}, false},
    {Builder::kArpRequest, 100, kOurMac, kOur4, kPeer4, false, {}, false},
    {Builder::kArpRequest, 4094, kOurMac, kOur4, kPeer4, true, kPeerMac, false},
    {Builder::kArpRequest, 0, kPeerMac, kPeer4, kOur4, true, kOurMac, false},
    {Builder::kArpReply, 0, kOurMac, kOur4, kPeer4, true, kPeerMac, false},
    {Builder::kArpReply, 100, kOurMac, kOur4, kPeer4, true, kPeerMac, false},
    {Builder::kSolicit, 0, kOurMac, kOur6, kPeer6, false, {}, false},
    {Builder::kSolicit, 100, kOurMac, kOur6, kPeer6, false, {}, false},
    {Builder::kSolicit, 0, kOurMac, kOur6, kPeer6, true, kPeerMac, false},
    {Builder::kSolicit, 4094, kPeerMac, kPeer6, kOur6, true, kOurMac, false},
    {Builder::kSolicit, 0, kOurMac, kUnspecified, kPeer6, false, {}, false},  // DAD
    {Builder::kAdvert, 0, kOurMac, kOur6, kPeer6, true, kPeerMac, true},
    {Builder::kAdvert, 100, kOurMac, kOur6, kPeer6, true, kPeerMac, true},
    {Builder::kAdvert, 0, kOurMac, kOur6, kPeer6, true, kPeerMac, false},
    {Builder::kAdvert, 7, kOurMac, kOur6, kAllNodes, true, kAllNodesMac, true},  // S cleared
};

const char* builder_name(Builder b) {
  switch (b) {
    case Builder::kArpRequest: return "arp-request";
    case Builder::kArpReply: return "arp-reply";
    case Builder::kSolicit: return "ns";
    case Builder::kAdvert: return "na";
  }
  return "?";
}

std::uint16_t run(const Call& c, std::uint8_t* out) {
  switch (c.builder) {
    case Builder::kArpRequest:
      return build_arp_request(out, c.src, c.vlan, c.ip_a, c.ip_b, c.has_to ? &c.to : nullptr);
    case Builder::kArpReply: return build_arp_reply(out, c.src, c.vlan, c.ip_a, c.to, c.ip_b);
    case Builder::kSolicit:
      return build_neighbor_solicit(out, c.src, c.vlan, c.ip_a, c.ip_b, c.has_to ? &c.to : nullptr);
    case Builder::kAdvert: return build_neighbor_advert(out, c.src, c.vlan, c.ip_a, c.to, c.ip_b, c.solicited);
  }
  return 0;
}

int dump(const char* path) {
  std::FILE* pcap = std::fopen(path, "wb");
  if (pcap == nullptr) {
    std::perror(path);
    return 1;
  }
  taas::test::pcap_write_header(pcap);
  std::uint32_t n = 0;
  for (const Call& c : kCalls) {
    std::uint8_t out[kNeighborFrameMax];
    std::memset(out, 0xa5, sizeof out);  // a byte the builder does not write shows up
    const std::uint16_t len = run(c, out);
    if (len == 0 || len > kNeighborFrameMax) {
      std::fprintf(stderr, "%s returned %u\n", builder_name(c.builder), len);
      return 1;
    }
    taas::test::pcap_write_frame(pcap, n++, out, len);
    const bool v6 = c.builder == Builder::kSolicit || c.builder == Builder::kAdvert;
    std::printf("%s %u ", builder_name(c.builder), c.vlan);
    print_mac(c.src);
    std::printf(" ");
    print_ip(c.ip_a, v6);
    std::printf(" ");
    print_ip(c.ip_b, v6);
    std::printf(" ");
    if (c.has_to) {
      print_mac(c.to);
    } else {
      std::printf("-");
    }
    std::printf(" %d\n", c.solicited ? 1 : 0);
  }
  return std::fclose(pcap) == 0 ? 0 : 1;
}

const char* kind_name(NeighborMsg::Kind k) {
  switch (k) {
    case NeighborMsg::Kind::kNone: return "none";
    case NeighborMsg::Kind::kArpRequest: return "arp-request";
    case NeighborMsg::Kind::kArpReply: return "arp-reply";
    case NeighborMsg::Kind::kSolicit: return "ns";
    case NeighborMsg::Kind::kAdvert: return "na";
  }
  return "?";
}

int parse(const char* path) {
  std::FILE* f = std::fopen(path, "rb");
  if (f == nullptr) {
    std::perror(path);
    return 1;
  }
  std::vector<std::uint8_t> data;
  std::uint8_t buf[4096];
  for (std::size_t got; (got = std::fread(buf, 1, sizeof buf, f)) > 0;) data.insert(data.end(), buf, buf + got);
  std::fclose(f);
  if (data.size() < 24 || (get_le32(data.data()) != 0xa1b2c3d4 && get_le32(data.data()) != 0xa1b23c4d) ||
      get_le32(data.data() + 20) != 1) {
    std::fprintf(stderr, "%s: not a little-endian Ethernet pcap\n", path);
    return 1;
  }
  std::size_t off = 24;
  while (off < data.size()) {
    if (data.size() - off < 16) {
      std::fprintf(stderr, "%s: truncated record header\n", path);
      return 1;
    }
    const std::uint32_t caplen = get_le32(data.data() + off + 8);
    off += 16;
    if (data.size() - off < caplen) {
      std::fprintf(stderr, "%s: truncated record\n", path);
      return 1;
    }
    // An exact-size copy so that a sanitizer build sees any read past the end.
    const std::vector<std::uint8_t> frame(data.begin() + static_cast<long>(off),
                                          data.begin() + static_cast<long>(off + caplen));
    off += caplen;
    const NeighborMsg m = parse_neighbor_msg(frame.data(), caplen);
    std::printf("%s %u ", kind_name(m.kind), m.vlan);
    print_mac(m.eth_src);
    std::printf(" ");
    print_mac(m.sender_mac);
    std::printf(" ");
    print_ip(m.sender_ip, m.ipv6);
    std::printf(" ");
    print_ip(m.target_ip, m.ipv6);
    std::printf(" %d\n", m.solicited ? 1 : 0);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--parse") != 0) return dump(argv[1]);
  if (argc == 3 && std::strcmp(argv[1], "--parse") == 0) return parse(argv[2]);
  std::fprintf(stderr, "usage: %s OUT.pcap | %s --parse FILE.pcap\n", argv[0], argv[0]);
  return 2;
}
