#pragma once
// The --stats-out file (DESIGN.md §9): counters summed over workers, keyed
// by port, service and flow name. No DPDK; any thread may call it.

#include <string>
#include <vector>

#include "taas/counters.hpp"
#include "taas/snapshot.hpp"

namespace taas::dp {

/// JSON text of the counters of `workers` summed, for `snap`'s names.
std::string stats_json(const Snapshot& snap, const std::vector<const WorkerCounters*>& workers);

/// Writes `text` to `path` atomically (temporary file + rename). Returns an
/// error message, empty on success.
std::string write_file_atomic(const std::string& path, const std::string& text);

}  // namespace taas::dp
