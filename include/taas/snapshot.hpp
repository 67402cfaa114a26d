#pragma once
// The compiled, immutable snapshot: everything a worker reads, built by the
// control plane from the intent. No DPDK headers here (STYLE.md rule 2).
//
// Ports, networks, services and flows are addressed by their index in the
// snapshot (a port's index is its position in the intent's `ports` list);
// the dataplane maps a port index to a DPDK port id at bring-up. Workers
// never touch the strings: those are for counters, logs and the stats file.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace taas {

enum class PortRole : std::uint8_t { kVm, kUplink, kMonitor };

/// VM-centric direction (DESIGN.md §2): OUT = frames the VM sends,
/// IN = frames delivered to the VM.
enum class Direction : std::uint8_t { kIn = 1, kOut = 2, kBoth = 3 };

inline constexpr std::uint16_t kNone = 0xffff;
inline constexpr std::uint16_t kMaxVlan = 4095;

struct PortEntry {
  std::string name;
  std::string uuid;    // Neutron port UUID; generated when the intent has none
  std::string device;  // PCI address or vdev devargs, passed to EAL
  PortRole role = PortRole::kVm;
  std::uint16_t network = kNone;  // index into Snapshot::networks (VM ports)
  bool service_port = false;      // a tap service destination: RX is dropped
};

struct NetworkEntry {
  std::string name;
  std::uint16_t vlan = 0;                // tag on the uplink trunk, 1..4094
  std::vector<std::uint16_t> vm_ports;   // member VM ports, in intent order
};

struct ServiceEntry {
  std::string name;
  std::string uuid;
  std::string description;
  std::uint16_t port = kNone;  // destination port index (port mode)
};

struct FlowEntry {
  std::string name;
  std::string uuid;
  std::string description;
  std::uint16_t source_port = kNone;
  std::uint16_t service = kNone;
  Direction direction = Direction::kBoth;
  std::string vlan_filter;  // as written; already applied by the compiler
};

/// One copy to make: which service it feeds, which flow selected it, and the
/// port the copy leaves on.
struct MirrorTarget {
  std::uint16_t service = kNone;
  std::uint16_t flow = kNone;
  std::uint16_t port = kNone;
};

/// Dataplane parameters from the intent's `dataplane` section.
struct DataplaneParams {
  std::uint32_t workers = 1;
  std::vector<std::string> eal_args;   // extra EAL arguments from the intent
  std::uint32_t mac_age_seconds = 300; // learned MACs expire after this
  std::uint32_t mac_table_size = 65536;
  std::uint32_t burst = 32;
  std::uint32_t rx_queue_size = 1024;
  std::uint32_t tx_queue_size = 1024;
  std::uint32_t pool_size = 16383;       // production mbufs
  std::uint32_t mirror_pool_size = 8191; // linear mirror copies
  std::uint32_t clone_pool_size = 8191;  // indirect (clone) mbufs
  /// Frames shorter than this are mirrored by linear copy, longer ones by
  /// zero-copy clone. 0 = always clone where the frame allows it.
  std::uint32_t copy_below_bytes = 0;
};

struct Snapshot {
  std::uint64_t generation = 0;
  std::string source;  // file the intent came from, for messages
  DataplaneParams params;
  std::vector<PortEntry> ports;
  std::vector<NetworkEntry> networks;
  /// uplink 802.1Q VID -> network index, kNone where no network uses it.
  std::array<std::uint16_t, kMaxVlan + 1> vlan_to_network{};
  std::uint16_t uplink = kNone;  // index of the uplink port, if any
  std::vector<ServiceEntry> services;
  std::vector<FlowEntry> flows;
  /// Per port index: copies of frames the VM sends (VM-centric OUT).
  std::vector<std::vector<MirrorTarget>> mirror_out;
  /// Per port index: copies of frames delivered to the VM (VM-centric IN).
  std::vector<std::vector<MirrorTarget>> mirror_in;
};

}  // namespace taas
