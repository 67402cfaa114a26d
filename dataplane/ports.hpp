#pragma once
// Port bring-up and tear-down: snapshot port index -> DPDK port id, queue
// set-up with offloads masked by what the device offers, start, stop, close.

#include <cstdint>
#include <vector>

#include "control/result.hpp"
#include "dataplane/pools.hpp"
#include "taas/snapshot.hpp"

namespace taas::dp {

/// What bring-up learned about a port; decided once, never per packet.
struct PortCaps {
  bool multi_seg_tx = false;  // the PMD advertises RTE_ETH_TX_OFFLOAD_MULTI_SEGS
  MacAddr mac{};              // the port's own address: source of ARP/ND and outer headers
  /// RX queues set up (and to be polled): a vhost-user port gets one per
  /// queue pair its `queues=` devarg allows, since the guest decides which
  /// ones it sends on; a device with RSS gets one per worker (up to what it
  /// offers); every other port gets one.
  std::uint16_t rx_queues = 1;
};

/// Resolves every snapshot port's device (already probed by EAL) to its DPDK
/// port id, in snapshot order. Main thread.
ctl::Result<std::vector<std::uint16_t>> find_ports(const Snapshot& snap);

/// Configures PortCaps::rx_queues RX queues and `tx_queues` TX queues (one per worker) on
/// each port, masks requested offloads with the device's capabilities,
/// enables promiscuous mode where the device has it, and starts the port.
/// On error the ports started so far are stopped again. Main thread.
ctl::Result<std::vector<PortCaps>> start_ports(const Snapshot& snap, const std::vector<std::uint16_t>& ids,
                                               const Pools& pools, std::uint16_t tx_queues);

/// Stops and closes the ports (completes net_pcap files, returns the mbufs
/// held in RX rings). Main thread, after the workers have stopped.
void close_ports(const std::vector<std::uint16_t>& ids) noexcept;

}  // namespace taas::dp
