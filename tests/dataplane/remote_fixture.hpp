#pragma once
// Shared by the remote-mirroring dataplane tests (remote_test.cpp: next-hop
// resolution and answers; remote_copy_test.cpp: the copies themselves): the
// host every test runs (two VMs on tenant-a, the uplink trunk, a monitor),
// the addresses and MACs around it, and checks of a whole ERSPAN II copy.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/dataplane/ring_rig.hpp"
#include "tests/dataplane/wire.hpp"

namespace taas::test::remote {

using wire::ip;
using wire::mac;

inline constexpr const char* kVm1 = "02:00:00:00:00:01";
inline constexpr const char* kVm2 = "02:00:00:00:00:02";
inline constexpr const char* kRemote = "02:00:00:00:00:a1";  // a host behind the uplink
inline constexpr const char* kBcast = "ff:ff:ff:ff:ff:ff";
inline constexpr const char* kGwMac = "02:00:00:00:00:fe";
inline constexpr const char* kHostMac = "02:00:00:00:00:77";  // another host on the underlay

inline constexpr std::size_t kErspan2Len = 50, kErspan3Len = 54, kVxlanLen = 50, kV6Extra = 20;

inline const MacAddr kZeroMac{};
inline const MacAddr kBroadcastMac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

inline const std::string kPorts = R"(
networks:
  - {name: tenant-a, vlan: 100}
ports:
  - {name: vm1, device: ring0, role: vm, network: tenant-a}
  - {name: vm2, device: ring1, role: vm, network: tenant-a}
  - {name: uplink, device: ring2, role: uplink}
  - {name: mon1, device: ring3, role: monitor}
)";

/// An intent: optional `dataplane` line, the underlay flow mapping, the
/// ports above, then services and flows.
inline std::string intent(const std::string& underlay, const std::string& services_and_flows,
                          const std::string& dataplane = "") {
  return "version: 1\n" + dataplane + (underlay.empty() ? "" : "underlay: " + underlay + "\n") + kPorts +
         services_and_flows;
}

inline const std::string kUnderlay4 = "{port: uplink, address: 192.0.2.10/24, gateway: 192.0.2.1}";
inline const std::string kUnderlay4Static =
    "{port: uplink, address: 192.0.2.10/24, gateway: 192.0.2.1, next_hop_mac: \"02:00:00:00:00:fe\"}";

inline const std::string kErspan2Service = R"(
tap_services:
  - {name: ts_e2, remote_ip: 198.51.100.7, encap: erspan2, erspan: {index: 7}}
)";

inline std::uint64_t dropped(const RingRig& rig, std::size_t service, DropReason r) {
  std::uint64_t n = 0;
  for (std::size_t w = 0; w < rig.workers(); ++w)
    n += rig.counters(w).service[service].dropped[static_cast<std::size_t>(r)].get();
  return n;
}

inline std::uint64_t rx_dropped(const RingRig& rig, const std::string& port, RxDropReason r) {
  return rig.counters().port[rig.port(port)].rx_dropped_by[static_cast<std::size_t>(r)].get();
}

using Outputs = std::map<std::string, std::vector<Bytes>>;

/// What a list of steps (port, frames) made the rig send, one run per step.
struct Step {
  std::string port;
  std::vector<Bytes> frames;
};

inline Outputs drive(RingRig& rig, const std::vector<Step>& steps) {
  Outputs out;
  for (const Step& s : steps) {
    rig.inject(s.port, s.frames);
    rig.run();
  }
  for (const auto& p : rig.snap().ports)
    for (auto& f : rig.collect(p.name)) out[p.name].push_back(std::move(f));
  return out;
}

inline std::vector<Bytes> get(const Outputs& o, const std::string& p) {
  return o.count(p) ? o.at(p) : std::vector<Bytes>{};
}

/// Bytes of `f` from `from`, `n` of them.
inline Bytes slice(const Bytes& f, std::size_t from, std::size_t n) {
  return Bytes(f.begin() + static_cast<std::ptrdiff_t>(from), f.begin() + static_cast<std::ptrdiff_t>(from + n));
}

/// An ERSPAN II copy toward 198.51.100.7 from 192.0.2.10, as DESIGN.md §5
/// describes it, carrying `inner` with sequence number `seq`.
inline void expect_erspan2(const Bytes& frame, const MacAddr& dst, const MacAddr& src, std::uint32_t seq,
                           std::uint16_t session, std::uint32_t index, const Bytes& inner) {
  SCOPED_TRACE("ERSPAN II copy with sequence " + std::to_string(seq));
  const auto o = wire::decode_outer(frame);
  ASSERT_TRUE(o) << "not an encapsulated frame";
  EXPECT_EQ(wire::to_string(o->eth_dst), wire::to_string(dst));
  EXPECT_EQ(wire::to_string(o->eth_src), wire::to_string(src));
  EXPECT_EQ(o->vlan, -1);
  EXPECT_FALSE(o->ipv6);
  EXPECT_EQ(o->src, ip("192.0.2.10"));
  EXPECT_EQ(o->dst, ip("198.51.100.7"));
  EXPECT_EQ(o->ttl, 64);
  EXPECT_TRUE(o->df);
  EXPECT_TRUE(o->ip_checksum_ok);
  EXPECT_EQ(o->proto, 47);
  EXPECT_EQ(o->ip_len, frame.size() - 14);
  EXPECT_EQ(o->gre_flags, 0x1000);
  EXPECT_EQ(o->gre_proto, 0x88be);
  EXPECT_EQ(o->seq, seq);
  EXPECT_EQ(o->erspan_version, 1);
  EXPECT_EQ(o->session, session);
  EXPECT_EQ(o->index, index);
  EXPECT_FALSE(o->truncated);
  EXPECT_EQ(frame.size(), kErspan2Len + inner.size());
  EXPECT_EQ(o->inner, inner);
}

inline const std::string kFlowBoth =
    "tap_flows:\n  - {name: tf, source_port: vm1, tap_service: ts_e2, direction: BOTH, "
    "erspan_session_id: 5}\n";

/// The UDP checksum of an IPv6 VXLAN copy, verified from scratch (0xffff
/// when correct).
inline std::uint16_t udp6_sum(const Bytes& f) {
  const std::size_t ip = 14, udp = 54;
  const std::uint16_t len = wire::be16(f, ip + 4);
  const std::uint32_t pseudo = wire::ones_sum(f, ip + 8, 32) + len + 17u;
  return wire::ones_sum(f, udp, len, pseudo);
}

}  // namespace taas::test::remote
