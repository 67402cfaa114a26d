#pragma once
// One intent that sets every dataplane parameter, writes UUIDs in upper
// case, references entities by UUID and uses vlan filters: compiled by
// intent_compile_test.cpp, exported and recompiled by intent_export_test.cpp.

#include <string>

namespace taas::ctl::test {

inline const std::string kFullIntent = R"(version: 1
dataplane:
  workers: 2
  eal: ["--no-huge", "-m", "512"]
  mac_age_seconds: 60
  mac_table_size: 4096
  burst: 64
  rx_queue_size: 512
  tx_queue_size: 2048
  pool_size: 32767
  mirror_pool_size: 4095
  clone_pool_size: 2047
  copy_below_bytes: 128
underlay:
  port: uplink
  address: 192.0.2.10/24
  address6: 2001:db8::10/64
  gateway: 192.0.2.1
  gateway6: 2001:db8::1
  next_hop_mac: 02:00:00:00:00:fe
  ttl: 64
  dscp: 0
  mtu: 1500
  vlan: 0
networks:
  - {name: tenant-a, vlan: 100}
  - {name: tenant-b, vlan: 200}
ports:
  - name: vm1
    id: 0F576381-E461-4807-BB11-5D57624B30A0
    device: "net_pcap0,rx_pcap=in/vm1.pcap,tx_pcap=out/vm1.pcap"
    role: vm
    network: tenant-a
  - {name: uplink, device: "net_pcap1,rx_pcap=in/up.pcap", role: uplink}
  - {name: vm2, device: "net_vhost0,iface=/run/taasd/vm2.sock", role: vm, network: tenant-b}
  - {name: mon1, device: "net_pcap2,tx_pcap=out/mon1.pcap", role: monitor}
  - {name: mon2, id: 6c1e1a5e-52a6-4a3f-9a3c-5b8d2c7e9f10, device: "0000:3b:00.0", role: monitor}
  - {name: vm3, device: "net_pcap3,rx_pcap=in/vm3.pcap", role: vm, network: tenant-a}
tap_services:
  - {name: ts1, id: a0c4b9e2-0d0b-4a8e-8f4e-1d2c3b4a5f60, description: "first service", port: mon1}
  - {name: ts2, port: 6C1E1A5E-52A6-4A3F-9A3C-5B8D2C7E9F10, encap: none}
  - {name: ts3, port: mon1}
tap_flows:
  - {name: f0, source_port: vm1, tap_service: ts1, direction: BOTH, description: "all of vm1"}
  - {name: f1, source_port: vm1, tap_service: ts2, direction: out}
  - {name: f2, source_port: vm1, tap_service: ts2, direction: In}
  - {name: f3, source_port: 0f576381-e461-4807-bb11-5d57624b30a0, tap_service: ts3, direction: IN, vlan_filter: "100"}
  - {name: f4, source_port: vm2, tap_service: ts1, direction: OUT, vlan_filter: "1-199, 201-4095"}
  - name: f5
    source_port: vm3
    tap_service: A0C4B9E2-0D0B-4A8E-8F4E-1D2C3B4A5F60
    direction: bOtH
    vlan_filter: "9,18,27-36,100"
)";

}  // namespace taas::ctl::test
