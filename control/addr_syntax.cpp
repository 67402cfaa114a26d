#include "control/addr_syntax.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cctype>
#include <string>

namespace taas::ctl {

namespace {

bool parses_as(int family, std::string_view text) {
  const std::string copy(text);  // inet_pton wants a terminated string
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(family, copy.c_str(), buffer) == 1;
}

bool is_cidr(int family, std::string_view text, unsigned max_prefix) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view prefix = text.substr(slash + 1);
  if (prefix.empty() || prefix.size() > 3) return false;
  unsigned value = 0;
  for (char c : prefix) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= max_prefix && parses_as(family, text.substr(0, slash));
}

}  // namespace

bool is_ipv4(std::string_view text) { return parses_as(AF_INET, text); }
bool is_ipv6(std::string_view text) { return parses_as(AF_INET6, text); }
bool is_ipv4_cidr(std::string_view text) { return is_cidr(AF_INET, text, 32); }
bool is_ipv6_cidr(std::string_view text) { return is_cidr(AF_INET6, text, 128); }

bool is_mac(std::string_view text) {
  if (text.size() != 17) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool ok = i % 3 == 2 ? text[i] == ':' : std::isxdigit(static_cast<unsigned char>(text[i])) != 0;
    if (!ok) return false;
  }
  return true;
}

std::optional<IpPrefix> parse_ip(std::string_view text) {
  IpPrefix out;
  std::string_view addr = text;
  const std::size_t slash = text.find('/');
  if (slash != std::string_view::npos) addr = text.substr(0, slash);
  out.ipv6 = addr.find(':') != std::string_view::npos;
  if (slash != std::string_view::npos ? !is_cidr(out.ipv6 ? AF_INET6 : AF_INET, text, out.ipv6 ? 128 : 32)
                                      : !parses_as(out.ipv6 ? AF_INET6 : AF_INET, text)) {
    return std::nullopt;
  }
  const std::string copy(addr);
  if (inet_pton(out.ipv6 ? AF_INET6 : AF_INET, copy.c_str(), out.ip.data()) != 1) return std::nullopt;
  out.prefix = static_cast<std::uint8_t>(out.ipv6 ? 128 : 32);
  if (slash != std::string_view::npos) out.prefix = static_cast<std::uint8_t>(std::stoi(std::string(text.substr(slash + 1))));
  return out;
}

std::optional<MacAddr> parse_mac(std::string_view text) {
  if (!is_mac(text)) return std::nullopt;
  MacAddr mac{};
  for (std::size_t i = 0; i < mac.size(); ++i) {
    mac[i] = static_cast<std::uint8_t>(std::stoul(std::string(text.substr(i * 3, 2)), nullptr, 16));
  }
  return mac;
}

bool in_prefix(const IpPrefix& net, const IpPrefix& ip) {
  if (net.ipv6 != ip.ipv6) return false;
  unsigned bits = net.prefix;
  for (std::size_t i = 0; bits != 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<std::uint8_t>(0xff00u >> take);
    if (((net.ip[i] ^ ip.ip[i]) & mask) != 0) return false;
    bits -= take;
  }
  return true;
}

}  // namespace taas::ctl
