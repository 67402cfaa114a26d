#pragma once
// The EAL command line taasd passes to rte_eal_init: the ports' devices plus
// sensible defaults for whatever the operator did not say. Pure logic, no
// DPDK, so it is unit-tested on its own.

#include <cstdint>
#include <string>
#include <vector>

#include "taas/snapshot.hpp"

namespace taas::ctl {

/// What the defaults depend on, read from the host (or made up by a test).
struct HostFacts {
  std::uint64_t free_hugepages = 0;  // HugePages_Free from /proc/meminfo
  std::vector<int> cpus;             // CPUs this process may run on
  int pid = 0;
};

/// Reads /proc/meminfo and the CPU affinity mask. Control thread.
HostFacts read_host_facts();

/// True for a PCI address ("0000:3b:00.0" or "3b:00.0", devargs allowed).
bool is_pci_device(const std::string& device);

/// DPDK's name for the device of a port: the PCI address in its full form,
/// or the vdev name before the first comma ("net_pcap0").
std::string device_name(const std::string& device);

/// argv for rte_eal_init (argv[0] = "taasd"): every port's device as
/// `--vdev` / `-a`, the intent's `dataplane.eal`, then `extra` (the command
/// line after `--`), then defaults for what none of them set: `--no-huge -m
/// 512` when the host has no free hugepages, `--no-pci` when no PCI device is
/// named, a unique `--file-prefix`, one lcore per worker plus the main one,
/// and DPDK's log level from `log_level` (error|warning|info|debug).
std::vector<std::string> build_eal_args(const Snapshot& snap, const std::vector<std::string>& extra,
                                        const HostFacts& host, const std::string& log_level);

}  // namespace taas::ctl
