#include "control/vlan_filter.hpp"

#include <cctype>
#include <optional>
#include <string>
#include <utility>

namespace taas::ctl {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

/// A VLAN id 0..4095 in decimal, or nullopt.
std::optional<unsigned> parse_vid(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 4) return std::nullopt;
  unsigned value = 0;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > kMaxVlan) return std::nullopt;
  return value;
}

constexpr const char* kSyntax =
    "; expected comma-separated VLAN ids or ranges a-b with 0 <= a <= b <= 4095, e.g. \"9,18,27-36\"";

Error syntax_error(std::string what) {
  Error error;
  error.message = std::move(what) + kSyntax;
  return error;
}

Error item_error(std::string_view item, std::string_view why) {
  return syntax_error("bad item '" + std::string(item) + "': " + std::string(why));
}

}  // namespace

Result<VlanSet> parse_vlan_filter(std::string_view text) {
  VlanSet set;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view raw = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    const std::string_view item = trim(raw);
    if (item.empty()) {
      return syntax_error("'" + std::string(text) + "' has an empty item" +
                          (text.find(',') == std::string_view::npos ? "" : " (two commas in a row, or one at an end)"));
    }
    const std::size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      const auto vid = parse_vid(item);
      if (!vid) return item_error(item, "not a VLAN id 0..4095");
      set.set(*vid);
    } else {
      const auto low = parse_vid(item.substr(0, dash));
      const auto high = parse_vid(item.substr(dash + 1));
      if (!low || !high) return item_error(item, "range bounds must be VLAN ids 0..4095");
      if (*low > *high) return item_error(item, "range start is above its end");
      for (unsigned vid = *low; vid <= *high; ++vid) set.set(vid);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return set;
}

}  // namespace taas::ctl
