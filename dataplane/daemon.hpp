#pragma once
// taasd's control loop (issue 4): the desired state, the control socket,
// SIGHUP reloads, the state file, and the RCU reclamation of retired
// snapshot generations, around a running dataplane. Main thread only.
//
// How the intent file and the socket's changes combine:
// - Every change made through the socket (create, update, delete, apply) is
//   written at once to the state file (temporary file + rename): the whole
//   running state as an intent document, headed by a fingerprint of the
//   intent file it grew from.
// - At start, the state file is used instead of the intent file when its
//   fingerprint matches the intent file as it is now: a restart keeps the
//   socket's changes. When the intent file has changed since (or the state
//   file is missing or unreadable), the intent file wins and the state file
//   is rewritten from it.
// - SIGHUP re-reads the intent file and applies it whole, transactionally:
//   it replaces the socket's changes (an invalid file changes nothing and is
//   logged with its file, line and field).
//
// The loop also copies the counters onto the metrics board (metrics.hpp)
// every kRefreshMs: the only place other threads learn them from.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "control/result.hpp"
#include "control/state.hpp"
#include "dataplane/metrics.hpp"
#include "dataplane/runtime.hpp"

namespace taas::dp {

struct DaemonOptions {
  std::string intent_file;   // empty: the built-in demo intent
  std::string intent_text;   // the intent file's text as read at start
  std::string socket_path;   // empty: no control socket
  std::string socket_group;  // empty: taasd's group
  /// Control-socket requests per second per peer process (as many at once);
  /// 0: no limit (control/peer_rate.hpp).
  std::uint32_t control_rate = 1000;
  std::string state_file;    // empty: changes are not persisted
  /// The Neutron TaaS API (control/neutron_api.hpp): "ADDRESS:PORT" to
  /// listen on, empty: off. Its changes are published and persisted like
  /// the socket's.
  std::string neutron_address;
  /// X-Auth-Token every API request must carry; empty: none (main allows
  /// that only on a loopback address).
  std::string neutron_token;
  std::uint64_t exit_idle_ms = 0;
  /// Refreshed with the counters every kRefreshMs (and each swap observed
  /// into its histogram) for the metrics readers; null: none.
  std::shared_ptr<MetricsBoard> board;
};

/// The state taasd starts with: the state file when it belongs to the
/// intent text (see above), else the intent. `used_state` tells which.
ctl::Result<ctl::DesiredState> initial_state(const DaemonOptions& options, bool& used_state);

/// Writes the state file for `state` (no-op without one). Returns an error
/// message, empty on success.
std::string save_state(const DaemonOptions& options, const ctl::DesiredState& state);

/// Runs the control loop until `stop` is set or every port has been idle
/// for exit_idle_ms; `hup` is cleared each time a reload is done. Returns
/// false when the control socket or the Neutron API listener could not be
/// opened (nothing ran).
/// A reload updates options.intent_text.
bool run_control(Runtime& rt, ctl::DesiredState& state, DaemonOptions& options,
                 const std::atomic<bool>& stop, std::atomic<bool>& hup);

}  // namespace taas::dp
