#pragma once
// Syntax checks for the addresses an intent names (underlay, collectors),
// and their parsed (network order) forms. Nothing is resolved.

#include <cstdint>
#include <optional>
#include <string_view>

#include "taas/snapshot.hpp"

namespace taas::ctl {

/// Dotted-quad IPv4 address, e.g. "192.0.2.1".
bool is_ipv4(std::string_view text);

/// IPv6 address in any RFC 4291 text form, e.g. "2001:db8::1".
bool is_ipv6(std::string_view text);

/// "address/prefix": IPv4 with prefix 0..32, or IPv6 with prefix 0..128.
bool is_ipv4_cidr(std::string_view text);
bool is_ipv6_cidr(std::string_view text);

/// Ethernet address as six ':'-separated two-digit hex bytes.
bool is_mac(std::string_view text);

/// An address with its family; IPv4 in the first 4 bytes of `ip`.
struct IpPrefix {
  IpAddr ip{};
  std::uint8_t prefix = 0;  // 32 / 128 for a plain address
  bool ipv6 = false;
};

/// Parses "192.0.2.1", "2001:db8::1" (prefix = full length) or either with
/// "/prefix". nullopt when the text is not valid.
std::optional<IpPrefix> parse_ip(std::string_view text);

/// Parses six ':'-separated hex bytes.
std::optional<MacAddr> parse_mac(std::string_view text);

/// True when `ip` (same family as `net`) lies inside net/prefix.
bool in_prefix(const IpPrefix& net, const IpPrefix& ip);

}  // namespace taas::ctl
