#include "tests/fuzz/packet_rig.hpp"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "control/eal_args.hpp"
#include "control/intent.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace taas::fuzz {
namespace {

std::string g_runtime_dir;

void remove_runtime_dir() {
  if (g_runtime_dir.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(g_runtime_dir, ec);
}

}  // namespace

void eal_init_once() {
  static bool done = false;
  if (done) return;
  done = true;
  std::vector<std::string> args{"fuzz_packet",
                                "--no-huge",
                                "-m",
                                "512",
                                "--no-pci",
                                "--no-telemetry",
                                "--lcores=0@" + std::to_string(taas::ctl::read_host_facts().cpus[0]),
                                "--log-level=error",
                                "--file-prefix=taas-fuzz-" + std::to_string(getpid())};
  static std::vector<std::string> keep;  // EAL keeps pointers into argv
  keep = args;
  std::vector<char*> argv;
  for (auto& a : keep) argv.push_back(a.data());
  const int rc = rte_eal_init(static_cast<int>(argv.size()), argv.data());
  FUZZ_CHECK(rc >= 0, "rte_eal_init failed");
  g_runtime_dir = rte_eal_get_runtime_dir();
  std::atexit(remove_runtime_dir);
}

unsigned pool_free(const rte_mempool* mp) { return rte_mempool_avail_count(mp); }

PacketRig::PacketRig(const std::string& intent_yaml, const std::string& tag,
                     const std::vector<std::string>& no_multi_seg) {
  auto compiled = ctl::compile_intent(intent_yaml, "fuzz_packet-" + tag + ".yaml");
  FUZZ_CHECK(compiled.ok(), "rig intent rejected: " + (compiled.ok() ? std::string() : compiled.error().to_string()));
  snap_ = std::move(compiled).value();
  auto pools = dp::Pools::create(snap_.params, "fz" + tag);
  FUZZ_CHECK(pools.ok(), "pools: " + (pools.ok() ? std::string() : pools.error().to_string()));
  pools_ = pools.value();
  for (std::size_t i = 0; i < snap_.ports.size(); ++i) {
    const std::string base = "fz" + tag + "p" + std::to_string(i);
    rte_ring* rx = rte_ring_create((base + "rx").c_str(), 256, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    rte_ring* tx = rte_ring_create((base + "tx").c_str(), 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    FUZZ_CHECK(rx != nullptr && tx != nullptr, "rte_ring_create " + base);
    rx_.push_back(rx);
    tx_.push_back(tx);
    const int id = rte_eth_from_rings(("net_ring_" + base).c_str(), &rx, 1, &tx, 1, SOCKET_ID_ANY);
    FUZZ_CHECK(id >= 0, "rte_eth_from_rings " + base);
    ids_.push_back(static_cast<std::uint16_t>(id));
  }
  auto caps = dp::start_ports(snap_, ids_, pools_, 1);
  FUZZ_CHECK(caps.ok(), "start_ports: " + (caps.ok() ? std::string() : caps.error().to_string()));
  caps_ = std::move(caps).value();
  for (const std::string& name : no_multi_seg) caps_[port(name)].multi_seg_tx = false;

  std::vector<std::vector<std::uint16_t>> polled(1);
  for (std::size_t i = 0; i < ids_.size(); ++i) polled[0].push_back(static_cast<std::uint16_t>(i));
  const auto wall = std::chrono::system_clock::now().time_since_epoch();
  publisher_ = std::make_unique<dp::Publisher>(
      polled, dp::SlotRegistry(rte_get_tsc_hz(), rte_rdtsc(),
                               static_cast<std::uint64_t>(
                                   std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count())));
  publisher_->publish(snap_);
  dp::WorkerEnv env{publisher_->cell(), publisher_->rcu(), &ids_, &caps_, pools_, 0, {}, nullptr};
  for (std::size_t i = 0; i < ids_.size(); ++i) env.rx.push_back(dp::RxQueue{static_cast<std::uint16_t>(i), 0});
  worker_ = std::make_unique<dp::Worker>(std::move(env));
}

std::uint16_t PacketRig::port(const std::string& name) const {
  for (std::size_t i = 0; i < snap_.ports.size(); ++i)
    if (snap_.ports[i].name == name) return static_cast<std::uint16_t>(i);
  fail(__FILE__, __LINE__, "port", "no port " + name);
}

bool PacketRig::inject(std::uint16_t port, rte_mbuf* m) { return rte_ring_enqueue(rx_[port], m) == 0; }

void PacketRig::dequeue(std::uint16_t port, std::vector<rte_mbuf*>& out) {
  void* obj = nullptr;
  while (rte_ring_dequeue(tx_[port], &obj) == 0) out.push_back(static_cast<rte_mbuf*>(obj));
}

unsigned PacketRig::rx_pending(std::uint16_t port) const { return rte_ring_count(rx_[port]); }

}  // namespace taas::fuzz
