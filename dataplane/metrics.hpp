#pragma once
// Observability (issue 5): a copy of every counter taken by the control loop
// a few times a second, which the Prometheus exposer and the DPDK telemetry
// commands read from their own threads. The control thread is the only one
// that may read the Runtime's totals (they live with the generations it
// frees), so other threads read this board instead, never the Runtime.
//
// Prometheus names (`taasd_` prefix, `_total` for counters, labels):
//   taasd_port_rx_packets_total{port}            taasd_port_rx_bytes_total{port}
//   taasd_port_tx_packets_total{port}            taasd_port_tx_bytes_total{port}
//   taasd_port_rx_dropped_total{port,reason}     (reason: monitor_port, malformed,
//                                                 vlan_mismatch, hairpin, no_path,
//                                                 nombuf)
//   taasd_port_tx_dropped_total{port}            taasd_port_tx_nombuf_total{port}
//   taasd_port_tx_link_down_total{port}          frames dropped: the port had no link
//   taasd_port_up{port}                          gauge 1/0 (link)
//   taasd_service_mirrored_packets_total{service,service_id}
//   taasd_service_mirrored_bytes_total{service,service_id}
//   taasd_mirror_dropped_total{service,service_id,reason}
//                                                (reason: nombuf, tx_full, no_neighbor,
//                                                 port_down, too_big)
//   taasd_service_up{service,service_id}         gauge 1 ACTIVE, 0 DOWN/ERROR
//   taasd_flow_mirrored_packets_total{flow,flow_id,service}
//   taasd_flow_mirrored_bytes_total{flow,flow_id,service}
//   taasd_deleted_mirrored_packets_total         what deleted flows had counted
//   taasd_worker_busy_cycles_total{worker}       TSC cycles of iterations with frames
//   taasd_worker_idle_cycles_total{worker}       ... without
//   taasd_tsc_hz                                 gauge, to turn cycles into seconds
//   taasd_snapshot_generation                    gauge
//   taasd_swap_duration_seconds                  histogram: change received -> published
//   taasd_neighbor_resolved{port,vlan,ip}        gauge 1/0
//
// The board is at most kRefreshMs old (plus one control-loop pass), so a
// scrape may lag the control socket's `stats` by that much, never lead it.

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/totals.hpp"
#include "taas/snapshot.hpp"

namespace taas::dp {

class Runtime;

/// How often the control loop refreshes the board.
inline constexpr std::uint64_t kRefreshMs = 250;

/// A tap service's or flow's status, as the control socket reports it
/// (control/ops.hpp): DOWN when its port has no link, ERROR when its next
/// hop is unresolved.
enum class Status : std::uint8_t { kActive, kDown, kError };

inline std::string_view status_name(Status s) {
  return s == Status::kActive ? "ACTIVE" : s == Status::kDown ? "DOWN" : "ERROR";
}

/// Snapshot swap durations (change received -> generation published), as a
/// Prometheus histogram: counts per upper bound, not cumulative; the last
/// slot is +Inf. Plain numbers: the control thread observes, the board
/// carries copies.
struct SwapHistogram {
  static constexpr std::array<double, 14> kBounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                  0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5};
  std::array<std::uint64_t, kBounds.size() + 1> counts{};
  std::uint64_t count = 0;
  double sum = 0;

  /// Counts one swap that took `seconds`. Control thread.
  void observe(double seconds) {
    std::size_t b = 0;
    while (b < kBounds.size() && seconds > kBounds[b]) ++b;
    ++counts[b];
    ++count;
    sum += seconds;
  }
};

/// What changes only with the snapshot: names, ids and how entities refer
/// to each other. Built once per generation and shared by the
/// MetricsSnapshots taken under it: copying the strings of 100,000 flows
/// took 12-30 ms here (2 vCPU, -O2), too much for every refresh of the
/// control loop that also answers the socket.
struct MetricsNames {
  struct Service {
    std::string name, id;
    std::string port;   // the port its copies leave on; empty when none
    std::string encap;  // none | erspan2 | erspan3 | vxlan
    std::uint16_t port_index = kNone;
    std::uint16_t neighbor = kNone;  // the next hop it needs, kNone when none
    std::uint32_t flows = 0;
  };
  struct Flow {
    std::string name, id, service, service_id, source_port;
    std::string_view direction;  // IN | OUT | BOTH (static strings)
    std::uint16_t service_index = kNone;
    std::uint16_t source_index = kNone;
  };
  struct Neighbor {
    std::string port;
    std::uint16_t vlan = 0;
    std::string ip;
  };
  std::uint64_t generation = 0;
  std::vector<std::string> ports;
  std::vector<Service> services;
  std::vector<Flow> flows;
  std::vector<Neighbor> neighbors;
};

/// The counters and states of one moment, for the names of one generation.
struct MetricsSnapshot {
  std::uint64_t seq = 0;         // 1, 2, ... per refresh
  std::uint64_t generation = 0;  // == names->generation
  std::uint64_t tsc_hz = 1;
  std::shared_ptr<const MetricsNames> names;  // never null
  std::vector<bool> port_up;                  // indexed like names->ports
  std::vector<Status> service_status;         // ... names->services
  std::vector<Status> flow_status;            // ... names->flows
  std::vector<bool> neighbor_resolved;        // ... names->neighbors
  Totals totals;                              // ports, services, flows as above
  std::vector<std::pair<std::uint64_t, std::uint64_t>> worker_cycles;  // busy, idle
  SwapHistogram swaps;
};

/// Builds the board's next MetricsSnapshot from the running dataplane,
/// reusing `previous`'s names when the generation is the same. Control
/// thread only (it reads the Runtime's totals); `swaps` is copied in.
std::shared_ptr<const MetricsSnapshot> collect_metrics(const Runtime& rt, const SwapHistogram& swaps,
                                                       std::uint64_t seq, const MetricsSnapshot* previous);

/// The latest MetricsSnapshot, shared between the control thread (writer)
/// and the exposer / telemetry threads (readers). A reader keeps the
/// snapshot it got alive for as long as it holds the pointer.
class MetricsBoard {
 public:
  /// Control thread.
  void publish(std::shared_ptr<const MetricsSnapshot> s) {
    std::lock_guard<std::mutex> lock(mu_);
    latest_ = std::move(s);
  }
  /// Any thread; null before the first publish.
  std::shared_ptr<const MetricsSnapshot> latest() const {
    std::lock_guard<std::mutex> lock(mu_);
    return latest_;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const MetricsSnapshot> latest_;
};

}  // namespace taas::dp
