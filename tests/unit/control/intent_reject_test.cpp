// Every rule of the intent has a rejection here: the error names the field
// (YAML path), the line (and for some the column) and says what is wrong.

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "control/intent.hpp"
#include "tests/unit/control/reject_case.hpp"

namespace taas::ctl {
namespace {

using Case = test::RejectCase;

// 12 lines; text appended to kBase starts at line 13, inside tap_services.
const std::string kBase = R"(version: 1
networks:
  - {name: net-a, vlan: 100}
  - {name: net-b, vlan: 200}
ports:
  - {name: vm1, device: d-vm1, role: vm, network: net-a}
  - {name: vm2, device: d-vm2, role: vm, network: net-b, id: 11111111-2222-4333-8444-555555555555}
  - {name: up, device: d-up, role: uplink}
  - {name: mon, device: d-mon, role: monitor}
  - {name: mon2, device: d-mon2, role: monitor}
tap_services:
  - {name: ts1, port: mon}
)";

/// kBase plus one more tap service (tap_services[1], line 13).
std::string service(const std::string& fields) { return kBase + "  - {" + fields + "}\n"; }

/// kBase plus tap flows; tap_flows[0] is on line 14.
std::string flows(const std::vector<std::string>& list) {
  std::string out = kBase + "tap_flows:\n";
  for (const std::string& fields : list) out += "  - {" + fields + "}\n";
  return out;
}

/// One flow with the given fields (line 14).
std::string flow(const std::string& fields) { return flows({fields}); }

/// A dataplane section with one line of fields (line 3).
std::string dataplane(const std::string& line) { return "version: 1\ndataplane:\n  " + line + "\n"; }

/// Ports after a network `n` (VLAN 10); ports[0] is on line 4.
std::string ports(const std::vector<std::string>& list) {
  std::string out = "version: 1\nnetworks: [{name: n, vlan: 10}]\nports:\n";
  for (const std::string& fields : list) out += "  - {" + fields + "}\n";
  return out;
}

/// An underlay with one line of fields (line 4) next to an uplink port.
std::string underlay(const std::string& line) {
  return "version: 1\nports: [{name: up, device: d, role: uplink}]\nunderlay:\n  " + line + "\n";
}

const char* const kUuid = "0f576381-e461-4807-bb11-5d57624b30a0";
const std::string kFlowTail = "source_port: vm1, tap_service: ts1, direction: IN";

std::vector<Case> cases() {
  const std::string uuid = kUuid;
  return {
      // ---- document level
      {"unknown_top_key", "version: 1\nnetwork: []\n", "network", 2, "unknown field 'network' (did you mean 'networks'?)", 1},
      {"unknown_port_key", "version: 1\nports:\n  - {name: p, device: d, rol: monitor}\n", "ports[0].rol", 3,
       "unknown field 'rol'", 26},
      {"unknown_flow_key", flow(kFlowTail + ", vlan: 5"), "tap_flows[0].vlan", 14, "unknown field 'vlan'"},
      {"unknown_dataplane_key", dataplane("wokers: 2"), "dataplane.wokers", 3, "did you mean 'workers'?", 3},
      {"unknown_erspan_key", service("name: ts2, port: mon, erspan: {idx: 1}"), "tap_services[1].erspan.idx", 13,
       "unknown field 'idx'"},
      {"duplicate_key", "version: 1\nversion: 1\n", "version", 2, "given twice (first at line 1)"},
      {"duplicate_nested_key", "version: 1\nports:\n  - name: a\n    device: d\n    name: b\n", "ports[0].name", 5,
       "given twice (first at line 3)"},
      {"missing_version", "networks: []\n", "version", 1, "missing required field 'version'"},
      {"wrong_version", "version: 2\n", "version", 1, "unsupported intent version 2; this build reads version 1", 10},
      {"version_text", "version: one\n", "version", 1, "expected an integer"},
      {"non_scalar_key", "version: 1\n? [a, b]\n: 1\n", "", 2, "field names must be plain words"},

      // ---- dataplane
      {"workers_zero", "version: 1\ndataplane: {workers: 0}\n", "dataplane.workers", 2, "1..64, got 0", 22},
      {"workers_too_many", dataplane("workers: 65"), "dataplane.workers", 3, "1..64, got 65", 12},
      {"workers_text", dataplane("workers: abc"), "dataplane.workers", 3, "expected an integer in 1..64, got 'abc'"},
      {"workers_negative", dataplane("workers: -1"), "dataplane.workers", 3, "must not be negative"},
      {"workers_float", dataplane("workers: 1.5"), "dataplane.workers", 3, "got '1.5'"},
      {"workers_list", dataplane("workers: [1]"), "dataplane.workers", 3, "got a list"},
      {"workers_mapping", dataplane("workers: {n: 1}"), "dataplane.workers", 3, "got a mapping"},
      {"workers_huge", dataplane("workers: 99999999999999999999999"), "dataplane.workers", 3, "out of range"},
      {"mac_age_zero", dataplane("mac_age_seconds: 0"), "dataplane.mac_age_seconds", 3, "1..86400"},
      {"mac_age_too_long", dataplane("mac_age_seconds: 86401"), "dataplane.mac_age_seconds", 3, "got 86401"},
      {"mac_table_tiny", dataplane("mac_table_size: 1"), "dataplane.mac_table_size", 3, "got 1"},
      {"burst_too_big", dataplane("burst: 513"), "dataplane.burst", 3, "1..512"},
      {"rx_queue_tiny", dataplane("rx_queue_size: 8"), "dataplane.rx_queue_size", 3, "64..32768"},
      {"tx_queue_huge", dataplane("tx_queue_size: 65536"), "dataplane.tx_queue_size", 3, "64..32768"},
      {"pool_zero", dataplane("pool_size: 0"), "dataplane.pool_size", 3, "got 0"},
      {"mirror_pool_zero", dataplane("mirror_pool_size: 0"), "dataplane.mirror_pool_size", 3, "got 0"},
      {"clone_pool_text", dataplane("clone_pool_size: lots"), "dataplane.clone_pool_size", 3, "expected an integer"},
      {"copy_below_huge", dataplane("copy_below_bytes: 70000"), "dataplane.copy_below_bytes", 3, "0..65535"},
      {"eal_scalar", dataplane("eal: --no-huge"), "dataplane.eal", 3, "expected a list, got '--no-huge'"},
      {"eal_element_mapping", dataplane("eal: [--no-huge, {m: 512}]"), "dataplane.eal[1]", 3,
       "expected a string, got a mapping"},
      {"dataplane_list", "version: 1\ndataplane: [1]\n", "dataplane", 2, "expected a mapping"},

      // ---- networks
      {"networks_mapping", "version: 1\nnetworks: {name: a, vlan: 1}\n", "networks", 2, "expected a list, got a mapping"},
      {"network_scalar", "version: 1\nnetworks:\n  - a\n", "networks[0]", 3, "expected a mapping"},
      {"network_missing_name", "version: 1\nnetworks:\n  - {vlan: 5}\n", "networks[0].name", 3,
       "missing required field 'name'"},
      {"network_empty_name", "version: 1\nnetworks:\n  - {name: \"\", vlan: 5}\n", "networks[0].name", 3,
       "must not be empty"},
      {"network_null_name", "version: 1\nnetworks:\n  - name:\n    vlan: 5\n", "networks[0].name", 3, "no value given"},
      {"network_missing_vlan", "version: 1\nnetworks:\n  - {name: a}\n", "networks[0].vlan", 3,
       "missing required field 'vlan' (an integer in 1..4094)"},
      {"network_vlan_zero", "version: 1\nnetworks:\n  - {name: a, vlan: 0}\n", "networks[0].vlan", 3, "1..4094, got 0"},
      {"network_vlan_4095", "version: 1\nnetworks:\n  - {name: a, vlan: 4095}\n", "networks[0].vlan", 3, "got 4095"},
      {"network_duplicate_name", "version: 1\nnetworks:\n  - {name: a, vlan: 1}\n  - {name: a, vlan: 2}\n",
       "networks[1].name", 4, "name 'a' is already used by networks[0]"},
      {"network_duplicate_vlan", "version: 1\nnetworks:\n  - {name: a, vlan: 1}\n  - {name: b, vlan: 1}\n",
       "networks[1].vlan", 4, "VLAN 1 is already used by network 'a'"},

      // ---- ports
      {"ports_scalar", "version: 1\nports: vm1\n", "ports", 2, "expected a list, got 'vm1'"},
      {"port_missing_name", ports({"device: d, role: monitor"}), "ports[0].name", 4, "missing required field 'name'"},
      {"port_duplicate_name", ports({"name: a, device: d1, role: monitor", "name: a, device: d2, role: monitor"}),
       "ports[1].name", 5, "name 'a' is already used by ports[0]"},
      {"port_bad_uuid", ports({"name: a, id: 1234, device: d, role: monitor"}), "ports[0].id", 4,
       "not a UUID: expected 8-4-4-4-12 hex digits"},
      {"port_uuid_list", ports({"name: a, id: [1], device: d, role: monitor"}), "ports[0].id", 4,
       "expected a string, got a list"},
      {"port_duplicate_uuid",
       ports({"name: a, id: " + uuid + ", device: d1, role: monitor",
              "name: b, id: 0F576381-E461-4807-BB11-5D57624B30A0, device: d2, role: monitor"}),
       "ports[1].id", 5, "is already used by ports[0]"},
      {"port_missing_device", ports({"name: a, role: monitor"}), "ports[0].device", 4,
       "missing required field 'device'"},
      {"port_empty_device", ports({"name: a, device: '', role: monitor"}), "ports[0].device", 4, "must not be empty"},
      {"port_duplicate_device", ports({"name: a, device: d, role: monitor", "name: b, device: d, role: monitor"}),
       "ports[1].device", 5, "device 'd' is already used by port 'a'"},
      {"port_missing_role", ports({"name: a, device: d"}), "ports[0].role", 4,
       "missing required field 'role' (one of vm, uplink, monitor)"},
      {"port_missing_role_block", "version: 1\nports:\n  - name: a\n    device: d\n", "ports[0].role", 3,
       "missing required field 'role'"},
      {"port_bad_role", ports({"name: a, device: d, role: router"}), "ports[0].role", 4,
       "unknown value 'router'; allowed: vm, uplink, monitor"},
      {"vm_port_without_network", ports({"name: a, device: d, role: vm"}), "ports[0].network", 4,
       "a vm port must name its network (defined: n)"},
      {"vm_port_unknown_network", ports({"name: a, device: d, role: vm, network: m"}), "ports[0].network", 4,
       "unknown network 'm' (defined: n)"},
      {"uplink_with_network", ports({"name: a, device: d, role: uplink, network: n"}), "ports[0].network", 4,
       "only vm ports belong to a network; this port has role uplink"},
      {"monitor_with_network", ports({"name: a, device: d, role: monitor, network: n"}), "ports[0].network", 4,
       "has role monitor"},
      {"second_uplink", ports({"name: u1, device: d1, role: uplink", "name: u2, device: d2, role: uplink"}),
       "ports[1].role", 5, "at most one uplink port is allowed; port 'u1' (ports[0]) is already the uplink"},

      // ---- underlay
      {"underlay_unknown_port", underlay("port: upp"), "underlay.port", 4, "unknown port 'upp'"},
      {"underlay_address_no_prefix", underlay("address: 192.0.2.10"), "underlay.address", 4,
       "IPv4 address with prefix length"},
      {"underlay_address_bad_prefix", underlay("address: 192.0.2.10/33"), "underlay.address", 4,
       "got '192.0.2.10/33'"},
      {"underlay_address6_v4", underlay("address6: 192.0.2.1/24"), "underlay.address6", 4, "IPv6 address"},
      {"underlay_gateway_bad", underlay("gateway: 192.0.2"), "underlay.gateway", 4, "expected an IPv4 address"},
      {"underlay_gateway6_bad", underlay("gateway6: 2001:db8:::1"), "underlay.gateway6", 4, "expected an IPv6 address"},
      {"underlay_mac_bad", underlay("next_hop_mac: 02:00:00:00:00"), "underlay.next_hop_mac", 4, "MAC address"},
      {"underlay_ttl_zero", underlay("ttl: 0"), "underlay.ttl", 4, "1..255"},
      {"underlay_dscp_64", underlay("dscp: 64"), "underlay.dscp", 4, "0..63"},
      {"underlay_mtu_small", underlay("mtu: 100"), "underlay.mtu", 4, "576..9216"},
      {"underlay_vlan_4095", underlay("vlan: 4095"), "underlay.vlan", 4, "0..4094"},
      {"underlay_unknown_key", underlay("src_cidr: 192.0.2.1/24"), "underlay.src_cidr", 4, "unknown field 'src_cidr'"},
      {"underlay_list", "version: 1\nunderlay: [a]\n", "underlay", 2, "expected a mapping"},

      // ---- tap services
      {"service_missing_name", service("port: mon"), "tap_services[1].name", 13, "missing required field 'name'"},
      {"service_duplicate_name", service("name: ts1, port: mon2"), "tap_services[1].name", 13,
       "name 'ts1' is already used by tap_services[0]"},
      {"service_bad_uuid", service("name: s, id: nope, port: mon"), "tap_services[1].id", 13, "not a UUID"},
      {"service_duplicate_uuid",
       kBase + "  - {name: a, id: " + uuid + ", port: mon}\n  - {name: b, id: " + uuid + ", port: mon}\n",
       "tap_services[2].id", 14, "is already used by tap_services[1]"},
      {"service_erspan3_no_underlay", service("name: r, remote_ip: 198.51.100.7, encap: erspan3"),
       "tap_services[1].remote_ip", 13, "needs the underlay section"},
      {"service_erspan2_no_remote_ip", service("name: r, port: mon, encap: erspan2"), "tap_services[1].remote_ip", 13,
       "missing required field 'remote_ip'"},
      {"service_vxlan_no_underlay", service("name: r, remote_ip: 198.51.100.8, encap: vxlan, vni: 5000, udp_port: 4789"),
       "tap_services[1].remote_ip", 13, "needs the underlay section"},
      {"service_encap_bogus", service("name: r, port: mon, encap: gre"), "tap_services[1].encap", 13,
       "unknown value 'gre'; allowed: none, erspan2, erspan3, vxlan"},
      {"service_remote_ip_no_encap", service("name: r, port: mon, remote_ip: 198.51.100.7"), "tap_services[1].encap",
       13, "needs an encapsulation"},
      {"service_remote_ip6_no_encap", service("name: r, remote_ip: '2001:db8::7'"), "tap_services[1].encap", 13,
       "needs an encapsulation"},
      {"service_remote_ip_bad", service("name: r, remote_ip: 300.1.1.1, encap: erspan2"), "tap_services[1].remote_ip",
       13, "expected an IPv4 or IPv6 address, got '300.1.1.1'"},
      {"service_vni_range", service("name: r, remote_ip: 198.51.100.8, encap: vxlan, vni: 16777216"),
       "tap_services[1].vni", 13, "0..16777215"},
      {"service_udp_port_zero", service("name: r, remote_ip: 198.51.100.8, encap: vxlan, udp_port: 0"),
       "tap_services[1].udp_port", 13, "1..65535"},
      {"service_erspan_hwid", service("name: r, remote_ip: 198.51.100.7, encap: erspan3, erspan: {index: 7, hwid: 64}"),
       "tap_services[1].erspan.hwid", 13, "0..63"},
      {"service_erspan_index", service("name: r, remote_ip: 198.51.100.7, encap: erspan2, erspan: {index: 1048576}"),
       "tap_services[1].erspan.index", 13, "0..1048575"},
      {"service_erspan_granularity", service("name: r, encap: erspan3, erspan: {granularity: 1us}"),
       "tap_services[1].erspan.granularity", 13, "allowed: 100us, 100ns"},
      {"service_erspan_subheader", service("name: r, encap: erspan3, erspan: {platform_subheader: maybe}"),
       "tap_services[1].erspan.platform_subheader", 13, "allowed: false, true"},
      {"service_erspan_scalar", service("name: r, encap: erspan3, erspan: 7"), "tap_services[1].erspan", 13,
       "expected a mapping"},
      {"service_missing_port", service("name: r"), "tap_services[1].port", 13, "missing required field 'port'"},
      {"service_unknown_port", service("name: r, port: nowhere"), "tap_services[1].port", 13,
       "unknown port 'nowhere': no port has this name or id"},
      {"service_port_is_vm", service("name: r, port: vm1"), "tap_services[1].port", 13,
       "a tap service destination must be a monitor port"},
      {"service_port_is_uplink", service("name: r, port: up"), "tap_services[1].port", 13, "port 'up' has role uplink"},
      {"service_port_vm_by_uuid", service("name: r, port: 11111111-2222-4333-8444-555555555555"),
       "tap_services[1].port", 13, "port 'vm2' has role vm"},
      {"service_vni_without_vxlan", service("name: r, port: mon, vni: 5"), "tap_services[1].vni", 13,
       "'vni' applies only to encap vxlan"},
      {"service_erspan_without_erspan", service("name: r, port: mon, erspan: {index: 1}"), "tap_services[1].erspan", 13,
       "applies only to encap erspan2 or erspan3"},
      {"service_description_list", service("name: r, port: mon, description: [a]"), "tap_services[1].description", 13,
       "expected a string, got a list"},

      // ---- tap flows
      {"flow_missing_name", flow(kFlowTail), "tap_flows[0].name", 14, "missing required field 'name'"},
      {"flow_duplicate_name", flows({"name: a, " + kFlowTail, "name: a, source_port: vm2, tap_service: ts1, direction: IN"}),
       "tap_flows[1].name", 15, "name 'a' is already used by tap_flows[0]"},
      {"flow_bad_uuid", flow("name: a, id: 0f576381-e461-4807-bb11, " + kFlowTail), "tap_flows[0].id", 14, "not a UUID"},
      {"flow_duplicate_uuid",
       flows({"name: a, id: " + uuid + ", " + kFlowTail,
              "name: b, id: " + uuid + ", source_port: vm2, tap_service: ts1, direction: IN"}),
       "tap_flows[1].id", 15, "is already used by tap_flows[0]"},
      {"flow_missing_source", flow("name: a, tap_service: ts1, direction: IN"), "tap_flows[0].source_port", 14,
       "missing required field 'source_port'"},
      {"flow_unknown_source", flow("name: a, source_port: vm9, tap_service: ts1, direction: IN"),
       "tap_flows[0].source_port", 14, "unknown port 'vm9'"},
      {"flow_source_is_service_port", flow("name: a, source_port: mon, tap_service: ts1, direction: IN"),
       "tap_flows[0].source_port", 14, "port 'mon' is the destination of tap service 'ts1' and cannot be a flow source"},
      {"flow_source_is_uplink", flow("name: a, source_port: up, tap_service: ts1, direction: IN"),
       "tap_flows[0].source_port", 14, "a tap flow source must be a vm port; port 'up' has role uplink"},
      {"flow_source_is_idle_monitor", flow("name: a, source_port: mon2, tap_service: ts1, direction: IN"),
       "tap_flows[0].source_port", 14, "port 'mon2' has role monitor"},
      {"flow_missing_service", flow("name: a, source_port: vm1, direction: IN"), "tap_flows[0].tap_service", 14,
       "missing required field 'tap_service'"},
      {"flow_unknown_service", flow("name: a, source_port: vm1, tap_service: ts9, direction: IN"),
       "tap_flows[0].tap_service", 14, "unknown tap service 'ts9'"},
      {"flow_missing_direction", flow("name: a, source_port: vm1, tap_service: ts1"), "tap_flows[0].direction", 14,
       "missing required field 'direction' (one of IN, OUT, BOTH)"},
      {"flow_bad_direction", flow("name: a, source_port: vm1, tap_service: ts1, direction: INOUT"),
       "tap_flows[0].direction", 14, "unknown value 'INOUT'; allowed: IN, OUT, BOTH"},
      {"flow_direction_list", flow("name: a, source_port: vm1, tap_service: ts1, direction: [IN]"),
       "tap_flows[0].direction", 14, "expected one of IN, OUT, BOTH, got a list"},
      {"flow_direction_empty",
       kBase + "tap_flows:\n  - name: a\n    source_port: vm1\n    tap_service: ts1\n    direction:\n",
       "tap_flows[0].direction", 17, "no value given"},
      {"flow_session_id_range", flow("name: a, " + kFlowTail + ", erspan_session_id: 1024"),
       "tap_flows[0].erspan_session_id", 14, "0..1023, got 1024"},
      {"flow_session_id_negative", flow("name: a, " + kFlowTail + ", erspan_session_id: -1"),
       "tap_flows[0].erspan_session_id", 14, "must not be negative"},
      {"vlan_filter_empty_item", flow("name: a, " + kFlowTail + ", vlan_filter: '9,,18'"), "tap_flows[0].vlan_filter",
       14, "empty item"},
      {"vlan_filter_empty", flow("name: a, " + kFlowTail + ", vlan_filter: ''"), "tap_flows[0].vlan_filter", 14,
       "empty item"},
      {"vlan_filter_reversed", flow("name: a, " + kFlowTail + ", vlan_filter: '36-27'"), "tap_flows[0].vlan_filter", 14,
       "range start is above its end"},
      {"vlan_filter_too_big", flow("name: a, " + kFlowTail + ", vlan_filter: '4096'"), "tap_flows[0].vlan_filter", 14,
       "bad item '4096'"},
      {"vlan_filter_list", flow("name: a, " + kFlowTail + ", vlan_filter: [9, 18]"), "tap_flows[0].vlan_filter", 14,
       "expected a string, got a list"},
      {"conflict_same_direction", flows({"name: a, " + kFlowTail, "name: b, " + kFlowTail}), "tap_flows[1]", 15,
       "conflicts with tap flow 'a' (tap_flows[0])", 5},
      {"conflict_both_vs_in",
       flows({"name: a, source_port: vm1, tap_service: ts1, direction: BOTH", "name: b, " + kFlowTail}),
       "tap_flows[1]", 15, "overlapping directions BOTH and IN"},
      {"conflict_out_vs_both",
       flows({"name: a, source_port: vm1, tap_service: ts1, direction: out",
              "name: b, source_port: vm1, tap_service: ts1, direction: both"}),
       "tap_flows[1]", 15, "conflicts with tap flow 'a'"},
      {"conflict_by_uuid",
       flows({"name: a, source_port: vm2, tap_service: ts1, direction: OUT",
              "name: b, source_port: 11111111-2222-4333-8444-555555555555, tap_service: ts1, direction: OUT"}),
       "tap_flows[1]", 15, "both mirror port 'vm2' into tap service 'ts1'"},
      {"conflict_with_earlier_flow",
       flows({"name: a, " + kFlowTail, "name: b, source_port: vm1, tap_service: ts1, direction: OUT",
              "name: c, source_port: vm1, tap_service: ts1, direction: BOTH"}),
       "tap_flows[2]", 16, "conflicts with tap flow 'a'"},
  };
}

class IntentReject : public ::testing::TestWithParam<Case> {};

TEST_P(IntentReject, NamesFieldLineAndProblem) { test::expect_rejected(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Rules, IntentReject, ::testing::ValuesIn(cases()),
                         test::reject_case_name);

TEST(IntentReject, BaseOfTheTableIsValid) {
  const auto result = compile_intent(flow("name: a, " + kFlowTail), "ok.yaml");
  EXPECT_TRUE(result.ok()) << result.error().to_string();
}

}  // namespace
}  // namespace taas::ctl
