// libFuzzer harness: the TaaS vlan_filter parser (control/vlan_filter.hpp).
//
// Any text either parses to a set of VLAN ids or is rejected with a message.
// The set must be exactly what a reference parser, written here from the
// documented syntax and independent of the implementation, gives; and the
// two must agree on which texts are valid at all.
//
// The syntax (vlan_filter.hpp, tests/unit/control/vlan_filter_test.cpp):
// comma-separated items; an item is a VLAN id or a range "a-b" with a <= b;
// ids are decimal, 0..4095, written with at most 4 digits ("0100" is fine,
// "00100" is not); blanks (C isspace: space, \t \n \v \f \r) around an item
// and around the '-' are ignored; an empty item is an error.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "control/vlan_filter.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using taas::VlanBits;

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

std::string_view strip(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<unsigned> reference_id(std::string_view s) {
  s = strip(s);
  if (s.empty() || s.size() > 4) return std::nullopt;
  unsigned v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > 4095) return std::nullopt;
  return v;
}

/// The reference: the set, or nullopt when the text is not valid.
std::optional<VlanBits> reference_parse(std::string_view text) {
  VlanBits set;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    const std::string_view item = strip(text.substr(start, end - start));
    if (item.empty()) return std::nullopt;
    const std::size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      const auto id = reference_id(item);
      if (!id) return std::nullopt;
      set.set(*id);
    } else {
      const auto lo = reference_id(item.substr(0, dash));
      const auto hi = reference_id(item.substr(dash + 1));
      if (!lo || !hi || *lo > *hi) return std::nullopt;
      for (unsigned v = *lo; v <= *hi; ++v) set.set(v);
    }
    if (comma == std::string_view::npos) return set;
    start = comma + 1;
  }
}

std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = taas::ctl::parse_vlan_filter(text);
  const auto reference = reference_parse(text);
  const std::string shown = "'" + printable(text) + "'";
  if (parsed.ok()) {
    FUZZ_CHECK(reference.has_value(), "accepted " + shown + ", which the reference rejects");
    for (unsigned vid = 0; vid <= 4095; ++vid) {
      FUZZ_CHECK(parsed.value().test(vid) == reference->test(vid),
                 "VLAN " + std::to_string(vid) + " of " + shown + ": parser says " +
                     (parsed.value().test(vid) ? "in" : "out") + ", the reference the opposite");
    }
    FUZZ_CHECK(parsed.value().any(), "accepted " + shown + " as an empty set");
  } else {
    const taas::ctl::Error& e = parsed.error();
    FUZZ_CHECK(!reference.has_value(), "rejected " + shown + " (" + e.message + "), which the reference accepts");
    FUZZ_CHECK(!e.message.empty(), "rejected " + shown + " without a message");
    FUZZ_CHECK(e.message.find("expected comma-separated VLAN ids") != std::string::npos,
               "the message for " + shown + " does not state the syntax: " + e.message);
  }
  return 0;
}
