#pragma once
// The compiled, immutable snapshot: everything a worker reads, built by the
// control plane from the intent. No DPDK headers here (STYLE.md rule 2).
//
// Ports, networks, services and flows are addressed by their index in the
// snapshot (a port's index is its position in the intent's `ports` list);
// the dataplane maps a port index to a DPDK port id at bring-up. Workers
// never touch the strings: those are for counters, logs and the stats file.

#include <array>
#include <bitset>
#include <cstdint>
#include <string>
#include <vector>

#include "taas/encap.hpp"

namespace taas {

enum class PortRole : std::uint8_t { kVm, kUplink, kMonitor };

/// VM-centric direction (DESIGN.md §2): OUT = frames the VM sends,
/// IN = frames delivered to the VM.
enum class Direction : std::uint8_t { kIn = 1, kOut = 2, kBoth = 3 };

inline constexpr std::uint16_t kNone = 0xffff;
/// "None" for the 32-bit indexes (flows and encapsulations may exceed 65,535).
inline constexpr std::uint32_t kNoIndex = 0xffffffffu;
inline constexpr std::uint16_t kMaxVlan = 4095;

/// A set of 802.1Q VLAN ids (a tap flow's vlan_filter).
using VlanBits = std::bitset<kMaxVlan + 1>;

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
  /// Port the copies leave on: the monitor port (port and internal mode) or
  /// the underlay port (external mode).
  std::uint16_t port = kNone;
  Encap encap = Encap::kNone;
  std::string remote_ip;  // as written; empty in port mode
  std::uint32_t vni = 0;  // vxlan
};

struct FlowEntry {
  std::string name;
  std::string uuid;
  std::string description;
  std::uint16_t source_port = kNone;
  std::uint16_t service = kNone;
  Direction direction = Direction::kBoth;
  std::string vlan_filter;  // as written; applied per frame (MirrorTarget::filter)
  /// ERSPAN session id (given or assigned, 0..1023); kNone unless the
  /// service is erspan2 / erspan3.
  std::uint16_t erspan_session_id = kNone;
};

/// One copy to make: which service it feeds, which flow selected it, and the
/// port the copy leaves on.
struct MirrorTarget {
  std::uint16_t service = kNone;
  std::uint16_t port = kNone;
  std::uint32_t flow = kNoIndex;
  std::uint32_t encap = kNoIndex;  // index into Snapshot::encaps; kNoIndex = as is
  /// Index into Snapshot::vlan_filters: only frames whose VLAN is in the set
  /// are copied (the frame's own 802.1Q tag, else its network's VLAN).
  /// kNone: every frame.
  std::uint16_t filter = kNone;
};

using MacAddr = std::array<std::uint8_t, 6>;
using IpAddr = std::array<std::uint8_t, 16>;  // IPv4 in the first 4 bytes

/// The `underlay` section (DESIGN.md §5): where remote copies leave.
struct UnderlayEntry {
  bool present = false;
  std::uint16_t port = kNone;  // the physnet port (the uplink)
  std::uint16_t vlan = 0;      // 802.1Q VID of underlay frames; 0 untagged
  bool has_v4 = false, has_v6 = false;
  IpAddr address{}, address6{};
  std::uint8_t prefix = 0, prefix6 = 0;
  std::uint32_t mtu = 1500;  // IP MTU
  /// A resolved next hop is refreshed (re-requested) once it is this old and
  /// forgotten (copies dropped as no_neighbor) at twice this age.
  std::uint32_t neighbor_refresh_ms = 30000;
};

/// One next hop to resolve by ARP (IPv4) or neighbour discovery (IPv6) on a
/// port. The worker that polls `port` owns the resolution; every worker
/// reads the result.
struct NeighborEntry {
  std::uint16_t port = kNone;
  std::uint16_t vlan = 0;  // tag of the ARP/ND frames; 0 untagged
  bool ipv6 = false;
  IpAddr ip{};      // whose MAC is wanted
  IpAddr src_ip{};  // our address: ARP sender / NS source
  bool has_static_mac = false;  // underlay.next_hop_mac: never resolved
  MacAddr static_mac{};
};

/// An address taasd owns on a port: it answers ARP requests and neighbour
/// solicitations for it there.
struct LocalAddress {
  std::uint16_t port = kNone;
  std::uint16_t vlan = 0;
  bool ipv6 = false;
  IpAddr ip{};
};

/// How one mirror target's copies are encapsulated. The template's MACs are
/// zero: the worker writes the port's MAC and the neighbour's.
struct EncapEntry {
  EncapTemplate tmpl;
  std::uint16_t neighbor = kNone;  // index into Snapshot::neighbors
  std::uint16_t sequence = kNone;  // index of the GRE sequence counter (ERSPAN session)
  /// Largest inner frame (no FCS) whose outer IP packet fits the underlay
  /// MTU. Longer frames are truncated with T=1 (ERSPAN) or dropped and
  /// counted as too_big (VXLAN).
  std::uint32_t max_inner = 0;
  bool truncate = false;
  bool direction_in = false;  // ERSPAN III D bit: copies of frames delivered to the VM
  bool gra_100ns = false;     // ERSPAN III timestamp unit: 100 ns, else 100 µs
};

/// An ERSPAN session: one GRE sequence space, shared by every worker.
struct SessionEntry {
  std::uint16_t service = kNone;
  std::uint16_t session_id = 0;
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
  /// The distinct vlan_filters of the flows (MirrorTarget::filter).
  std::vector<VlanBits> vlan_filters;

  UnderlayEntry underlay;
  std::vector<NeighborEntry> neighbors;
  std::vector<LocalAddress> local_addresses;
  std::vector<EncapEntry> encaps;
  std::vector<SessionEntry> sessions;
};

}  // namespace taas
