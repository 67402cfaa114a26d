#include "control/result.hpp"

namespace taas::ctl {

std::string Error::to_string() const {
  // Location: "file:line:col"; line and column only when known.
  std::string where = file;
  if (line > 0) {
    where += (where.empty() ? "" : ":") + std::to_string(line);
    if (column > 0) where += ':' + std::to_string(column);
  }
  std::string out;
  for (const std::string* part : {static_cast<const std::string*>(&where), &field}) {
    if (part->empty()) continue;
    out += *part;
    out += ": ";
  }
  out += message;
  return out;
}

}  // namespace taas::ctl
