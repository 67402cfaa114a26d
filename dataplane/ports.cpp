#include "dataplane/ports.hpp"

#include <rte_errno.h>
#include <rte_ethdev.h>

#include <algorithm>
#include <string>

#include "control/eal_args.hpp"

namespace taas::dp {
namespace {

constexpr std::uint64_t kRssHash = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;

ctl::Error port_error(const Snapshot& snap, std::size_t i, const std::string& what, int rc) {
  return ctl::Error{snap.source, 0, 0, "ports[" + std::to_string(i) + "].device",
                    "port '" + snap.ports[i].name + "' (" + snap.ports[i].device + "): " + what + ": " +
                        rte_strerror(rc < 0 ? -rc : rc)};
}

}  // namespace

ctl::Result<std::vector<std::uint16_t>> find_ports(const Snapshot& snap) {
  std::vector<std::uint16_t> ids;
  for (std::size_t i = 0; i < snap.ports.size(); ++i) {
    const std::string name = ctl::device_name(snap.ports[i].device);
    std::uint16_t id = 0;
    if (rte_eth_dev_get_port_by_name(name.c_str(), &id) != 0)
      return ctl::Error{snap.source, 0, 0, "ports[" + std::to_string(i) + "].device",
                        "port '" + snap.ports[i].name + "': no DPDK device named '" + name +
                            "' was probed (check the devargs and that its PMD is installed)"};
    ids.push_back(id);
  }
  return ids;
}

ctl::Result<std::vector<PortCaps>> start_ports(const Snapshot& snap, const std::vector<std::uint16_t>& ids,
                                               const Pools& pools, std::uint16_t tx_queues) {
  std::vector<PortCaps> caps;
  std::vector<std::uint16_t> started;
  auto fail = [&](ctl::Error e) {
    close_ports(started);
    return e;
  };
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::uint16_t id = ids[i];
    rte_eth_dev_info info{};
    int rc = rte_eth_dev_info_get(id, &info);
    if (rc != 0) return fail(port_error(snap, i, "cannot read device info", rc));
    if (info.max_tx_queues < tx_queues)
      return fail(ctl::Error{snap.source, 0, 0, "dataplane.workers",
                             "port '" + snap.ports[i].name + "' offers " + std::to_string(info.max_tx_queues) +
                                 " TX queue(s) but " + std::to_string(tx_queues) +
                                 " workers need one each; use fewer workers"});

    rte_eth_conf conf{};
    // Requested offloads, masked with what the device offers (FIELD-NOTES:
    // net_null refuses MULTI_SEGS outright).
    const std::uint64_t want_tx = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
    conf.txmode.offloads = want_tx & info.tx_offload_capa;
    conf.rxmode.offloads = 0;
    PortCaps& cap = caps.emplace_back();
    cap.multi_seg_tx = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
    rte_ether_addr mac{};
    if (rte_eth_macaddr_get(id, &mac) == 0) std::copy(mac.addr_bytes, mac.addr_bytes + 6, cap.mac.begin());
    if (rte_is_zero_ether_addr(&mac)) {
      // Some vdevs (net_ring) report 00:00:00:00:00:00 and refuse a new
      // one; ARP, ND and outer headers need a real source: a locally
      // administered address derived from the port index.
      cap.mac = {0x02, 0x74, 0x61, 0x61, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
    }

    const bool vhost = info.driver_name != nullptr && std::string(info.driver_name) == "net_vhost";
    // RSS: a device that hashes spreads its frames over one RX queue per
    // worker (by IP addresses and L4 ports, so a flow stays in order on one
    // worker).
    const std::uint64_t rss = kRssHash & info.flow_type_rss_offloads;
    if (vhost) {
      cap.rx_queues = std::max<std::uint16_t>(1, info.max_rx_queues);
    } else if (rss != 0 && tx_queues > 1 && info.max_rx_queues > 1) {
      cap.rx_queues = std::min(tx_queues, info.max_rx_queues);
      conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
      conf.rx_adv_conf.rss_conf.rss_hf = rss;
    } else {
      cap.rx_queues = 1;
    }
    rc = rte_eth_dev_configure(id, cap.rx_queues, tx_queues, &conf);
    if (rc != 0) return fail(port_error(snap, i, "configure failed", rc));
    std::uint16_t nb_rxd = static_cast<std::uint16_t>(snap.params.rx_queue_size);
    std::uint16_t nb_txd = static_cast<std::uint16_t>(snap.params.tx_queue_size);
    rc = rte_eth_dev_adjust_nb_rx_tx_desc(id, &nb_rxd, &nb_txd);
    if (rc != 0) return fail(port_error(snap, i, "descriptor counts rejected", rc));
    const int socket = rte_eth_dev_socket_id(id) < 0 ? 0 : rte_eth_dev_socket_id(id);
    for (std::uint16_t q = 0; q < cap.rx_queues; ++q) {
      rc = rte_eth_rx_queue_setup(id, q, nb_rxd, static_cast<unsigned>(socket), nullptr, pools.production);
      if (rc != 0) return fail(port_error(snap, i, "RX queue set-up failed", rc));
    }
    rte_eth_txconf txconf = info.default_txconf;
    txconf.offloads = conf.txmode.offloads;
    for (std::uint16_t q = 0; q < tx_queues; ++q) {
      rc = rte_eth_tx_queue_setup(id, q, nb_txd, static_cast<unsigned>(socket), &txconf);
      if (rc != 0) return fail(port_error(snap, i, "TX queue set-up failed", rc));
    }
    rc = rte_eth_dev_start(id);
    if (rc != 0) return fail(port_error(snap, i, "start failed", rc));
    started.push_back(id);
    // A switch port must see every frame; vdevs without the notion say so.
    (void)rte_eth_promiscuous_enable(id);
  }
  return caps;
}

void close_ports(const std::vector<std::uint16_t>& ids) noexcept {
  for (const std::uint16_t id : ids) {
    (void)rte_eth_dev_stop(id);
    (void)rte_eth_dev_close(id);
  }
}

}  // namespace taas::dp
