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
//                                                 vlan_mismatch, hairpin, no_path)
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

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dataplane/totals.hpp"
#include "taas/snapshot.hpp"

namespace taas::dp {

struct MetricsSnapshot {
  std::uint64_t generation = 0;
  std::uint64_t tsc_hz = 1;
  std::vector<std::string> port_names;
  std::vector<bool> port_up;
  Totals totals;  // indexed like the names below
  std::vector<std::string> service_names, service_ids;
  std::vector<bool> service_up;
  std::vector<std::string> flow_names, flow_ids, flow_services;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> worker_cycles;  // busy, idle
  struct Neighbor {
    std::string port;
    std::uint16_t vlan = 0;
    std::string ip;
    bool resolved = false;
  };
  std::vector<Neighbor> neighbors;
  std::string stats_json;  // the --stats-out document of the same moment
};

/// The latest MetricsSnapshot, shared between the control thread (writer)
/// and the exposer / telemetry threads (readers).
class MetricsBoard {
 public:
  void publish(std::shared_ptr<const MetricsSnapshot> s) {
    std::lock_guard<std::mutex> lock(mu_);
    latest_ = std::move(s);
  }
  std::shared_ptr<const MetricsSnapshot> latest() const {
    std::lock_guard<std::mutex> lock(mu_);
    return latest_;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const MetricsSnapshot> latest_;
};

}  // namespace taas::dp
