#pragma once
// Shared by the DesiredState tests (state_test.cpp, state_apply_test.cpp):
// a running intent with a port-mode service and two ERSPAN services toward
// one collector, and checks that compare states.

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "control/intent_model.hpp"
#include "control/state.hpp"
#include "tests/unit/control/snapshot_compare.hpp"

namespace taas::ctl::state_fixture {

// Line numbers of kIntent, for errors from apply.
constexpr int kWorkersLine = 3, kVlanLine = 9, kVm2Line = 12, kTsEr2Line = 19, kFlowEr2Line = 23;

// Ports: vm1 0, vm2 1, uplink 2, mon 3, mon2 4. Services: ts_local 0 (port
// mode on mon), ts_er1 1 and ts_er2 2 (ERSPAN toward one collector: default
// sessions 1 and 2). Flows: f_local 0, f_er1 1, f_er2 2.
inline const std::string kIntent = R"(version: 1
dataplane:
  workers: 1
underlay:
  port: uplink
  address: 192.0.2.10/24
  gateway: 192.0.2.1
networks:
  - {name: net-a, vlan: 100}
ports:
  - {name: vm1, device: d-vm1, role: vm, network: net-a}
  - {name: vm2, device: d-vm2, role: vm, network: net-a}
  - {name: uplink, device: d-up, role: uplink}
  - {name: mon, device: d-mon, role: monitor}
  - {name: mon2, device: d-mon2, role: monitor}
tap_services:
  - {name: ts_local, port: mon}
  - {name: ts_er1, remote_ip: 198.51.100.7, encap: erspan3}
  - {name: ts_er2, remote_ip: 198.51.100.7, encap: erspan2}
tap_flows:
  - {name: f_local, source_port: vm1, tap_service: ts_local, direction: BOTH}
  - {name: f_er1, source_port: vm1, tap_service: ts_er1, direction: OUT}
  - {name: f_er2, source_port: vm2, tap_service: ts_er2, direction: IN}
)";

constexpr std::uint16_t kVm1 = 0, kVm2 = 1, kUplink = 2, kMon = 3, kMon2 = 4;

/// The state of `yaml`; throws (gtest reports it) when it is rejected.
inline DesiredState load(const std::string& yaml = kIntent, const std::string& file = "state.yaml") {
  auto state = DesiredState::from_text(yaml, file);
  if (!state.ok()) throw std::runtime_error("rejected: " + state.error().to_string());
  return std::move(state).value();
}

/// `text` with the first `from` replaced by `to`; throws when absent.
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("not in the text: " + from);
  return text.replace(at, from.size(), to);
}

inline void expect_error(const Error& e, int code, const std::string& field, const std::string& file = "",
                         int line = 0) {
  EXPECT_EQ(e.code, code) << e.to_string();
  EXPECT_EQ(e.field, field) << e.to_string();
  EXPECT_EQ(e.file, file) << e.to_string();
  EXPECT_EQ(e.line, line) << e.to_string();
  if (line == 0) {
    EXPECT_EQ(e.column, 0) << e.to_string();
  }
}

/// What a failed change must leave as it was.
struct Before {
  explicit Before(const DesiredState& s)
      : generation(s.snapshot().generation), exported(s.export_yaml()), services(s.snapshot().services.size()),
        flows(s.snapshot().flows.size()) {}
  void expect_same(const DesiredState& s) const {
    EXPECT_EQ(s.snapshot().generation, generation);
    EXPECT_EQ(s.export_yaml(), exported);
    EXPECT_EQ(s.snapshot().services.size(), services);
    EXPECT_EQ(s.snapshot().flows.size(), flows);
  }
  std::uint64_t generation;
  std::string exported;
  std::size_t services, flows;
};


/// Same tables (snapshot_compare.hpp); generation and source are not
/// compared.
inline void expect_same_tables(const Snapshot& a, const Snapshot& b) { expect_same(a, b); }

/// The state's intent, validated and compiled again: what a restart from the
/// pinned intent would run.
inline Snapshot recompiled(const DesiredState& s) {
  auto resolution = validate_intent(s.intent());
  if (!resolution.ok()) throw std::runtime_error("pinned intent rejected: " + resolution.error().to_string());
  return compile_snapshot(s.intent(), resolution.value());
}

inline ServiceCreateArgs service_args(const std::string& name, std::optional<std::string> port) {
  ServiceCreateArgs a;
  a.name = name;
  a.port = std::move(port);
  return a;
}

inline FlowCreateArgs flow_args(const std::string& name, const std::string& source, const std::string& service,
                                Direction direction) {
  FlowCreateArgs a;
  a.name = name;
  a.source_port = source;
  a.tap_service = service;
  a.direction = direction;
  return a;
}

}  // namespace taas::ctl::state_fixture
