#pragma once
// Intent -> snapshot: parse the YAML intent (DESIGN.md §9), validate it
// (DESIGN.md §2 rules) and compile it into the immutable Snapshot the
// workers read. Builds without DPDK.

#include <string>
#include <string_view>

#include "control/result.hpp"
#include "taas/snapshot.hpp"

namespace taas::ctl {

/// Parses, validates and compiles an intent given as YAML text. `file_name`
/// only labels error messages. Nothing is changed anywhere on error.
/// Control thread; the caller owns the returned snapshot.
Result<Snapshot> compile_intent(std::string_view yaml_text, const std::string& file_name);

/// Reads `path` and calls compile_intent. An unreadable file is an Error
/// naming the file.
Result<Snapshot> load_intent_file(const std::string& path);

}  // namespace taas::ctl
