#pragma once
// Counter layout shared by the workers (single writer each) and the readers
// (stats file, later metrics). Each worker owns one WorkerCounters; readers
// sum across workers. A counter is a relaxed atomic that its one writer bumps
// with a plain load + store (no locked instruction on the fast path), so a
// reader on another thread sees a torn-free, possibly slightly old value.

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

namespace taas {

class Counter {
 public:
  /// Worker thread (the single writer) only.
  void add(std::uint64_t n = 1) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  /// Any thread.
  std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

/// Why a mirror copy was not delivered (DESIGN.md §9 stats file keys).
/// too_big: a VXLAN copy whose outer packet would exceed the underlay MTU
/// (VXLAN has no truncation flag; ERSPAN copies are truncated instead).
enum class DropReason : std::uint8_t { kNombuf, kTxFull, kNoNeighbor, kPortDown, kTooBig, kCount };

inline constexpr std::array<std::string_view, static_cast<std::size_t>(DropReason::kCount)>
    kDropReasonNames{"nombuf", "tx_full", "no_neighbor", "port_down", "too_big"};

/// Why a production frame was not forwarded (port rx_dropped, by reason).
enum class RxDropReason : std::uint8_t {
  kMonitorPort,  // received on a tap service port: reserved for mirroring
  kMalformed,    // shorter than an Ethernet header
  kVlanMismatch, // tagged on an access port, or an unknown VLAN on the trunk
  kHairpin,      // destination learned on the port it came from
  kNoPath,       // no other port in the network
  kNombuf,       // a shared frame from the trunk needed a private copy to
                 // pop its tag, and the production pool had none
  kCount
};

inline constexpr std::array<std::string_view, static_cast<std::size_t>(RxDropReason::kCount)>
    kRxDropReasonNames{"monitor_port", "malformed", "vlan_mismatch", "hairpin", "no_path", "nombuf"};

struct alignas(64) PortCounters {
  Counter rx_packets, rx_bytes, tx_packets, tx_bytes;
  Counter rx_dropped, tx_dropped;
  std::array<Counter, static_cast<std::size_t>(RxDropReason::kCount)> rx_dropped_by;
  Counter tx_nombuf;  // a flood copy could not be allocated
  Counter tx_link_down;  // production frames dropped because the port had no link (also in tx_dropped)
};

struct alignas(64) ServiceCounters {
  Counter packets, bytes;
  std::array<Counter, static_cast<std::size_t>(DropReason::kCount)> dropped;
};

/// Not cache-line aligned: a generation holds one per flow per worker (up
/// to 100,000s), and each worker's block is its own allocation.
struct FlowCounters {
  Counter packets, bytes;
};

/// One worker's counters, indexed like the snapshot's tables.
struct WorkerCounters {
  WorkerCounters(std::size_t ports, std::size_t services, std::size_t flows)
      : port(ports), service(services), flow(flows) {}
  std::vector<PortCounters> port;
  std::vector<ServiceCounters> service;
  std::vector<FlowCounters> flow;
};

}  // namespace taas
