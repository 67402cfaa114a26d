#pragma once
// Syntax checks for the addresses an intent names (underlay, collectors).
// Only the text form is checked; nothing is resolved.

#include <string_view>

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

}  // namespace taas::ctl
