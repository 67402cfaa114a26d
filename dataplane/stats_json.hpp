#pragma once
// The --stats-out file (DESIGN.md §9): counters summed over workers, keyed
// by port, service and flow name. No DPDK; any thread may call it.

#include <string>
#include <vector>

#include "dataplane/remote_state.hpp"
#include "dataplane/totals.hpp"
#include "taas/counters.hpp"
#include "taas/snapshot.hpp"

namespace taas::dp {

/// JSON text of `totals` (indexed like `snap`), for `snap`'s names. With
/// `macs` and `remote` as below. A "deleted" object sums what deleted
/// services and flows counted, once that is not zero.
std::string stats_json(const Snapshot& snap, const Totals& totals, const std::vector<MacAddr>* macs,
                       const RemoteState* remote);

/// JSON text of the counters of `workers` summed, for `snap`'s names. With
/// `macs` (per port) each port gets its "mac"; with `remote` the file gets
/// "neighbors": each next hop, its port, address and MAC (null while
/// unresolved).
std::string stats_json(const Snapshot& snap, const std::vector<const WorkerCounters*>& workers,
                       const std::vector<MacAddr>* macs = nullptr, const RemoteState* remote = nullptr);

/// Writes `text` to `path` atomically (temporary file + rename). Returns an
/// error message, empty on success.
std::string write_file_atomic(const std::string& path, const std::string& text);

}  // namespace taas::dp
