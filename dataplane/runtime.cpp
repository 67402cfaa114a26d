#include "dataplane/runtime.hpp"

#include <rte_cycles.h>
#include <rte_launch.h>
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
  std::unique_ptr<Runtime> rt(new Runtime(std::move(snap)));
  // Clones pin production buffers until their monitor has sent them, so the
  // production pool must cover every RX and TX ring plus every clone that can
  // exist; otherwise a slow monitor could starve production of mbufs.
  DataplaneParams sized = rt->snap_.params;
  const std::uint64_t rings = rt->snap_.ports.size() *
                              (std::uint64_t{sized.rx_queue_size} + std::uint64_t{sized.tx_queue_size} * nworkers);
  const std::uint64_t need = rings + sized.clone_pool_size + std::uint64_t{nworkers} * 1024;
  if (sized.pool_size < need) {
    ctl::log(ctl::LogLevel::kDebug, "production pool raised from " + std::to_string(sized.pool_size) + " to " +
                                       std::to_string(need) + " mbufs: RX/TX rings plus clones in flight");
    sized.pool_size = static_cast<std::uint32_t>(need);
  }
  auto pools = Pools::create(sized, "");
  if (!pools) return pools.error();
  rt->pools_ = pools.value();
  auto ids = find_ports(rt->snap_);
  if (!ids) return ids.error();  // ~Runtime frees the pools
  rt->ids_ = std::move(ids).value();
  auto caps = start_ports(rt->snap_, rt->ids_, rt->pools_, static_cast<std::uint16_t>(nworkers));
  if (!caps) {
    rt->ids_.clear();  // start_ports closed what it had started
    return caps.error();
  }
  rt->caps_ = std::move(caps).value();

  const auto wall = std::chrono::system_clock::now().time_since_epoch();
  rt->remote_ = std::make_unique<RemoteState>(
      rt->snap_, rte_get_tsc_hz(), rte_rdtsc(),
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count()));

  // Port i's RX queue is polled by worker i % workers; every worker owns TX
  // queue <its index> on every port.
  for (std::uint32_t w = 0; w < nworkers; ++w) {
    WorkerEnv env{&rt->snap_, &rt->ids_, &rt->caps_, rt->pools_, static_cast<std::uint16_t>(w), {}, rt->remote_.get()};
    for (std::size_t p = 0; p < rt->snap_.ports.size(); ++p)
      if (p % nworkers == w) env.rx.push_back(RxQueue{static_cast<std::uint16_t>(p), 0});
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
  close_ports(ids_);
  const bool returned = pools_.all_returned();
  if (!returned) ctl::log(ctl::LogLevel::kWarning, "some mbufs did not return to their pools");
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
  std::vector<const WorkerCounters*> counters;
  for (const auto& w : workers_) counters.push_back(&w->counters());
  std::vector<MacAddr> macs;
  for (const PortCaps& c : caps_) macs.push_back(c.mac);
  return dp::stats_json(snap_, counters, &macs, remote_.get());
}

}  // namespace taas::dp
