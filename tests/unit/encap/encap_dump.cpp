// Writes <dir>/outer.pcap (mirrored frames for each encapsulation x outer IP
// version) and <dir>/manifest.txt (one line per frame: what was asked for and
// the inner frame in hex) for scapy_oracle.py to judge with scapy and tshark.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "control/encap_template.hpp"
#include "dataplane/encap.hpp"
#include "tests/unit/encap/encap_fixture.hpp"
#include "tests/unit/pcap_out.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;

void put16(Bytes& b, std::size_t off, std::uint16_t v) {
  b[off] = static_cast<std::uint8_t>(v >> 8);
  b[off + 1] = static_cast<std::uint8_t>(v);
}

// [802.1Q] / IPv4 / UDP or IPv6 / TCP, with correct inner IPv4 checksum.
Bytes inner_frame(std::size_t size, bool tagged, bool ipv6, std::uint8_t salt) {
  Bytes f(size, 0);
  for (std::size_t i = 0; i < size; ++i) f[i] = static_cast<std::uint8_t>(i * 7 + salt);
  const std::uint8_t macs[12] = {0x52, 0x54, 0, 0, 0, 0x0a, 0x52, 0x54, 0, 0, 0, salt};
  std::copy(macs, macs + 12, f.begin());
  std::size_t o = 12;
  if (tagged) {
    put16(f, o, 0x8100);
    put16(f, o + 2, static_cast<std::uint16_t>(3 << 13 | 100));
    o += 4;
  }
  if (!ipv6) {
    put16(f, o, 0x0800);
    o += 2;
    const std::size_t ip = o;
    f[ip] = 0x45; f[ip + 1] = 0;
    put16(f, ip + 2, static_cast<std::uint16_t>(size - ip));
    put16(f, ip + 4, salt); put16(f, ip + 6, 0);
    f[ip + 8] = 64; f[ip + 9] = 17;
    put16(f, ip + 10, 0);
    f[ip + 12] = 10; f[ip + 13] = 0; f[ip + 14] = 0; f[ip + 15] = 1;
    f[ip + 16] = 10; f[ip + 17] = 0; f[ip + 18] = 0; f[ip + 19] = salt;
    put16(f, ip + 10, taas::dp::inet_checksum(&f[ip], 20));
    put16(f, ip + 20, 1000); put16(f, ip + 22, 2000);
    put16(f, ip + 24, static_cast<std::uint16_t>(size - ip - 20));
    put16(f, ip + 26, 0);  // no UDP checksum
  } else {
    put16(f, o, 0x86dd);
    o += 2;
    const std::size_t ip = o;
    f[ip] = 0x60; f[ip + 1] = 0; f[ip + 2] = 0; f[ip + 3] = 0;
    put16(f, ip + 4, static_cast<std::uint16_t>(size - ip - 40));
    f[ip + 6] = 6; f[ip + 7] = 64;
    for (int i = 0; i < 32; ++i) f[ip + 8 + i] = 0;
    f[ip + 8] = 0xfd; f[ip + 23] = 1; f[ip + 24] = 0xfd; f[ip + 39] = salt;
    put16(f, ip + 40, 40000); put16(f, ip + 42, 443);
    f[ip + 52] = 0x50;  // TCP data offset 5
  }
  return f;
}


}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  std::FILE* pcap = std::fopen((dir + "/outer.pcap").c_str(), "wb");
  std::FILE* man = std::fopen((dir + "/manifest.txt").c_str(), "w");
  if (pcap == nullptr || man == nullptr) {
    std::perror("open");
    return 1;
  }
  taas::test::pcap_write_header(pcap);

  struct Kind {
    const char* name;
    taas::Encap encap;
    bool subheader;
    std::uint16_t session;
  };
  const Kind kinds[] = {{"erspan2", taas::Encap::kErspan2, false, 5},
                        {"erspan3", taas::Encap::kErspan3, false, 300},
                        {"erspan3o", taas::Encap::kErspan3, true, 1023},
                        {"vxlan", taas::Encap::kVxlan, false, 0}};
  std::uint32_t n = 0;
  for (const Kind& k : kinds) {
    for (bool ipv6 : {false, true}) {
      taas::EncapParams p = taas::test::underlay_params(k.encap, ipv6);
      p.vlan = ipv6 && k.encap != taas::Encap::kErspan2 ? 7 : 0;
      p.dscp = 8;
      p.vni = ipv6 ? 0xabcdef : 5000;
      p.session_id = k.session;
      p.erspan_index = 0x123;
      p.hwid = 5;
      p.gra_100ns = ipv6;
      p.platform_subheader = k.subheader;
      const taas::EncapTemplate t = taas::ctl::build_encap_template(p);
      struct Frame {
        std::size_t size;
        bool tagged;
        bool inner_v6;
        bool truncated;
      };
      const Frame frames[] = {{60, false, false, false},
                              {200, true, true, false},
                              {1400, false, false, true},
                              {56, true, false, false}};  // short: BSO 1
      std::uint32_t seq = 0;
      for (const Frame& fr : frames) {
        const Bytes inner = inner_frame(fr.size, fr.tagged, fr.inner_v6,
                                        static_cast<std::uint8_t>(n + 1));
        const std::uint8_t dir_in = seq % 2;
        const std::uint64_t ts = 0x0000000700000000ull + 1000 * n;
        Bytes out(t.len + inner.size());
        const auto len = static_cast<std::uint16_t>(taas::dp::encap_write(
            t, out.data(), static_cast<std::uint32_t>(inner.size()), seq, ts, inner.data(),
            static_cast<std::uint32_t>(inner.size()), fr.truncated, dir_in));
        if (len != t.len) {
          std::fprintf(stderr, "encap_write returned %u, want %u\n", len, t.len);
          return 1;
        }
        std::copy(inner.begin(), inner.end(), out.begin() + len);
        taas::test::pcap_write_frame(pcap, n, out.data(), static_cast<std::uint32_t>(out.size()));
        std::fprintf(man, "%s %d %u %u %u %u %u %d %u %d %llu %u ", k.name, ipv6 ? 1 : 0,
                     p.vlan, p.session_id, p.vni, seq, dir_in, fr.truncated ? 1 : 0, p.hwid,
                     p.gra_100ns ? 1 : 0, static_cast<unsigned long long>(ts),
                     p.udp_dst_port);
        for (std::uint8_t b : inner) std::fprintf(man, "%02x", b);
        std::fprintf(man, "\n");
        ++seq;
        ++n;
      }
    }
  }
  std::fclose(pcap);
  std::fclose(man);
  return 0;
}
