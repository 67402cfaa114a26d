// The --stats-out JSON: names from the snapshot, counters summed over
// workers, drops by reason.

#include "dataplane/stats_json.hpp"

#include <gtest/gtest.h>

namespace taas::dp {
namespace {

Snapshot two_ports() {
  Snapshot s;
  s.generation = 7;
  s.ports.resize(2);
  s.ports[0].name = "vm1";
  s.ports[1].name = "mon \"1\"";
  s.services.resize(1);
  s.services[0].name = "ts";
  s.flows.resize(1);
  s.flows[0].name = "tf";
  return s;
}

TEST(StatsJson, SumsWorkersAndNamesEverything) {
  const Snapshot s = two_ports();
  WorkerCounters a(2, 1, 1), b(2, 1, 1);
  a.port[0].rx_packets.add(3);
  b.port[0].rx_packets.add(4);
  a.port[0].rx_dropped_by[static_cast<int>(RxDropReason::kHairpin)].add(2);
  b.port[1].tx_bytes.add(1500);
  a.service[0].packets.add(5);
  b.service[0].dropped[static_cast<int>(DropReason::kTxFull)].add(6);
  a.flow[0].bytes.add(640);
  const std::string j = stats_json(s, {&a, &b});
  EXPECT_NE(j.find("\"generation\": 7"), std::string::npos) << j;
  EXPECT_NE(j.find("\"vm1\": {\"rx_packets\": 7,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"hairpin\": 2"), std::string::npos) << j;
  EXPECT_NE(j.find("\"mon \\\"1\\\"\": {\"rx_packets\": 0, \"rx_bytes\": 0, \"tx_packets\": 0, \"tx_bytes\": 1500"),
            std::string::npos) << j;
  EXPECT_NE(j.find("\"ts\": {\"packets\": 5, \"bytes\": 0, \"dropped\": {\"nombuf\": 0, \"tx_full\": 6, "
                   "\"no_neighbor\": 0, \"port_down\": 0, \"too_big\": 0}}"),
            std::string::npos) << j;
  EXPECT_NE(j.find("\"tf\": {\"packets\": 0, \"bytes\": 640}"), std::string::npos) << j;
}

TEST(StatsJson, PoolsWithSizeAvailableAndInUse) {
  const Snapshot s = two_ports();
  Totals t;
  t.port.resize(2);
  t.service.resize(1);
  t.flow.resize(1);
  const std::vector<PoolCount> pools = {{"production", 8192, 8000}, {"clone", 4096, 4096}};
  const std::string j = stats_json(s, t, nullptr, nullptr, &pools);
  EXPECT_NE(j.find("\"pools\": {\"production\": {\"size\": 8192, \"available\": 8000, \"in_use\": 192}, "
                   "\"clone\": {\"size\": 4096, \"available\": 4096, \"in_use\": 0}}}\n"),
            std::string::npos) << j;
  EXPECT_EQ(stats_json(s, t, nullptr, nullptr).find("pools"), std::string::npos);
}

}  // namespace
}  // namespace taas::dp
