// yaml_quote: one YAML double-quoted scalar writer for every YAML taasd
// emits (the intent export, taasctl's -f yaml).

#include "control/yaml_quote.hpp"

#include <algorithm>

namespace taas::ctl {

namespace {

/// Length of the UTF-8 sequence starting with `lead`, 1 for anything else.
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xf0 && lead < 0xf8) return 4;
  if (lead >= 0xe0) return lead < 0xf0 ? 3 : 1;
  if (lead >= 0xc0) return 2;
  return 1;
}

}  // namespace

std::string yaml_quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = std::min(utf8_length(c), text.size() - i);
    // A sequence ends at the first byte that is not a continuation byte
    // (invalid UTF-8): that byte is written on its own, escaped if needed.
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) {
        n = k;
        break;
      }
    }
    const std::string_view seq = text.substr(i, n);
    i += n;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      out.append("\\x").append(1, kHex[c >> 4]).append(1, kHex[c & 0xf]);
    } else if (n == 2 && c == 0xc2 && static_cast<unsigned char>(seq[1]) < 0xa0) {
      // C1 controls, among them U+0085 (a line break to YAML). Not `\N`:
      // yaml-cpp reads that as the single byte 0x85, not UTF-8.
      const auto low = static_cast<unsigned char>(seq[1]);
      out.append("\\u00").append(1, kHex[low >> 4]).append(1, kHex[low & 0xf]);
    } else if (seq == "\xe2\x80\xa8") {
      out += "\\L";  // line separator
    } else if (seq == "\xe2\x80\xa9") {
      out += "\\P";  // paragraph separator
    } else if (seq == "\xef\xbb\xbf") {
      out += "\\uFEFF";  // byte order mark: dropped by readers when raw
    } else {
      out += seq;
    }
  }
  return out + "\"";
}

}  // namespace taas::ctl
