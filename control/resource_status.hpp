#pragma once
// Statuses of tap services and tap flows as the control socket (ops.hpp)
// and the Neutron API (neutron_api.hpp) report them: a service is DOWN when
// the port its copies leave on has no link, ERROR when it mirrors remotely
// and its next hop is unresolved, else ACTIVE; a flow is DOWN when its
// source port has no link, else its service's status. Control thread only.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "control/ops.hpp"
#include "taas/snapshot.hpp"

namespace taas::ctl {

/// Per service of `snap`: the next hop its copies need (kNone when none or
/// not remote).
std::vector<std::uint16_t> service_neighbors(const Snapshot& snap);

/// True for an external-mode service: encapsulated copies leaving on the
/// uplink (no local destination port).
bool external_service(const Snapshot& snap, const ServiceEntry& service);

/// "ACTIVE", "DOWN" or "ERROR" for service `i`; `neighbors` from
/// service_neighbors(snap).
std::string_view service_status(const Snapshot& snap, const OpsHooks& hooks, std::size_t i,
                                const std::vector<std::uint16_t>& neighbors);

/// "ACTIVE", "DOWN" or "ERROR" for flow `i`.
std::string_view flow_status(const Snapshot& snap, const OpsHooks& hooks, std::size_t i,
                             const std::vector<std::uint16_t>& neighbors);

}  // namespace taas::ctl
