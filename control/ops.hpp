#pragma once
// The control socket's operations (DESIGN.md §6, issue 4): one request line
// in, one reply line out, against the desired state and the running
// dataplane. No sockets and no DPDK here: the dataplane is reached through
// OpsHooks. Control thread only.
//
// Results (the "result" member of an ok reply):
//
//   tap service  {"id", "name", "description", "port" (name or null),
//                 "port_id" (UUID or null), "mode" ("port"|"external"|
//                 "internal"), "encap" ("none"|"erspan2"|"erspan3"|"vxlan"),
//                 "remote_ip" (or null), "vni" (vxlan, else null),
//                 "status" ("ACTIVE"|"DOWN"|"ERROR"), "flows" (count)}
//   tap flow     {"id", "name", "description", "source_port" (name),
//                 "source_port_id", "tap_service" (name), "tap_service_id",
//                 "direction" ("IN"|"OUT"|"BOTH"), "vlan_filter" (or null),
//                 "erspan_session_id" (or null), "status"}
//   port         {"id", "name", "role" ("vm"|"uplink"|"monitor"),
//                 "device", "network" (or null), "mac", "status"
//                 ("ACTIVE"|"DOWN"), "service_port" (bool)}
//
//   tap_service.create/show/update   a tap service
//   tap_service.list                 [tap service, ...] in intent order
//   tap_service.delete               {"id", "deleted_flows": [flow UUIDs]}
//   tap_flow.create/show/update      a tap flow
//   tap_flow.list                    [tap flow, ...]
//   tap_flow.delete                  {"id"}
//   port.list / port.show            [port, ...] / a port
//   apply                            {"generation", "tap_services", "tap_flows"}
//   export                           {"intent": YAML text that apply accepts}
//   stats                            the --stats-out object (DESIGN.md §9)
//   health                           {"generation", "workers", "workers_alive",
//                                     "uptime_seconds", "intent_file",
//                                     "state_file", "last_swap"}
//
//   last_swap: null before the first change, else {"generation",
//   "apply_us": request received -> new generation published (validation,
//   compilation, publication), "first_mirror_us": published -> the first
//   mirror copy a worker sent under it (null until one was)}.
//
// Status: a service is DOWN when the port its copies leave on has no link,
// ERROR when it mirrors remotely and its next hop is unresolved, else
// ACTIVE. A flow is DOWN when its source port has no link, else its
// service's status.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "control/result.hpp"
#include "taas/snapshot.hpp"

namespace taas::ctl {

class DesiredState;

/// Timing of the latest snapshot swap (health's "last_swap").
struct SwapTiming {
  std::uint64_t generation = 0;
  double apply_us = 0;
  std::optional<double> first_mirror_us;
};

/// What the operations need from the running dataplane.
class OpsHooks {
 public:
  virtual ~OpsHooks() = default;
  /// Publishes a new snapshot (its generation already set). An Error (code
  /// 500) leaves the running generation in place; the caller then restores
  /// the previous desired state.
  virtual Result<std::uint64_t> publish(const Snapshot& snap) = 0;
  /// Link state of snapshot port `port`.
  virtual bool port_up(std::uint16_t port) const = 0;
  /// Whether next hop `neighbor` (Snapshot::neighbors index) is resolved.
  virtual bool neighbor_resolved(std::uint16_t neighbor) const = 0;
  /// The MAC of snapshot port `port`, "aa:bb:cc:dd:ee:ff".
  virtual std::string port_mac(std::uint16_t port) const = 0;
  /// The counters as the --stats-out JSON text.
  virtual std::string stats_json() const = 0;
  virtual std::uint32_t workers() const = 0;
  virtual std::uint32_t workers_alive() const = 0;
  virtual std::uint64_t uptime_seconds() const = 0;
  /// The latest swap made by a change, if any.
  virtual std::optional<SwapTiming> last_swap() const = 0;
  /// Called after every successful change (create, update, delete, apply):
  /// persists the state. A failure is logged by the hook, not reported.
  virtual void changed(const DesiredState& state) = 0;
};

/// Handles one request line (without '\n'); returns the reply line (without
/// '\n'). Never throws on peer input.
std::string handle_request(std::string_view line, DesiredState& state, OpsHooks& hooks,
                           const std::string& intent_file, const std::string& state_file);

}  // namespace taas::ctl
