#pragma once
// Shared by the snapshot-swap tests (swap_test.cpp: what a swap changes and
// keeps; swap_load_test.cpp: swaps under load, the ThreadSanitizer target):
// the host they run (two VMs, the uplink, two monitors, two services), the
// flows they swap in and out, and frames numbered so that every copy can be
// traced back to the frame it copies.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "control/intent.hpp"
#include "tests/dataplane/ring_rig.hpp"
#include "tests/dataplane/wire.hpp"

namespace taas::test::swaps {

inline constexpr const char* kVm1 = "02:00:00:00:00:01";
inline constexpr const char* kVm2 = "02:00:00:00:00:02";

/// A fixed UUID ending in `n` (two hex digits): a swap keeps a service or
/// flow whose UUID stays.
inline std::string uuid(const char* n) { return std::string("00000000-0000-4000-8000-0000000000") + n; }

/// The host: ports and services; flows come with each intent.
inline const std::string kPorts = "version: 1\n"
                                  "networks:\n"
                                  "  - {name: tenant-a, vlan: 100}\n"
                                  "ports:\n"
                                  "  - {id: " + uuid("01") + ", name: vm1, device: ring0, role: vm, network: tenant-a}\n"
                                  "  - {id: " + uuid("02") + ", name: vm2, device: ring1, role: vm, network: tenant-a}\n"
                                  "  - {id: " + uuid("03") + ", name: uplink, device: ring2, role: uplink}\n"
                                  "  - {id: " + uuid("04") + ", name: mon1, device: ring3, role: monitor}\n"
                                  "  - {id: " + uuid("05") + ", name: mon2, device: ring4, role: monitor}\n"
                                  "tap_services:\n"
                                  "  - {id: " + uuid("a1") + ", name: ts1, port: mon1}\n"
                                  "  - {id: " + uuid("a2") + ", name: ts2, port: mon2}\n";
inline const std::string kFlowF1 = uuid("f1"), kFlowF2 = uuid("f2"), kFlowF3 = uuid("f3");
// Copies of what vm1 sends, to mon1.
inline const std::string kF1 =
    "  - {id: " + kFlowF1 + ", name: tf1, source_port: vm1, tap_service: ts1, direction: OUT}\n";
// Everything vm2 sends and receives, to mon2.
inline const std::string kF2 =
    "  - {id: " + kFlowF2 + ", name: tf2, source_port: vm2, tap_service: ts2, direction: BOTH}\n";
// What vm1 receives, to mon2.
inline const std::string kF3 =
    "  - {id: " + kFlowF3 + ", name: tf3, source_port: vm1, tap_service: ts2, direction: IN}\n";

inline std::string intent(const std::string& flows) { return kPorts + (flows.empty() ? "" : "tap_flows:\n" + flows); }

/// A frame from `src` to `dst` whose payload starts with `id` (big endian),
/// so that every copy can be traced back to the one frame it copies.
inline Bytes frame(const char* dst, const char* src, std::uint32_t id) {
  Bytes f = make_frame(dst, src, 0x0800, 60, static_cast<std::uint8_t>(id));
  for (int i = 0; i < 4; ++i) f[14 + i] = static_cast<std::uint8_t>(id >> (24 - 8 * i));
  return f;
}

inline std::uint32_t id_of(const Bytes& f) { return f.size() < 18 ? ~0u : wire::be32(f, 14); }

inline std::vector<std::uint32_t> ids(const std::vector<Bytes>& frames) {
  std::vector<std::uint32_t> out;
  for (const Bytes& f : frames) out.push_back(id_of(f));
  return out;
}

/// Frames vm1 sends to vm2, numbered [from, to).
inline std::vector<Bytes> from_vm1(std::uint32_t from, std::uint32_t to) {
  std::vector<Bytes> out;
  for (std::uint32_t i = from; i < to; ++i) out.push_back(frame(kVm2, kVm1, i));
  return out;
}

/// Frames vm2 sends to vm1, numbered [from, to).
inline std::vector<Bytes> from_vm2(std::uint32_t from, std::uint32_t to) {
  std::vector<Bytes> out;
  for (std::uint32_t i = from; i < to; ++i) out.push_back(frame(kVm1, kVm2, i));
  return out;
}

inline std::vector<std::uint32_t> range(std::uint32_t from, std::uint32_t to) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t i = from; i < to; ++i) out.push_back(i);
  return out;
}

inline Snapshot compiled(const std::string& yaml) {
  auto s = ctl::compile_intent(yaml, "swap.yaml");
  EXPECT_TRUE(s) << s.error().to_string();
  return s ? std::move(s).value() : Snapshot{};
}

/// Publishes `yaml` as the next generation of the rig's dataplane.
inline void publish(RingRig& rig, const std::string& yaml) {
  Snapshot snap = compiled(yaml);
  snap.generation = rig.publisher().current().snap.generation + 1;
  rig.publisher().publish(std::move(snap));
}

/// Index of the flow with `uuid` in the published snapshot (totals are
/// indexed like it).
inline std::size_t flow_index(RingRig& rig, const std::string& uuid) {
  const auto& flows = rig.publisher().current().snap.flows;
  for (std::size_t i = 0; i < flows.size(); ++i)
    if (flows[i].uuid == uuid) return i;
  ADD_FAILURE() << "no flow " << uuid;
  return 0;
}

inline std::uint64_t flow_packets(RingRig& rig, const std::string& uuid) {
  return rig.publisher().totals().flow[flow_index(rig, uuid)].packets;
}

}  // namespace taas::test::swaps
