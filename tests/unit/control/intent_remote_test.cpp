// The rules of remote mirroring (DESIGN.md §2 modes, §5 underlay;
// control/intent_remote.cpp): every rejection names the field (YAML path),
// the line and what is wrong, and a rejected intent yields no snapshot; the
// intents just inside each rule are accepted; missing ERSPAN session ids are
// assigned as the smallest >= 1 free at the collector.

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "control/intent.hpp"
#include "tests/unit/control/reject_case.hpp"
#include "control/intent_model.hpp"

namespace taas::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Case = test::RejectCase;

constexpr const char* kUplinkUuid = "5b0e7c1a-3f2d-4e5b-9a6c-7d8e9f0a1b2c";

// Layout of doc(): the underlay is line 9 (one flow mapping, or a comment
// when absent); tap_services[0] (ts0, port mode on mon) is line 11 and
// tap_services[i] line 11 + i; with n extra services, tap_flows[j] is on
// line 13 + n + j.
std::string doc(const std::string& underlay, const std::vector<std::string>& services = {},
                const std::vector<std::string>& flows = {}) {
  std::string out =
      "version: 1\n"
      "networks: [{name: net-a, vlan: 100}, {name: net-b, vlan: 200}]\n"
      "ports:\n"
      "  - {name: vm1, device: d-vm1, role: vm, network: net-a}\n"
      "  - {name: vm2, device: d-vm2, role: vm, network: net-b}\n";
  out += std::string("  - {name: up, id: ") + kUplinkUuid + ", device: d-up, role: uplink}\n";
  out +=
      "  - {name: mon, device: d-mon, role: monitor}\n"
      "  - {name: mon2, device: d-mon2, role: monitor}\n";
  out += underlay.empty() ? "# no underlay\n" : "underlay: " + underlay + "\n";
  out += "tap_services:\n  - {name: ts0, port: mon}\n";
  for (const std::string& s : services) out += "  - {" + s + "}\n";
  if (!flows.empty()) {
    out += "tap_flows:\n";
    for (const std::string& f : flows) out += "  - {" + f + "}\n";
  }
  return out;
}

constexpr int kService1 = 12;  // tap_services[1]
constexpr int flow_line(int extra_services, int j) { return 13 + extra_services + j; }

/// The same document with the uplink turned into a monitor port: no uplink.
std::string no_uplink(std::string yaml) {
  const std::string from = "device: d-up, role: uplink";
  yaml.replace(yaml.find(from), from.size(), "device: d-up, role: monitor");
  return yaml;
}

/// A block-style underlay whose first line is line 5, next to an uplink, a
/// monitor port and network `n` (VLAN 10).
std::string underlay_block(const std::vector<std::string>& lines) {
  std::string out =
      "version: 1\nnetworks: [{name: n, vlan: 10}]\n"
      "ports: [{name: up, device: d, role: uplink}, {name: m, device: dm, role: monitor}]\nunderlay:\n";
  for (const std::string& l : lines) out += "  " + l + "\n";
  return out;
}

/// doc(underlay) plus a block-style tap_services[1]: lines[k] is on line 12 + k.
std::string service_block(const std::string& underlay, const std::vector<std::string>& lines) {
  std::string out = doc(underlay);
  for (std::size_t k = 0; k < lines.size(); ++k) out += (k == 0 ? "  - " : "    ") + lines[k] + "\n";
  return out;
}

const std::string kU4 = "{address: 192.0.2.10/24, gateway: 192.0.2.1}";
const std::string kU46 =
    "{address: 192.0.2.10/24, address6: '2001:db8::10/64', gateway: 192.0.2.1, gateway6: '2001:db8::1'}";

std::vector<Case> cases() {
  const int f1 = flow_line(1, 0);  // tap_flows[0] after one extra service
  const int f2 = flow_line(2, 0);  // tap_flows[0] after two extra services
  return {
      // ---- new fields, syntax
      {"neighbor_refresh_zero", doc("{address: 192.0.2.10/24, neighbor_refresh: 0}"), "underlay.neighbor_refresh", 9,
       "1..3600, got 0"},
      {"neighbor_refresh_too_long", underlay_block({"neighbor_refresh: 3601"}), "underlay.neighbor_refresh", 5,
       "1..3600, got 3601", 21},
      {"remote_mac_bad",
       doc(kU4, {"name: r, port: mon2, remote_ip: 192.0.2.7, encap: erspan2, remote_mac: '02:00:00'"}),
       "tap_services[1].remote_mac", kService1, "expected a MAC address like 02:00:00:00:00:0a, got '02:00:00'"},

      // ---- addresses a frame cannot be sent to
      {"collector_is_own_address", doc(kU4, {"name: r, remote_ip: 192.0.2.10, encap: erspan2"}),
       "tap_services[1].remote_ip", kService1, "must be a unicast address other than taasd's own (underlay.address)"},
      {"collector_multicast", doc(kU4, {"name: r, remote_ip: 239.1.1.1, encap: erspan2"}), "tap_services[1].remote_ip",
       kService1, "must be a unicast address"},
      {"collector_broadcast", doc(kU4, {"name: r, remote_ip: 255.255.255.255, encap: vxlan, vni: 1"}),
       "tap_services[1].remote_ip", kService1, "must be a unicast address"},
      {"collector6_unspecified", doc(kU46, {"name: r, remote_ip: '::', encap: erspan3"}), "tap_services[1].remote_ip",
       kService1, "must be a unicast address"},
      {"gateway_is_own_address", doc("{address: 192.0.2.10/24, gateway: 192.0.2.10}"), "underlay.gateway", 9,
       "must be a unicast address other than underlay.address"},
      {"gateway6_multicast", doc("{address6: '2001:db8::10/64', gateway6: 'ff02::2'}"), "underlay.gateway6", 9,
       "must be a unicast address"},

      // ---- underlay: the port is the uplink
      {"underlay_port_monitor", doc("{port: mon, address: 192.0.2.10/24}"), "underlay.port", 9,
       "the underlay port must be the uplink (the physnet NIC); port 'mon' has role monitor"},
      {"underlay_port_vm", doc("{port: vm1, address: 192.0.2.10/24}"), "underlay.port", 9, "port 'vm1' has role vm"},
      {"underlay_port_block", underlay_block({"address: 192.0.2.10/24", "port: m"}), "underlay.port", 6,
       "port 'm' has role monitor", 9},

      // ---- underlay.vlan is not a network's VLAN
      {"underlay_vlan_is_network_vlan", doc("{address: 192.0.2.10/24, vlan: 200}"), "underlay.vlan", 9,
       "VLAN 200 is the trunk tag of network 'net-b'; underlay frames need a VLAN no network uses"},
      {"underlay_vlan_block", underlay_block({"address: 192.0.2.10/24", "vlan: 10"}), "underlay.vlan", 6,
       "VLAN 10 is the trunk tag of network 'n'", 9},

      // ---- gateways: an address of their family, on-link
      {"gateway_without_address", doc("{gateway: 192.0.2.1}"), "underlay.gateway", 9,
       "a gateway needs a local address on its subnet: set underlay.address"},
      {"gateway_with_only_address6", doc("{address6: '2001:db8::10/64', gateway: 192.0.2.1}"), "underlay.gateway", 9,
       "set underlay.address"},
      {"gateway6_without_address6", doc("{address: 192.0.2.10/24, gateway6: '2001:db8::1'}"), "underlay.gateway6", 9,
       "a gateway needs a local address on its subnet: set underlay.address6"},
      {"gateway_off_link", underlay_block({"address: 192.0.2.10/24", "gateway: 198.51.100.1"}), "underlay.gateway", 6,
       "gateway '198.51.100.1' is not on the underlay subnet 192.0.2.10/24 (underlay.address): a next hop must be "
       "on-link",
       12},
      {"gateway_off_link_inside_a_byte", doc("{address: 192.0.2.10/25, gateway: 192.0.2.129}"), "underlay.gateway", 9,
       "is not on the underlay subnet 192.0.2.10/25"},
      {"gateway6_off_link", doc("{address6: '2001:db8::10/64', gateway6: '2001:db8:0:1::1'}"), "underlay.gateway6", 9,
       "gateway '2001:db8:0:1::1' is not on the underlay subnet 2001:db8::10/64 (underlay.address6)"},

      // ---- a remote service needs encap, remote_ip, the underlay and a source of the collector's family
      {"remote_ip_encap_none", doc(kU4, {"name: r, remote_ip: 198.51.100.7, encap: none"}), "tap_services[1].encap",
       kService1, "remote_ip '198.51.100.7' needs an encapsulation: set encap to erspan2, erspan3 or vxlan"},
      {"remote_ip_encap_none_block", service_block(kU4, {"name: r", "remote_ip: 198.51.100.7", "encap: none"}),
       "tap_services[1].encap", 14, "needs an encapsulation", 12},
      {"internal_remote_ip_no_encap", doc(kU4, {"name: r, port: mon2, remote_ip: 192.0.2.7"}), "tap_services[1].encap",
       kService1, "needs an encapsulation"},
      {"external_encap_without_remote_ip", doc(kU4, {"name: r, encap: vxlan, vni: 1"}), "tap_services[1].remote_ip",
       kService1, "missing required field 'remote_ip': encap vxlan sends copies to a collector address (IPv4 or IPv6)"},
      {"internal_encap_without_remote_ip", doc(kU4, {"name: r, port: mon2, encap: erspan3"}),
       "tap_services[1].remote_ip", kService1, "missing required field 'remote_ip': encap erspan3"},
      {"external_without_underlay", doc("", {"name: r, remote_ip: 198.51.100.7, encap: erspan2"}),
       "tap_services[1].remote_ip", kService1,
       "remote mirroring needs the underlay section: the source address (underlay.address) of the outer header"},
      {"internal_without_underlay", doc("", {"name: r, port: mon2, remote_ip: '2001:db8::7', encap: erspan2"}),
       "tap_services[1].remote_ip", kService1, "needs the underlay section: the source address (underlay.address6)"},
      {"remote_ip_line_in_block", service_block("", {"name: r", "encap: erspan2", "remote_ip: 198.51.100.7"}),
       "tap_services[1].remote_ip", 14, "needs the underlay section", 16},
      {"v6_collector_without_address6", doc(kU4, {"name: r, remote_ip: '2001:db8::7', encap: erspan3"}),
       "tap_services[1].remote_ip", kService1,
       "IPv6 collector '2001:db8::7' needs an IPv6 source address: set underlay.address6"},
      {"v4_collector_without_address",
       doc("{address6: '2001:db8::10/64'}", {"name: r, remote_ip: 192.0.2.7, encap: erspan2"}),
       "tap_services[1].remote_ip", kService1,
       "IPv4 collector '192.0.2.7' needs an IPv4 source address: set underlay.address"},
      {"internal_v6_collector_without_address6",
       doc(kU4, {"name: r, port: mon2, remote_ip: '2001:db8::7', encap: vxlan, vni: 1"}), "tap_services[1].remote_ip",
       kService1, "needs an IPv6 source address: set underlay.address6"},

      // ---- external mode: an underlay port and a next hop
      {"external_no_underlay_port", no_uplink(doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: erspan2"})),
       "tap_services[1].remote_ip", kService1,
       "external mode (remote_ip without port) sends copies out of the underlay port, but underlay.port is not set "
       "and there is no uplink port"},
      {"external_no_next_hop", doc("{address: 192.0.2.10/24}", {"name: r, remote_ip: 198.51.100.7, encap: erspan2"}),
       "tap_services[1].remote_ip", kService1,
       "collector '198.51.100.7' is not on the underlay subnet 192.0.2.10/24 and underlay.gateway is not set: no next "
       "hop to send to"},
      {"external_no_next_hop_v6",
       doc("{address: 192.0.2.10/24, gateway: 192.0.2.1, address6: '2001:db8::10/64'}",
           {"name: r, remote_ip: '2001:db8:1::7', encap: vxlan, vni: 1"}),
       "tap_services[1].remote_ip", kService1,
       "collector '2001:db8:1::7' is not on the underlay subnet 2001:db8::10/64 and underlay.gateway6 is not set"},
      {"external_no_next_hop_v4_gateway6_only",
       doc("{address: 192.0.2.10/24, address6: '2001:db8::10/64', gateway6: '2001:db8::1'}",
           {"name: r, remote_ip: 198.51.100.7, encap: erspan3"}),
       "tap_services[1].remote_ip", kService1, "and underlay.gateway is not set"},

      // ---- remote_mac: internal mode only
      {"external_remote_mac",
       doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: erspan2, remote_mac: '02:00:00:00:00:0a'"}),
       "tap_services[1].remote_mac", kService1,
       "'remote_mac' applies to internal mode (a service with a port); in external mode the next hop is "
       "underlay.next_hop_mac or resolved by ARP/ND"},
      {"external_remote_mac_block",
       service_block(kU4,
                     {"name: r", "remote_ip: 192.0.2.7", "remote_mac: '02:00:00:00:00:0a'", "encap: vxlan", "vni: 3"}),
       "tap_services[1].remote_mac", 14, "applies to internal mode", 17},
      {"port_mode_remote_mac", doc(kU4, {"name: r, port: mon2, remote_mac: '02:00:00:00:00:0a'"}),
       "tap_services[1].remote_mac", kService1,
       "'remote_mac' applies only to encap erspan2, erspan3 or vxlan; this service has encap none"},

      // ---- per-encap fields
      {"vxlan_without_vni", doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: vxlan"}), "tap_services[1].vni", kService1,
       "missing required field 'vni': encap vxlan needs a VNI (0..16777215)"},
      {"internal_vxlan_without_vni",
       doc(kU4, {"name: r, port: mon2, remote_ip: 192.0.2.7, encap: vxlan, udp_port: 8472"}), "tap_services[1].vni",
       kService1, "missing required field 'vni'"},
      {"vni_with_erspan2", doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: erspan2, vni: 5"}), "tap_services[1].vni",
       kService1, "'vni' applies only to encap vxlan; this service has encap erspan2"},
      {"vni_with_erspan3_block", service_block(kU4, {"name: r", "remote_ip: 192.0.2.7", "encap: erspan3", "vni: 5"}),
       "tap_services[1].vni", 15, "this service has encap erspan3", 10},
      {"udp_port_with_erspan3", doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: erspan3, udp_port: 4789"}),
       "tap_services[1].udp_port", kService1, "'udp_port' applies only to encap vxlan; this service has encap erspan3"},
      {"udp_port_with_erspan2_internal",
       doc(kU4, {"name: r, port: mon2, remote_ip: 192.0.2.7, encap: erspan2, udp_port: 4789"}),
       "tap_services[1].udp_port", kService1, "this service has encap erspan2"},
      {"erspan_with_vxlan", doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: vxlan, vni: 1, erspan: {index: 1}"}),
       "tap_services[1].erspan", kService1,
       "'erspan' applies only to encap erspan2 or erspan3; this service has encap vxlan"},
      {"hwid_with_erspan2", doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: erspan2, erspan: {hwid: 1}"}),
       "tap_services[1].erspan.hwid", kService1,
       "'erspan.hwid' applies only to encap erspan3; this service has encap "
       "erspan2"},
      {"granularity_with_erspan2",
       doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: erspan2, erspan: {granularity: 100ns}"}),
       "tap_services[1].erspan.granularity", kService1, "'erspan.granularity' applies only to encap erspan3"},
      {"platform_subheader_with_erspan2",
       doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: erspan2, erspan: {platform_subheader: false}"}),
       "tap_services[1].erspan.platform_subheader", kService1,
       "'erspan.platform_subheader' applies only to encap erspan3; this service has encap erspan2"},
      {"erspan3_only_field_block",
       service_block(
           kU4, {"name: r", "remote_ip: 192.0.2.7", "encap: erspan2", "erspan:", "  index: 3", "  granularity: 100us"}),
       "tap_services[1].erspan.granularity", 17, "applies only to encap erspan3", 20},
      {"index_too_big_for_erspan3", doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: erspan3, erspan: {index: 16384}"}),
       "tap_services[1].erspan.index", kService1, "does not fit the 14-bit port id of ERSPAN III (0..16383)"},
      {"platform_id_5",
       doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: erspan3, erspan: {platform_subheader: true, platform_id: 5}"}),
       "tap_services[1].erspan.platform_id", kService1, "expected 3 (14-bit port index) or 7 (20-bit source index), got 5"},
      {"platform_id_without_subheader",
       doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: erspan3, erspan: {platform_id: 7}"}),
       "tap_services[1].erspan.platform_id", kService1, "set platform_subheader: true"},
      {"platform_id_erspan2", doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: erspan2, erspan: {platform_id: 3}"}),
       "tap_services[1].erspan.platform_id", kService1, "applies only to encap erspan3"},

      // ---- erspan_session_id: only toward ERSPAN services
      {"session_id_port_mode",
       doc(kU4, {}, {"name: f, source_port: vm1, tap_service: ts0, direction: IN, erspan_session_id: 3"}),
       "tap_flows[0].erspan_session_id", flow_line(0, 0),
       "erspan_session_id applies only to flows into erspan2 or erspan3 services; tap service 'ts0' has encap none"},
      {"session_id_vxlan",
       doc(kU4, {"name: vx, remote_ip: 192.0.2.7, encap: vxlan, vni: 9"},
           {"name: f, source_port: vm1, tap_service: vx, direction: OUT, erspan_session_id: 0"}),
       "tap_flows[0].erspan_session_id", f1, "tap service 'vx' has encap vxlan"},
      {"session_id_vxlan_second_flow",
       doc(kU4, {"name: vx, remote_ip: 192.0.2.7, encap: vxlan, vni: 9"},
           {"name: f, source_port: vm1, tap_service: vx, direction: OUT",
            "name: g, source_port: vm2, tap_service: vx, direction: OUT, erspan_session_id: 1"}),
       "tap_flows[1].erspan_session_id", f1 + 1, "has encap vxlan"},

      // ---- no two services on one session id toward one collector
      {"session_id_conflict",
       doc(kU4,
           {"name: a, remote_ip: 198.51.100.7, encap: erspan2", "name: b, remote_ip: 198.51.100.7, encap: erspan3"},
           {"name: f0, source_port: vm1, tap_service: a, direction: OUT, erspan_session_id: 5",
            "name: f1, source_port: vm2, tap_service: b, direction: IN, erspan_session_id: 5"}),
       "tap_flows[1].erspan_session_id", f2 + 1,
       "ERSPAN session 5 toward 198.51.100.7 is already used by tap service 'a' (tap_flows[0]); each service needs its "
       "own session ids per collector"},
      {"session_id_conflict_names_first_flow",
       doc(kU4,
           {"name: a, remote_ip: 198.51.100.7, encap: erspan2", "name: b, remote_ip: 198.51.100.7, encap: erspan2"},
           {"name: f0, source_port: vm1, tap_service: a, direction: OUT, erspan_session_id: 5",
            "name: f1, source_port: vm2, tap_service: a, direction: OUT, erspan_session_id: 5",
            "name: f2, source_port: vm1, tap_service: b, direction: IN, erspan_session_id: 5"}),
       "tap_flows[2].erspan_session_id", f2 + 2, "already used by tap service 'a' (tap_flows[0])"},
      {"session_id_conflict_v6_spelling",
       doc(kU46,
           {"name: a, remote_ip: '2001:db8:5::7', encap: erspan3",
            "name: b, remote_ip: '2001:DB8:5:0::7', encap: erspan3"},
           {"name: f0, source_port: vm1, tap_service: a, direction: OUT, erspan_session_id: 1023",
            "name: f1, source_port: vm1, tap_service: b, direction: OUT, erspan_session_id: 1023"}),
       "tap_flows[1].erspan_session_id", f2 + 1,
       "ERSPAN session 1023 toward 2001:DB8:5:0::7 is already used by tap "
       "service 'a'"},
      {"session_id_conflict_internal_and_external",
       doc(kU4,
           {"name: a, remote_ip: 192.0.2.7, encap: erspan2",
            "name: b, port: mon2, remote_ip: 192.0.2.7, encap: erspan2"},
           {"name: f0, source_port: vm1, tap_service: a, direction: OUT, erspan_session_id: 0",
            "name: f1, source_port: vm1, tap_service: b, direction: OUT, erspan_session_id: 0"}),
       "tap_flows[1].erspan_session_id", f2 + 1,
       "ERSPAN session 0 toward 192.0.2.7 is already used by tap service 'a'"},
      {"session_id_conflict_block",
       doc(kU4,
           {"name: a, remote_ip: 198.51.100.7, encap: erspan2", "name: b, remote_ip: 198.51.100.7, encap: erspan2"},
           {"name: f0, source_port: vm1, tap_service: a, direction: OUT, erspan_session_id: 8"}) +
           "  - name: f1\n    source_port: vm2\n    tap_service: b\n    direction: IN\n    erspan_session_id: 8\n",
       "tap_flows[1].erspan_session_id", f2 + 5, "already used by tap service 'a'", 24},
  };
}

class RemoteReject : public ::testing::TestWithParam<Case> {};

TEST_P(RemoteReject, NamesFieldLineAndProblem) { test::expect_rejected(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Rules, RemoteReject, ::testing::ValuesIn(cases()),
                         test::reject_case_name);

// ---- just inside each rule: accepted

struct Accept {
  const char* name;
  std::string yaml;
};

std::vector<Accept> accepted() {
  const std::string uuid = kUplinkUuid;
  return {
      {"base", doc(kU46)},
      {"underlay_port_uplink_by_name", doc("{port: up, address: 192.0.2.10/24}")},
      {"underlay_port_uplink_by_uuid", doc("{port: " + uuid + ", address: 192.0.2.10/24}")},
      {"underlay_vlan_free", doc("{address: 192.0.2.10/24, vlan: 300}")},
      {"underlay_vlan_zero", doc("{address: 192.0.2.10/24, vlan: 0}")},
      {"underlay_without_remote_services", doc("{port: up}")},
      {"gateway_on_link_across_a_byte", doc("{address: 192.0.2.10/23, gateway: 192.0.3.254}")},
      {"gateway6_on_link", doc("{address6: '2001:db8::10/48', gateway6: '2001:db8:0:ffff::1'}")},
      {"gateway6_link_local", doc("{address6: '2001:db8::10/64', gateway6: 'fe80::1'}")},
      {"neighbor_refresh_range", doc("{address: 192.0.2.10/24, neighbor_refresh: 3600}")},
      {"external_on_link_without_gateway",
       doc("{address: 192.0.2.10/24}", {"name: r, remote_ip: 192.0.2.200, encap: erspan2"})},
      {"external_off_link_with_next_hop_mac", doc("{address: 192.0.2.10/24, next_hop_mac: '02:00:00:00:00:fe'}",
                                                  {"name: r, remote_ip: 198.51.100.7, encap: erspan3"})},
      {"external_v6_via_gateway6", doc(kU46, {"name: r, remote_ip: '2001:db8:9::7', encap: vxlan, vni: 0"})},
      {"internal_without_uplink",
       no_uplink(doc("{address: 192.0.2.10/24}", {"name: r, port: mon2, remote_ip: 198.51.100.7, encap: erspan2"}))},
      {"internal_off_link_without_gateway",
       doc("{address: 192.0.2.10/24}", {"name: r, port: mon2, remote_ip: 198.51.100.7, encap: erspan2"})},
      {"internal_remote_mac",
       doc(kU4, {"name: r, port: mon2, remote_ip: 192.0.2.7, encap: vxlan, vni: 1, remote_mac: '02:00:00:00:00:0a'"})},
      {"vxlan_fields", doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: vxlan, vni: 16777215, udp_port: 8472"})},
      {"erspan2_index_20_bits", doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: erspan2, erspan: {index: 1048575}"})},
      {"erspan3_fields",
       doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: erspan3, erspan: {index: 16383, hwid: 63, granularity: 100ns, "
                 "platform_subheader: true}"})},
      {"erspan3_platform_id_7_index_20_bits",
       doc(kU4, {"name: r, remote_ip: 192.0.2.7, encap: erspan3, erspan: {index: 1048575, platform_subheader: true, "
                 "platform_id: 7}"})},
      {"session_ids_0_and_1023",
       doc(kU4, {"name: a, remote_ip: 192.0.2.7, encap: erspan2"},
           {"name: f0, source_port: vm1, tap_service: a, direction: IN, erspan_session_id: 0",
            "name: f1, source_port: vm1, tap_service: a, direction: OUT, erspan_session_id: 1023"})},
      {"same_id_one_service", doc(kU4, {"name: a, remote_ip: 192.0.2.7, encap: erspan2"},
                                  {"name: f0, source_port: vm1, tap_service: a, direction: IN, erspan_session_id: 4",
                                   "name: f1, source_port: vm2, tap_service: a, direction: IN, erspan_session_id: 4"})},
      {"same_id_other_collectors",
       doc(kU46,
           {"name: a, remote_ip: 192.0.2.7, encap: erspan2", "name: b, remote_ip: 192.0.2.8, encap: erspan3",
            "name: c, remote_ip: '2001:db8::7', encap: erspan3"},
           {"name: f0, source_port: vm1, tap_service: a, direction: IN, erspan_session_id: 4",
            "name: f1, source_port: vm1, tap_service: b, direction: IN, erspan_session_id: 4",
            "name: f2, source_port: vm1, tap_service: c, direction: IN, erspan_session_id: 4"})},
      {"vxlan_and_erspan_same_collector",
       doc(kU4,
           {"name: a, remote_ip: 192.0.2.7, encap: erspan2", "name: b, remote_ip: 192.0.2.7, encap: vxlan, vni: 4"},
           {"name: f0, source_port: vm1, tap_service: a, direction: IN, erspan_session_id: 1",
            "name: f1, source_port: vm1, tap_service: b, direction: IN"})},
  };
}

class RemoteAccept : public ::testing::TestWithParam<Accept> {};

TEST_P(RemoteAccept, Compiles) {
  const auto result = compile_intent(GetParam().yaml, "ok.yaml");
  EXPECT_TRUE(result.ok()) << result.error().to_string() << "\n" << GetParam().yaml;
}

INSTANTIATE_TEST_SUITE_P(Rules, RemoteAccept, ::testing::ValuesIn(accepted()),
                         [](const ::testing::TestParamInfo<Accept>& info) { return std::string(info.param.name); });

// ---- session ids: given ones kept, missing ones the smallest >= 1 free at
// the collector, one per service

/// The erspan_session_id of every flow of an intent that must compile.
std::vector<std::uint16_t> session_ids(const std::string& yaml) {
  const auto result = compile_intent(yaml, "ok.yaml");
  if (!result.ok()) {
    ADD_FAILURE() << result.error().to_string() << "\n" << yaml;
    return {};
  }
  std::vector<std::uint16_t> ids;
  for (const FlowEntry& f : result.value().flows) ids.push_back(f.erspan_session_id);
  return ids;
}

TEST(RemoteSessionIds, ExplicitKeptDefaultsAvoidOtherServices) {
  // a: 1 is b's at 198.51.100.7, so 2 for both of a's flows; d: 1 at its
  // own collector; vxlan and port mode: none.
  EXPECT_THAT(session_ids(doc(kU4,
                              {"name: a, remote_ip: 198.51.100.7, encap: erspan2",
                               "name: b, remote_ip: 198.51.100.7, encap: erspan3",
                               "name: d, remote_ip: 198.51.100.8, encap: erspan2",
                               "name: v, remote_ip: 198.51.100.7, encap: vxlan, vni: 1"},
                              {"name: f0, source_port: vm1, tap_service: a, direction: OUT",
                               "name: f1, source_port: vm1, tap_service: b, direction: OUT, erspan_session_id: 1",
                               "name: f2, source_port: vm2, tap_service: a, direction: IN",
                               "name: f3, source_port: vm1, tap_service: d, direction: BOTH",
                               "name: f4, source_port: vm1, tap_service: v, direction: BOTH",
                               "name: f5, source_port: vm1, tap_service: ts0, direction: IN"})),
              ElementsAre(2, 1, 2, 1, kNone, kNone));
}

TEST(RemoteSessionIds, DefaultsFollowServiceOrderNotFlowOrder) {
  // b's flow comes first in the file, but a is the earlier service: a gets 1.
  EXPECT_THAT(session_ids(doc(kU4,
                              {"name: a, remote_ip: 198.51.100.7, encap: erspan2",
                               "name: b, remote_ip: 198.51.100.7, encap: erspan2"},
                              {"name: f0, source_port: vm1, tap_service: b, direction: OUT",
                               "name: f1, source_port: vm1, tap_service: a, direction: OUT"})),
              ElementsAre(2, 1));
}

TEST(RemoteSessionIds, DefaultsTakeTheSmallestFreeAtTheCollector) {
  // 2 is c's (given later in the file, still reserved); e's collector is
  // another one (and another family).
  EXPECT_THAT(
      session_ids(
          doc(kU46,
              {"name: a, remote_ip: 198.51.100.7, encap: erspan2", "name: b, remote_ip: 198.51.100.7, encap: erspan2",
               "name: c, remote_ip: 198.51.100.7, encap: erspan2", "name: d, remote_ip: 198.51.100.7, encap: erspan3",
               "name: e, remote_ip: '2001:db8::7', encap: erspan3"},
              {"name: f0, source_port: vm1, tap_service: a, direction: OUT",
               "name: f1, source_port: vm1, tap_service: b, direction: OUT",
               "name: f2, source_port: vm1, tap_service: c, direction: OUT, erspan_session_id: 2",
               "name: f3, source_port: vm1, tap_service: d, direction: OUT",
               "name: f4, source_port: vm1, tap_service: e, direction: OUT"})),
      ElementsAre(1, 3, 2, 4, 1));
}

TEST(RemoteSessionIds, ZeroIsKeptAndDefaultsStartAtOne) {
  EXPECT_THAT(
      session_ids(doc(
          kU4, {"name: a, remote_ip: 198.51.100.7, encap: erspan2", "name: b, remote_ip: 198.51.100.7, encap: erspan2"},
          {"name: f0, source_port: vm1, tap_service: a, direction: OUT, erspan_session_id: 0",
           "name: f1, source_port: vm1, tap_service: b, direction: OUT"})),
      ElementsAre(0, 1));
}

TEST(RemoteSessionIds, ServiceWithOnlyGivenIdsTakesNoDefault) {
  // a gives 1 on its only flow and so takes no default: b's is 2, c's 3.
  EXPECT_THAT(session_ids(doc(kU4,
                              {"name: a, remote_ip: 198.51.100.7, encap: erspan2",
                               "name: b, remote_ip: 198.51.100.7, encap: erspan2",
                               "name: c, remote_ip: 198.51.100.7, encap: erspan2"},
                              {"name: f0, source_port: vm1, tap_service: a, direction: OUT, erspan_session_id: 1",
                               "name: f1, source_port: vm1, tap_service: b, direction: OUT",
                               "name: f2, source_port: vm1, tap_service: c, direction: OUT"})),
              ElementsAre(1, 2, 3));
}

TEST(RemoteSessionIds, SameIdTowardDifferentCollectorsAndOneService) {
  EXPECT_THAT(session_ids(doc(kU46,
                              {"name: a, remote_ip: 198.51.100.7, encap: erspan2",
                               "name: b, remote_ip: 198.51.100.8, encap: erspan3",
                               "name: c, remote_ip: '2001:db8::7', encap: erspan2"},
                              {"name: f0, source_port: vm1, tap_service: a, direction: OUT, erspan_session_id: 7",
                               "name: f1, source_port: vm2, tap_service: a, direction: OUT, erspan_session_id: 7",
                               "name: f2, source_port: vm1, tap_service: b, direction: OUT, erspan_session_id: 7",
                               "name: f3, source_port: vm1, tap_service: c, direction: OUT, erspan_session_id: 7"})),
              ElementsAre(7, 7, 7, 7));
}

// ---- session ids run out

/// `services` erspan2 services toward one collector, each with one flow from
/// vm1; the first `explicit_ids` flows carry ids 1, 2, ...
std::string many_services(int services, int explicit_ids) {
  std::string out = doc(kU4);
  for (int i = 0; i < services; ++i) {
    out += "  - {name: s" + std::to_string(i) + ", remote_ip: 198.51.100.7, encap: erspan2}\n";
  }
  out += "tap_flows:\n";
  for (int i = 0; i < services; ++i) {
    out += "  - {name: f" + std::to_string(i) + ", source_port: vm1, tap_service: s" + std::to_string(i) +
           ", direction: OUT";
    if (i < explicit_ids) out += ", erspan_session_id: " + std::to_string(i + 1);
    out += "}\n";
  }
  return out;
}

TEST(RemoteReject, SessionIdsRunOutAtOneCollector) {
  // Ids 1..1023 taken by explicit flows; a 1024th service has none left.
  const auto result = compile_intent(many_services(1024, 1023), "bad.yaml");
  ASSERT_FALSE(result.ok());
  const Error& e = result.error();
  EXPECT_EQ(e.field, "tap_flows[1023].erspan_session_id") << e.to_string();
  EXPECT_EQ(e.line, flow_line(1024, 1023)) << e.to_string();
  EXPECT_THAT(e.message, HasSubstr("no free ERSPAN session id left toward 198.51.100.7"));
}

TEST(RemoteReject, LastFreeSessionIdIsAssigned) {
  const auto result = compile_intent(many_services(1023, 1022), "ok.yaml");
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result.value().flows[1022].erspan_session_id, 1023);
}

// ---- a rejected intent yields no snapshot

TEST(RemoteReject, RejectedIntentYieldsNoSnapshot) {
  const std::vector<std::string> services = {"name: a, remote_ip: 198.51.100.7, encap: erspan2",
                                             "name: b, remote_ip: 198.51.100.7, encap: erspan2"};
  const std::string good_flow = "name: f1, source_port: vm2, tap_service: b, direction: IN, erspan_session_id: 6";
  const std::string bad_flow = "name: f1, source_port: vm2, tap_service: b, direction: IN, erspan_session_id: 5";
  const std::string first = "name: f0, source_port: vm1, tap_service: a, direction: OUT, erspan_session_id: 5";

  // The intent compiles with ids 5 and 6 ...
  const auto good = compile_intent(doc(kU4, services, {first, good_flow}), "intent.yaml");
  ASSERT_TRUE(good.ok()) << good.error().to_string();
  EXPECT_EQ(good.value().encaps.size(), 2u);

  // ... and with 5 twice neither validation nor the public entry points
  // produce anything to publish.
  const std::string bad = doc(kU4, services, {first, bad_flow});
  auto intent = parse_intent(bad, "intent.yaml");
  ASSERT_TRUE(intent.ok()) << intent.error().to_string();
  const auto resolution = validate_intent(intent.value());
  ASSERT_FALSE(resolution.ok());
  EXPECT_EQ(resolution.error().field, "tap_flows[1].erspan_session_id");

  const auto result = compile_intent(bad, "intent.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().field, "tap_flows[1].erspan_session_id");

  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("taas_remote_reject_" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path);
    out << bad;
  }
  const auto loaded = load_intent_file(path.string());
  std::filesystem::remove(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().file, path.string());
  EXPECT_EQ(loaded.error().line, flow_line(2, 1));
  EXPECT_EQ(loaded.error().field, "tap_flows[1].erspan_session_id");
}

}  // namespace
}  // namespace taas::ctl
