#pragma once
// Counters summed into plain numbers for reports (stats file, control
// socket): per port, per service and flow of one snapshot, and what deleted
// services and flows had counted. No DPDK; control thread.

#include <array>
#include <cstdint>
#include <vector>

#include "taas/counters.hpp"

namespace taas::dp {

/// Plain sums of counters (no atomics), for reports.
struct PortTotals {
  std::uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0, rx_dropped = 0, tx_dropped = 0,
                tx_nombuf = 0, tx_link_down = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(RxDropReason::kCount)> rx_dropped_by{};
};
struct ServiceTotals {
  std::uint64_t packets = 0, bytes = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(DropReason::kCount)> dropped{};
};
struct FlowTotals {
  std::uint64_t packets = 0, bytes = 0;
};

/// Counters since start, indexed like one snapshot (the current one), plus
/// what services and flows that no longer exist had counted.
struct Totals {
  std::vector<PortTotals> port;
  std::vector<ServiceTotals> service;
  std::vector<FlowTotals> flow;
  ServiceTotals deleted_services;
  FlowTotals deleted_flows;
};


inline void add(PortTotals& t, const PortCounters& c) {
  t.rx_packets += c.rx_packets.get();
  t.rx_bytes += c.rx_bytes.get();
  t.tx_packets += c.tx_packets.get();
  t.tx_bytes += c.tx_bytes.get();
  t.rx_dropped += c.rx_dropped.get();
  t.tx_dropped += c.tx_dropped.get();
  t.tx_nombuf += c.tx_nombuf.get();
  t.tx_link_down += c.tx_link_down.get();
  for (std::size_t r = 0; r < t.rx_dropped_by.size(); ++r) t.rx_dropped_by[r] += c.rx_dropped_by[r].get();
}

inline void add(ServiceTotals& t, const ServiceCounters& c) {
  t.packets += c.packets.get();
  t.bytes += c.bytes.get();
  for (std::size_t r = 0; r < t.dropped.size(); ++r) t.dropped[r] += c.dropped[r].get();
}

inline void add(ServiceTotals& t, const ServiceTotals& c) {
  t.packets += c.packets;
  t.bytes += c.bytes;
  for (std::size_t r = 0; r < t.dropped.size(); ++r) t.dropped[r] += c.dropped[r];
}

inline void add(FlowTotals& t, const FlowCounters& c) {
  t.packets += c.packets.get();
  t.bytes += c.bytes.get();
}

inline void add(FlowTotals& t, const FlowTotals& c) {
  t.packets += c.packets;
  t.bytes += c.bytes;
}

/// Adds `c` (one worker's counters, indexed like the snapshot `t` is) to `t`.
inline void add_counters(Totals& t, const WorkerCounters& c) {
  for (std::size_t i = 0; i < t.port.size() && i < c.port.size(); ++i) add(t.port[i], c.port[i]);
  for (std::size_t i = 0; i < t.service.size() && i < c.service.size(); ++i) add(t.service[i], c.service[i]);
  for (std::size_t i = 0; i < t.flow.size() && i < c.flow.size(); ++i) add(t.flow[i], c.flow[i]);
}

}  // namespace taas::dp
