#pragma once
// The desired state of a running taasd (issue 4): the intent as last applied
// plus every change made through the control socket, and the snapshot it
// compiles to. Every change is transactional: it is made on a copy, parsed,
// validated and compiled whole, and only a change that compiles replaces the
// state; a failed one changes nothing. No DPDK; control thread only.
//
// Identities are stable across changes: after every compile the generated
// UUIDs of ports, services and flows and the assigned ERSPAN session ids are
// pinned into the intent, and references (a flow's source_port and
// tap_service, a service's port) are pinned to UUIDs, so renaming a service
// keeps its flows and deleting one service never renumbers another's
// sessions. `apply` of a file whose ports, services or flows carry no `id`
// gives each the UUID of the running entity of the same name, so applying
// the same file twice changes no identity (and no counter).
//
// What cannot change while taasd runs (ports, networks, underlay, the
// dataplane section) is refused by apply with code 409, naming the first
// field that differs ("changing the ports needs a restart").
//
// Error codes (Error::code): 400 invalid value, 404 unknown name or id,
// 409 a rule of DESIGN.md §2 or a fixed section. Errors about a field of the
// request's own resource name it as "args.<field>" with no file or line;
// errors from apply name the applied file, line and field.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "control/intent_model.hpp"
#include "control/protocol.hpp"
#include "control/result.hpp"
#include "taas/snapshot.hpp"

namespace taas::ctl {

class DesiredState {
 public:
  /// Parses, validates and compiles `yaml_text`; generation 1. `file` labels
  /// errors and is the snapshot's source.
  static Result<DesiredState> from_text(std::string_view yaml_text, const std::string& file);

  const Intent& intent() const noexcept { return intent_; }
  /// The compiled snapshot of intent(); its generation counts the changes.
  const Snapshot& snapshot() const noexcept { return snap_; }

  /// The index in snapshot().services / .flows / .ports of the entity whose
  /// name or UUID (any case) is `ref`; names are matched first. 404 naming
  /// `field` when none.
  Result<std::uint32_t> find_service(std::string_view ref, std::string_view field = "args.ref") const;
  Result<std::uint32_t> find_flow(std::string_view ref, std::string_view field = "args.ref") const;
  Result<std::uint32_t> find_port(std::string_view ref, std::string_view field = "args.ref") const;

  /// Each returns the index of the created or updated entity in the new
  /// snapshot. Created entities are appended (after the existing ones) and
  /// get a new UUID unless the request gives one (409 if it is taken).
  Result<std::uint32_t> create_service(const ServiceCreateArgs& args);
  Result<std::uint32_t> update_service(const UpdateArgs& args);
  /// Deletes the service and every flow that feeds it. Returns the deleted
  /// flows' UUIDs.
  Result<std::vector<std::string>> delete_service(const RefArgs& args);
  Result<std::uint32_t> create_flow(const FlowCreateArgs& args);
  Result<std::uint32_t> update_flow(const UpdateArgs& args);
  Result<std::string> delete_flow(const RefArgs& args);  // the flow's UUID

  /// Replaces the whole state with `yaml_text` (labelled `file`).
  Result<std::uint64_t> apply(std::string_view yaml_text, const std::string& file);

  /// The state as an intent YAML document that apply accepts and that
  /// compiles to the same snapshot (intent_export.hpp).
  std::string export_yaml() const;

 private:
  DesiredState() = default;
  /// Validates and compiles `candidate`; on success it becomes the state
  /// with generation + 1.
  Result<std::uint64_t> commit(Intent candidate);

  Intent intent_;
  Snapshot snap_;
};

}  // namespace taas::ctl
