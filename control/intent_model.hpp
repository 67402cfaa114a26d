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

enum class Encap : std::uint8_t { kNone, kErspan2, kErspan3, kVxlan };
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

/// Accepted and checked, not used yet (remote mirroring comes later).
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
};

struct ErspanIntent {
  bool present = false;
  Mark mark;
  Field<std::uint32_t> index;
  Field<std::uint32_t> hwid;
  Field<ErspanGranularity> granularity;
  Field<bool> platform_subheader;
};

struct ServiceIntent {
  Mark mark;
  Field<std::string> id;
  Field<std::string> name;
  Field<std::string> description;
  Field<std::string> port;
  Field<std::string> remote_ip;
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
  std::uint16_t uplink = kNone;
};

/// Parses the YAML text. `file` labels errors.
Result<Intent> parse_intent(std::string_view yaml_text, const std::string& file);

/// Checks the cross-references and rules of DESIGN.md §2 and resolves names
/// and UUIDs to indexes.
Result<Resolution> validate_intent(const Intent& intent);

/// Builds the snapshot (generation 1, source = intent.file). Generates the
/// UUIDs the intent leaves out.
Snapshot compile_snapshot(const Intent& intent, const Resolution& resolution);

/// "IN", "OUT" or "BOTH".
std::string_view direction_name(Direction direction) noexcept;

/// "vm", "uplink" or "monitor".
std::string_view role_name(PortRole role) noexcept;

}  // namespace taas::ctl
