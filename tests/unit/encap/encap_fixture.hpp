#pragma once
// The underlay every encapsulation test uses: 02::01 -> 02::02 and
// 192.0.2.1 -> 192.0.2.2 or 2001:db8::1 -> 2001:db8::2.

#include <array>
#include <cstdint>

#include "taas/encap.hpp"

namespace taas::test {

inline constexpr std::array<std::uint8_t, 6> kSrcMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
inline constexpr std::array<std::uint8_t, 6> kDstMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

/// EncapParams for `encap` over the test underlay; other fields default.
inline EncapParams underlay_params(Encap encap, bool ipv6) {
  EncapParams p;
  p.encap = encap;
  p.ipv6 = ipv6;
  p.src_mac = kSrcMac;
  p.dst_mac = kDstMac;
  if (ipv6) {
    p.src_ip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
    p.dst_ip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};
  } else {
    p.src_ip = {192, 0, 2, 1};
    p.dst_ip = {192, 0, 2, 2};
  }
  return p;
}

}  // namespace taas::test
