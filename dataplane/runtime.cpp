#include "dataplane/runtime.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_errno.h>
#include <rte_pdump.h>
#include <rte_lcore.h>

#include <algorithm>
#include <chrono>

#include "control/log.hpp"
#include "dataplane/stats_json.hpp"

namespace taas::dp {
namespace {

int worker_main(void* arg) {
  auto* ctx = static_cast<std::pair<Worker*, const std::atomic<bool>*>*>(arg);
  ctx->first->run(*ctx->second);
  return 0;
}

}  // namespace

ctl::Result<std::unique_ptr<Runtime>> Runtime::start(Snapshot snap) {
  const std::uint32_t nworkers = snap.params.workers;
  if (rte_lcore_count() < nworkers + 1)
    return ctl::Error{snap.source, 0, 0, "dataplane.workers",
                      std::to_string(nworkers) + " worker(s) need " + std::to_string(nworkers + 1) +
                          " EAL lcores (one main), EAL has " + std::to_string(rte_lcore_count()) +
                          "; pass -l/--lcores after -- or lower the workers"};
  std::unique_ptr<Runtime> rt(new Runtime());
  const Snapshot& first = snap;
  // Clones pin production buffers until their monitor has sent them, so the
  // production pool must cover every RX and TX ring plus every clone that can
  // exist; otherwise a slow monitor could starve production of mbufs.
  DataplaneParams sized = first.params;
  // Up to one RX queue per worker on a port with RSS, one TX queue each.
  const std::uint64_t rings = first.ports.size() * nworkers *
                              (std::uint64_t{sized.rx_queue_size} + std::uint64_t{sized.tx_queue_size});
  const std::uint64_t need = rings + sized.clone_pool_size + std::uint64_t{nworkers} * 1024;
  if (sized.pool_size < need) {
    ctl::log(ctl::LogLevel::kDebug, "production pool raised from " + std::to_string(sized.pool_size) + " to " +
                                       std::to_string(need) + " mbufs: RX/TX rings plus clones in flight");
    sized.pool_size = static_cast<std::uint32_t>(need);
  }
  auto pools = Pools::create(sized, "");
  if (!pools) return pools.error();
  rt->pools_ = pools.value();
  auto ids = find_ports(first);
  if (!ids) return ids.error();  // ~Runtime frees the pools
  rt->ids_ = std::move(ids).value();
  auto caps = start_ports(first, rt->ids_, rt->pools_, static_cast<std::uint16_t>(nworkers));
  if (!caps) {
    rt->ids_.clear();  // start_ports closed what it had started
    return caps.error();
  }
  rt->caps_ = std::move(caps).value();
  // dpdk-dumpcap (a secondary process) can capture any port while taasd runs
  // on hugepages; without shared memory (--no-huge) it cannot attach.
  rt->pdump_ = rte_pdump_init() == 0;
  if (!rt->pdump_) ctl::log(ctl::LogLevel::kDebug, std::string("packet capture unavailable: ") + rte_strerror(rte_errno));

  // RX queue q of port p is polled by worker (p + q) % workers; every worker
  // owns TX queue <its index> on every port. The worker that polls queue 0
  // of a port resolves the next hops on it (`polled`).
  std::vector<std::vector<std::uint16_t>> polled(nworkers);
  std::vector<std::vector<RxQueue>> queues(nworkers);
  for (std::size_t p = 0; p < first.ports.size(); ++p) {
    polled[p % nworkers].push_back(static_cast<std::uint16_t>(p));
    for (std::uint16_t q = 0; q < rt->caps_[p].rx_queues; ++q)
      queues[(p + q) % nworkers].push_back(RxQueue{static_cast<std::uint16_t>(p), q});
  }
  const auto wall = std::chrono::system_clock::now().time_since_epoch();
  rt->publisher_ = std::make_unique<Publisher>(
      polled, SlotRegistry(rte_get_tsc_hz(), rte_rdtsc(),
                           static_cast<std::uint64_t>(
                               std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count())));
  rt->publisher_->publish(std::move(snap));

  rt->link_up_ = std::make_unique<std::atomic<std::uint8_t>[]>(rt->ids_.size());
  rt->poll_links();
  for (std::uint32_t w = 0; w < nworkers; ++w) {
    WorkerEnv env{rt->publisher_->cell(), rt->publisher_->rcu(), &rt->ids_, &rt->caps_, rt->pools_,
                  static_cast<std::uint16_t>(w), {}, rt->link_up_.get()};
    env.rx = queues[w];
    rt->workers_.push_back(std::make_unique<Worker>(std::move(env)));
  }
  auto& contexts = rt->launch_;
  contexts.reserve(nworkers);
  for (auto& w : rt->workers_) contexts.emplace_back(w.get(), &rt->stop_);
  unsigned lcore = 0;
  std::size_t next = 0;
  RTE_LCORE_FOREACH_WORKER(lcore) {
    if (next == contexts.size()) break;
    rte_eal_remote_launch(worker_main, &contexts[next++], lcore);
    rt->lcores_.push_back(lcore);
  }
  return rt;
}

Runtime::~Runtime() { stop(); }

bool Runtime::stop() {
  if (stopped_) return true;
  stopped_ = true;
  stop_.store(true, std::memory_order_release);
  for (const unsigned lcore : lcores_) rte_eal_wait_lcore(lcore);
  for (const auto& w : workers_) {
    if (!w->done()) ctl::log(ctl::LogLevel::kWarning, "a worker did not report done");
    w->return_stash();
  }
  if (publisher_ && publisher_->reclaim() != 0)  // every worker is offline now
    ctl::log(ctl::LogLevel::kWarning, "a retired snapshot generation could not be freed");
  if (pdump_) rte_pdump_uninit();
  pdump_ = false;
  close_ports(ids_);
  const bool returned = pools_.all_returned();
  final_pools_ = pools_.counts();
  std::string counts;
  for (const PoolCount& p : final_pools_)
    counts += (counts.empty() ? "" : ", ") + p.name + " " + std::to_string(p.available) + "/" + std::to_string(p.size);
  ctl::log(returned ? ctl::LogLevel::kInfo : ctl::LogLevel::kWarning,
           std::string(returned ? "every mbuf is back in its pool: " : "some mbufs did not return to their pools: ") +
               counts);
  pools_.destroy();
  return returned;
}

std::uint64_t Runtime::idle_ms() const noexcept {
  std::uint64_t last = 0;
  for (const auto& w : workers_) last = std::max(last, w->last_rx_tsc());
  const std::uint64_t now = rte_rdtsc();
  return now > last ? (now - last) * 1000 / rte_get_tsc_hz() : 0;
}

std::string Runtime::stats_json() const {
  std::vector<MacAddr> macs;
  for (const PortCaps& c : caps_) macs.push_back(c.mac);
  const Generation& g = publisher_->current();
  const std::vector<PoolCount> pools = stopped_ ? final_pools_ : pools_.counts();
  return dp::stats_json(g.snap, publisher_->totals(), &macs, &g.remote, &pools);
}

std::uint64_t Runtime::publish(Snapshot snap) { return publisher_->publish(std::move(snap)); }

std::size_t Runtime::reclaim() { return publisher_->reclaim(); }

bool Runtime::port_up(std::uint16_t port) const {
  return port < ids_.size() && link_up_ && link_up_[port].load(std::memory_order_relaxed) != 0;
}

std::vector<std::uint16_t> Runtime::poll_links() {
  std::vector<std::uint16_t> changed;
  for (std::size_t p = 0; p < ids_.size(); ++p) {
    rte_eth_link link{};
    const bool up = rte_eth_link_get_nowait(ids_[p], &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
    if (link_up_[p].exchange(up ? 1 : 0, std::memory_order_relaxed) != (up ? 1 : 0))
      changed.push_back(static_cast<std::uint16_t>(p));
  }
  return changed;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> Runtime::worker_cycles() const {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  for (const auto& w : workers_) out.emplace_back(w->busy_cycles(), w->idle_cycles());
  return out;
}

std::uint64_t Runtime::tsc_hz() const noexcept { return rte_get_tsc_hz(); }

std::uint32_t Runtime::workers_alive() const noexcept {
  std::uint32_t alive = 0;
  for (const auto& w : workers_) alive += (!stopped_ && !w->done()) ? 1 : 0;
  return alive;
}

}  // namespace taas::dp
