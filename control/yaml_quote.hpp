#pragma once
// A YAML double-quoted scalar for any text: quotes, backslashes, line breaks,
// control characters (C0 as \xNN, C1 as \u00NN: yaml-cpp reads `\N` as a
// single byte), U+2028 / U+2029 and a byte order mark escaped; other UTF-8
// kept as is. Control thread.

#include <string>
#include <string_view>

namespace taas::ctl {

std::string yaml_quote(std::string_view text);

}  // namespace taas::ctl
