#pragma once
// The parsed intent (DESIGN.md §9) with the source position of every field,
// and the three passes that turn YAML text into a Snapshot:
//
//   parse_intent      YAML -> Intent: syntax, types, ranges, unknown keys
//   validate_intent   Intent -> Resolution: uniqueness, references, roles,
//                     conflicts, supported modes (DESIGN.md §2 rules)
//   compile_snapshot  Intent + Resolution -> Snapshot: cannot fail
//
// Internal to taas_control; control thread only.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "control/result.hpp"
#include "control/vlan_filter.hpp"
#include "control/yaml_reader.hpp"
#include "taas/snapshot.hpp"

namespace taas::ctl {

enum class ErspanGranularity : std::uint8_t { k100us, k100ns };

struct NetworkIntent {
  Mark mark;  // of the list element
  Field<std::string> name;
  Field<std::uint32_t> vlan;
};

struct PortIntent {
  Mark mark;
  Field<std::string> name;
  Field<std::string> id;  // normalized (lowercase) UUID when present
  Field<std::string> device;
  Field<PortRole> role;
  Field<std::string> network;
};

/// Where remote copies leave (DESIGN.md §5).
struct UnderlayIntent {
  bool present = false;
  Mark mark;
  Field<std::string> port;
  Field<std::string> address;   // IPv4 CIDR
  Field<std::string> address6;  // IPv6 CIDR
  Field<std::string> gateway;
  Field<std::string> gateway6;
  Field<std::string> next_hop_mac;
  Field<std::uint32_t> ttl;
  Field<std::uint32_t> dscp;
  Field<std::uint32_t> mtu;
  Field<std::uint32_t> vlan;
  Field<std::uint32_t> neighbor_refresh;  // seconds
};

struct ErspanIntent {
  bool present = false;
  Mark mark;
  Field<std::uint32_t> index;
  Field<std::uint32_t> hwid;
  Field<ErspanGranularity> granularity;
  Field<bool> platform_subheader;
  Field<std::uint32_t> platform_id;  // 3 or 7
};

struct ServiceIntent {
  Mark mark;
  Field<std::string> id;
  Field<std::string> name;
  Field<std::string> description;
  Field<std::string> port;
  Field<std::string> remote_ip;
  Field<std::string> remote_mac;  // internal mode: outer destination MAC
  Field<Encap> encap;  // kNone when absent
  Field<std::uint32_t> vni;
  Field<std::uint32_t> udp_port;
  ErspanIntent erspan;
};

struct FlowIntent {
  Mark mark;
  Field<std::string> id;
  Field<std::string> name;
  Field<std::string> description;
  Field<std::string> source_port;
  Field<std::string> tap_service;
  Field<Direction> direction;
  Field<std::uint32_t> erspan_session_id;
  Field<std::string> vlan_filter;  // as written
  VlanSet vlans;                   // parsed filter; all set when absent
};

struct Intent {
  std::string file;
  DataplaneParams params;
  UnderlayIntent underlay;
  std::vector<NetworkIntent> networks;
  std::vector<PortIntent> ports;
  std::vector<ServiceIntent> services;
  std::vector<FlowIntent> flows;
};

/// Indexes the references in an Intent resolve to.
struct Resolution {
  std::vector<std::uint16_t> port_network;  // per port; kNone unless vm
  std::vector<std::uint16_t> service_port;  // per service
  std::vector<std::uint16_t> flow_source;   // per flow
  std::vector<std::uint16_t> flow_service;  // per flow
  std::vector<std::uint16_t> flow_session;  // per flow: ERSPAN session id, kNone if not erspan
  std::uint16_t uplink = kNone;
  std::uint16_t underlay_port = kNone;
};

/// Parses the YAML text. `file` labels errors.
Result<Intent> parse_intent(std::string_view yaml_text, const std::string& file);

/// Checks the cross-references and rules of DESIGN.md §2 and resolves names
/// and UUIDs to indexes.
Result<Resolution> validate_intent(const Intent& intent);

/// The remote modes (DESIGN.md §2, §5): the underlay, external and internal
/// services, ERSPAN session ids (given ones checked, missing ones assigned
/// into resolution.flow_session). Runs after the checks of validate_intent;
/// false with the error in `reader`.
bool validate_remote(const Intent& intent, Reader& reader, Resolution& resolution);

/// Builds the snapshot (generation 1, source = intent.file). Generates the
/// UUIDs the intent leaves out.
Snapshot compile_snapshot(const Intent& intent, const Resolution& resolution);

/// Fills the remote-mirroring parts of a snapshot whose ports, services,
/// flows and mirror targets are compiled: the underlay, next hops, local
/// addresses, outer-header templates and ERSPAN sessions, and points each
/// remote target at its template and exit port. Cannot fail.
void compile_remote(const Intent& intent, const Resolution& resolution, Snapshot& snap);

/// A `dataplane` integer parameter: its key, accepted range and member.
struct DataplaneParam {
  std::string_view key;
  std::uint32_t lo;
  std::uint32_t hi;
  std::uint32_t DataplaneParams::*member;
};

/// Every integer parameter of the `dataplane` section, `workers` first
/// (parser, export and apply's fixed-section check share it).
inline constexpr DataplaneParam kDataplaneParams[] = {
    {"workers", 1, 64, &DataplaneParams::workers},
    {"mac_age_seconds", 1, 86400, &DataplaneParams::mac_age_seconds},
    {"mac_table_size", 64, 1u << 24, &DataplaneParams::mac_table_size},
    {"burst", 1, 512, &DataplaneParams::burst},
    {"rx_queue_size", 64, 32768, &DataplaneParams::rx_queue_size},
    {"tx_queue_size", 64, 32768, &DataplaneParams::tx_queue_size},
    {"pool_size", 256, (1u << 24) - 1, &DataplaneParams::pool_size},
    {"mirror_pool_size", 64, (1u << 24) - 1, &DataplaneParams::mirror_pool_size},
    {"clone_pool_size", 64, (1u << 24) - 1, &DataplaneParams::clone_pool_size},
    {"copy_below_bytes", 0, 65535, &DataplaneParams::copy_below_bytes},
};

/// "IN", "OUT" or "BOTH".
std::string_view direction_name(Direction direction) noexcept;

/// "none", "erspan2", "erspan3" or "vxlan".
std::string_view encap_name(Encap encap) noexcept;

/// "vm", "uplink" or "monitor".
std::string_view role_name(PortRole role) noexcept;

}  // namespace taas::ctl
