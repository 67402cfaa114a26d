// Port bring-up on real PMDs: a device with RSS (net_null hashes) gets one
// RX queue per worker with RSS enabled, so the workers share its traffic;
// a device without RSS (net_ring) keeps one RX queue whatever the workers.

#include <gtest/gtest.h>
#include <rte_dev.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include <string>
#include <vector>

#include "control/intent.hpp"
#include "dataplane/pools.hpp"
#include "dataplane/ports.hpp"

namespace taas {
namespace {

struct Brought {
  Snapshot snap;
  dp::Pools pools;
  std::vector<std::uint16_t> ids;
  std::vector<dp::PortCaps> caps;
};

/// vm1 on a fresh net_null device, vm2 on a net_ring pair, brought up for
/// `workers` workers.
void bring_up(unsigned workers, const std::string& tag, Brought& b) {
  const std::string null_dev = "net_null_" + tag;
  ASSERT_EQ(rte_eal_hotplug_add("vdev", null_dev.c_str(), ""), 0) << "cannot probe " << null_dev;
  rte_ring* rx = rte_ring_create((tag + "rx").c_str(), 256, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
  rte_ring* tx[2];
  for (unsigned q = 0; q < 2; ++q)
    tx[q] = rte_ring_create((tag + "tx" + std::to_string(q)).c_str(), 256, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
  ASSERT_NE(rx, nullptr);
  const std::string ring_dev = "net_ring_" + tag;  // rte_eth_from_rings prefixes "net_ring_"
  const int ring_id = rte_eth_from_rings(tag.c_str(), &rx, 1, tx, 2, 0);
  ASSERT_GE(ring_id, 0);
  char probed[RTE_ETH_NAME_MAX_LEN];
  ASSERT_EQ(rte_eth_dev_get_name_by_port(static_cast<std::uint16_t>(ring_id), probed), 0);
  ASSERT_EQ(std::string(probed), ring_dev);
  const std::string yaml = "version: 1\ndataplane: {workers: " + std::to_string(workers) +
                           "}\nnetworks: [{name: a, vlan: 10}]\nports:\n"
                           "  - {name: vm1, device: " + null_dev + ", role: vm, network: a}\n"
                           "  - {name: vm2, device: " + ring_dev + ", role: vm, network: a}\n";
  auto compiled = ctl::compile_intent(yaml, "ports_test.yaml");
  ASSERT_TRUE(compiled) << compiled.error().to_string();
  b.snap = std::move(compiled).value();
  auto pools = dp::Pools::create(b.snap.params, tag);
  ASSERT_TRUE(pools) << pools.error().to_string();
  b.pools = pools.value();
  auto ids = dp::find_ports(b.snap);
  ASSERT_TRUE(ids) << ids.error().to_string();
  b.ids = ids.value();
  auto caps = dp::start_ports(b.snap, b.ids, b.pools, static_cast<std::uint16_t>(workers));
  ASSERT_TRUE(caps) << caps.error().to_string();
  b.caps = caps.value();
}

void tear_down(Brought& b) {
  dp::close_ports(b.ids);
  EXPECT_TRUE(b.pools.all_returned());
  b.pools.destroy();
}

TEST(Ports, RssDeviceGetsOneRxQueuePerWorker) {
  Brought b;
  bring_up(2, "rss2", b);
  if (HasFatalFailure()) return;
  ASSERT_EQ(b.caps.size(), 2u);
  EXPECT_EQ(b.caps[0].rx_queues, 2) << "net_null offers RSS: one RX queue per worker";
  EXPECT_EQ(b.caps[1].rx_queues, 1) << "net_ring has no RSS: one RX queue";
  rte_eth_rss_conf rss{};
  ASSERT_EQ(rte_eth_dev_rss_hash_conf_get(b.ids[0], &rss), 0);
  EXPECT_NE(rss.rss_hf & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP), 0u) << "RSS is enabled on the device";
  // Both queues deliver: each worker gets frames from its own queue.
  rte_mbuf* pkts[8];
  for (std::uint16_t q = 0; q < 2; ++q) {
    const std::uint16_t n = rte_eth_rx_burst(b.ids[0], q, pkts, 8);
    EXPECT_GT(n, 0) << "queue " << q;
    rte_pktmbuf_free_bulk(pkts, n);
  }
  tear_down(b);
}

TEST(Ports, OneWorkerKeepsOneRxQueue) {
  Brought b;
  bring_up(1, "rss1", b);
  if (HasFatalFailure()) return;
  EXPECT_EQ(b.caps[0].rx_queues, 1);
  EXPECT_EQ(b.caps[1].rx_queues, 1);
  tear_down(b);
}

}  // namespace
}  // namespace taas
