#pragma once
// The --stats-out file (DESIGN.md §9): counters summed over workers, keyed
// by port, service and flow name. No DPDK; any thread may call it.

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/remote_state.hpp"
#include "dataplane/totals.hpp"
#include "taas/counters.hpp"
#include "taas/snapshot.hpp"

namespace taas::dp {

/// One mempool's occupancy: its size and the mbufs in it (including the
/// per-lcore caches), so size - available are out (in queues, in flight).
struct PoolCount {
  std::string name;  // production, mirror, clone
  std::uint64_t size = 0;
  std::uint64_t available = 0;
};

/// JSON text of `totals` (indexed like `snap`), for `snap`'s names. With
/// `macs` and `remote` as below. A "deleted" object sums what deleted
/// services and flows counted, once that is not zero. With `pools`, a
/// "pools" object: each pool's size, available and in_use mbufs.
std::string stats_json(const Snapshot& snap, const Totals& totals, const std::vector<MacAddr>* macs,
                       const RemoteState* remote, const std::vector<PoolCount>* pools = nullptr);

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
