#pragma once
// Logging for the control path (never called by workers): one line per
// message on stderr, "taasd: <level>: text".

#include <cstdio>
#include <string>
#include <string_view>

namespace taas::ctl {

enum class LogLevel { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

/// The process-wide threshold; set once at start by main.
inline LogLevel& log_threshold() {
  static LogLevel level = LogLevel::kInfo;
  return level;
}

/// Parses error|warning|info|debug; false when `name` is none of them.
inline bool parse_log_level(std::string_view name, LogLevel& out) {
  if (name == "error") out = LogLevel::kError;
  else if (name == "warning") out = LogLevel::kWarning;
  else if (name == "info") out = LogLevel::kInfo;
  else if (name == "debug") out = LogLevel::kDebug;
  else return false;
  return true;
}

/// Control threads only.
inline void log(LogLevel level, const std::string& text) {
  static constexpr const char* kNames[] = {"error", "warning", "info", "debug"};
  if (level > log_threshold()) return;
  std::fprintf(stderr, "taasd: %s: %s\n", kNames[static_cast<int>(level)], text.c_str());
}

}  // namespace taas::ctl
