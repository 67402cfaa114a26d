#pragma once
// Shared by the remote-mirroring compile tests (remote_compile_test.cpp,
// remote_compile_more_test.cpp): an intent layout, compile helpers and
// checks on the compiled tables.

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "control/intent.hpp"
#include "tests/unit/control/snapshot_compare.hpp"

namespace taas::ctl::remote_fixture {

using ::taas::ctl::Target;
using ::taas::ctl::targets;

// Port indexes of doc(): the uplink is neither first nor last and no source
// port is index 0, so a default ERSPAN index cannot pass for "unset".
constexpr std::uint16_t kMon = 0, kVm1 = 1, kUp = 2, kVm2 = 3, kMon2 = 4;

constexpr const char* kUplinkUuid = "5b0e7c1a-3f2d-4e5b-9a6c-7d8e9f0a1b2c";

// IPv4 /24 and IPv6 /64 on the uplink, tagged 300, TTL 32, DSCP 46 (EF),
// MTU 1400.
constexpr const char* kUnderlay = R"(  address: 192.0.2.10/24
  address6: 2001:db8::10/64
  gateway: 192.0.2.1
  gateway6: 2001:db8::1
  ttl: 32
  dscp: 46
  mtu: 1400
  vlan: 300
)";

/// An intent with the five ports above, `underlay` (block lines, may be
/// empty for no underlay) and one-line services and flows. tap_services[0]
/// is `ts0`, port mode on mon.
inline std::string doc(const std::string& underlay, const std::vector<std::string>& services,
                const std::vector<std::string>& flows, bool with_uplink = true) {
  std::string out =
      "version: 1\n"
      "networks: [{name: net-a, vlan: 100}, {name: net-b, vlan: 200}]\n"
      "ports:\n"
      "  - {name: mon, device: d-mon, role: monitor}\n"
      "  - {name: vm1, device: d-vm1, role: vm, network: net-a}\n";
  out += std::string("  - {name: up, id: ") + kUplinkUuid +
         ", device: d-up, role: " + (with_uplink ? "uplink" : "monitor") + "}\n";
  out +=
      "  - {name: vm2, device: d-vm2, role: vm, network: net-b}\n"
      "  - {name: mon2, device: d-mon2, role: monitor}\n";
  if (!underlay.empty()) out += "underlay:\n" + underlay;
  out += "tap_services:\n  - {name: ts0, port: mon}\n";
  for (const std::string& s : services) out += "  - {" + s + "}\n";
  if (!flows.empty()) out += "tap_flows:\n";
  for (const std::string& f : flows) out += "  - {" + f + "}\n";
  return out;
}

/// The snapshot of an intent that must compile. Throws when it does not, so
/// that the test stops there (gtest reports the exception and its text).
inline Snapshot compile_ok(const std::string& yaml) {
  auto result = compile_intent(yaml, "remote.yaml");
  if (!result.ok()) throw std::runtime_error("rejected: " + result.error().to_string() + "\n" + yaml);
  return std::move(result).value();
}

inline IpAddr ip(const char* text) {
  IpAddr a{};
  const int family = std::strchr(text, ':') != nullptr ? AF_INET6 : AF_INET;
  EXPECT_EQ(inet_pton(family, text, a.data()), 1) << text;
  return a;
}

inline MacAddr mac(std::uint8_t last) { return {0x02, 0, 0, 0, 0, last}; }

inline std::uint16_t be16(const EncapTemplate& t, std::size_t at) {
  return static_cast<std::uint16_t>(t.bytes[at] << 8 | t.bytes[at + 1]);
}

inline std::uint32_t be32(const EncapTemplate& t, std::size_t at) {
  return std::uint32_t{be16(t, at)} << 16 | be16(t, at + 2);
}

/// `n` template bytes from `at`, e.g. to compare an address.
inline std::vector<std::uint8_t> span(const EncapTemplate& t, std::size_t at, std::size_t n) {
  return {t.bytes.begin() + static_cast<std::ptrdiff_t>(at), t.bytes.begin() + static_cast<std::ptrdiff_t>(at + n)};
}

inline std::vector<std::uint8_t> addr(const char* text) {
  const IpAddr a = ip(text);
  return {a.begin(), a.begin() + (std::strchr(text, ':') != nullptr ? 16 : 4)};
}

struct Neighbor {
  std::uint16_t port;
  std::uint16_t vlan;
  bool ipv6;
  const char* ip;
  const char* src_ip;
  bool has_static_mac = false;
  MacAddr static_mac{};
};

inline void expect_neighbor(const NeighborEntry& n, const Neighbor& e) {
  EXPECT_EQ(n.port, e.port);
  EXPECT_EQ(n.vlan, e.vlan);
  EXPECT_EQ(n.ipv6, e.ipv6);
  EXPECT_EQ(n.ip, ip(e.ip)) << e.ip;
  EXPECT_EQ(n.src_ip, ip(e.src_ip)) << e.src_ip;
  EXPECT_EQ(n.has_static_mac, e.has_static_mac);
  if (e.has_static_mac) {
    EXPECT_EQ(n.static_mac, e.static_mac);
  }
}

using Local = std::tuple<std::uint16_t, std::uint16_t, bool, IpAddr>;  // port, vlan, ipv6, ip

inline std::vector<Local> locals(const Snapshot& s) {
  std::vector<Local> out;
  for (const LocalAddress& a : s.local_addresses) out.emplace_back(a.port, a.vlan, a.ipv6, a.ip);
  return out;
}


/// Checks the session tables against the flows, whatever the order: every
/// ERSPAN target's template carries its flow's session id and its sequence
/// names (service, that id); sessions are unique; VXLAN has no sequence.
inline void expect_sessions_consistent(const Snapshot& s) {
  std::set<std::pair<std::uint16_t, std::uint16_t>> seen;
  for (const SessionEntry& e : s.sessions) {
    EXPECT_TRUE(seen.emplace(e.service, e.session_id).second)
        << "session (" << e.service << ", " << e.session_id << ") twice";
  }
  std::set<std::uint16_t> used;
  for (const auto* table : {&s.mirror_out, &s.mirror_in}) {
    for (const auto& list : *table) {
      for (const MirrorTarget& t : list) {
        if (t.encap == kNoIndex) continue;
        const EncapEntry& e = s.encaps.at(t.encap);
        const std::uint16_t id = s.flows[t.flow].erspan_session_id;
        if (e.tmpl.encap == Encap::kVxlan) {
          EXPECT_EQ(e.sequence, kNone);
          EXPECT_EQ(id, kNone);
          continue;
        }
        ASSERT_LT(e.sequence, s.sessions.size());
        EXPECT_EQ(s.sessions[e.sequence].service, t.service);
        EXPECT_EQ(s.sessions[e.sequence].session_id, id);
        EXPECT_EQ(be16(e.tmpl, e.tmpl.erspan_offset + 2) & 0x3ff, id);
        used.insert(e.sequence);
      }
    }
  }
  EXPECT_EQ(used.size(), s.sessions.size()) << "a session no target uses";
}

}  // namespace taas::ctl::remote_fixture
