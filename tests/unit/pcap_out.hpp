#pragma once
// A minimal classic-pcap writer (little-endian, microsecond, Ethernet) for
// the test tools that hand frames to scapy and tshark.

#include <cstdint>
#include <cstdio>

namespace taas::test {

inline void pcap_le32(std::FILE* f, std::uint32_t v) {
  const unsigned char b[4] = {static_cast<unsigned char>(v), static_cast<unsigned char>(v >> 8),
                              static_cast<unsigned char>(v >> 16), static_cast<unsigned char>(v >> 24)};
  std::fwrite(b, 1, 4, f);
}

/// The global header: version 2.4, snaplen 65535, LINKTYPE_ETHERNET.
inline void pcap_write_header(std::FILE* f) {
  pcap_le32(f, 0xa1b2c3d4);
  pcap_le32(f, 2 | (4u << 16));
  pcap_le32(f, 0);
  pcap_le32(f, 0);
  pcap_le32(f, 65535);
  pcap_le32(f, 1);
}

/// One record with timestamp `seconds`.0, captured whole.
inline void pcap_write_frame(std::FILE* f, std::uint32_t seconds, const std::uint8_t* frame, std::uint32_t len) {
  pcap_le32(f, seconds);
  pcap_le32(f, 0);
  pcap_le32(f, len);
  pcap_le32(f, len);
  std::fwrite(frame, 1, len, f);
}

}  // namespace taas::test
