#pragma once
// DPDK telemetry commands (issue 5), answered from the MetricsBoard on
// DPDK's telemetry threads (one per client), never from the Runtime. Query
// them with `dpdk-telemetry.py -f <file-prefix>` (socket
// /var/run/dpdk/<prefix>/dpdk_telemetry.v2):
//
//   /taasd/services            the tap services as columns: {"generation",
//                              "count", "shown", "name": [...], "id", "status",
//                              "port", "encap", "flows", "mirrored_packets",
//                              "mirrored_bytes", "dropped"} (one entry per
//                              service in intent order)
//   /taasd/services,NAME|ID    one service: the same keys as scalars, and
//                              "dropped" as {reason: count}
//   /taasd/flows               the tap flows as columns: {"generation", "count",
//                              "shown", "name", "id", "tap_service",
//                              "tap_service_id", "source_port", "direction",
//                              "status", "mirrored_packets", "mirrored_bytes"}
//   /taasd/flows,NAME|ID       one flow
//   /taasd/stats               {"generation", "tsc_hz", "count", "shown",
//                              "port": [...], "up", "rx_packets", "rx_bytes",
//                              "tx_packets", "tx_bytes", "rx_dropped",
//                              "tx_dropped", "tx_nombuf", "tx_link_down",
//                              "worker_busy_cycles", "worker_idle_cycles",
//                              "deleted_mirrored_packets", "deleted_mirrored_bytes",
//                              "swaps", "swap_us_sum", "neighbor_ip",
//                              "neighbor_resolved"}
//   /taasd/stats,PORT          one port's counters, "rx_dropped_by" as
//                              {reason: count}
//
// An unknown NAME, ID or PORT answers null. DPDK 22.11 caps a reply at
// 16 KB and an array at 512 entries and nests one level only: the column
// lists hold the first "shown" of "count" rows that fit; ask for the
// others by name.

#include <memory>

#include "dataplane/metrics.hpp"

namespace taas::dp {

/// Registers the /taasd/ commands to answer from `board`. Telemetry commands
/// cannot be unregistered and their threads outlive main, so `board` is kept
/// alive until the process ends. Main thread; a second call only replaces
/// the board. Returns false when DPDK refused a command.
bool register_telemetry(std::shared_ptr<const MetricsBoard> board);

}  // namespace taas::dp
