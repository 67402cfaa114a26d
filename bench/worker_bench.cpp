// The worker on real net_ring ports, one burst of 32 frames at a time:
// forward only, forward + one mirror copy (clone or linear copy), BOTH, for
// 64 / 512 / 1500-byte frames, forward + one ERSPAN III or VXLAN copy
// (outer header mbuf chained before a clone); and, over the very same rings, a plain io
// forward (rx_burst + tx_burst, what testpmd's io mode does) as the
// baseline measured in the same run. Frames are recycled from vm2's TX ring
// into vm1's RX ring, so each case pays the same ring costs as its baseline.
// Reports packets per second and TSC cycles per packet.

#include <benchmark/benchmark.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <sched.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "control/eal_args.hpp"
#include "control/intent.hpp"
#include "dataplane/pools.hpp"
#include "dataplane/ports.hpp"
#include "dataplane/worker.hpp"

namespace {

constexpr unsigned kBurst = 32;
constexpr unsigned kInFlight = 512;  // frames cycling between the rings

const char* const kPorts = R"(
version: 1
dataplane: {copy_below_bytes: COPY_BELOW}
networks: [{name: a, vlan: 100}]
underlay: {address: 192.0.2.10/24, mtu: 9000}  # 1500-byte frames fit: no truncation
ports:
  - {name: vm1, device: r0, role: vm, network: a}
  - {name: vm2, device: r1, role: vm, network: a}
  - {name: mon, device: r2, role: monitor}
tap_services:
  - {name: ts, port: mon}
  - {name: ts_e3, port: mon, remote_ip: 192.0.2.99, remote_mac: "02:00:00:00:00:0a", encap: erspan3}
  - {name: ts_vx, port: mon, remote_ip: 192.0.2.99, remote_mac: "02:00:00:00:00:0a", encap: vxlan, vni: 5000}
)";

struct Rig {
  taas::Snapshot snap;
  taas::dp::Pools pools;
  std::vector<rte_ring*> rx, tx;
  std::vector<std::uint16_t> ids;
  std::vector<taas::dp::PortCaps> caps;
  std::unique_ptr<taas::dp::Publisher> publisher;  // outlives the worker
  std::unique_ptr<taas::dp::Worker> worker;

  Rig(const std::string& flows, unsigned copy_below, unsigned frame_len) {
    static int seq = 0;
    std::string yaml = kPorts;
    yaml.replace(yaml.find("COPY_BELOW"), 10, std::to_string(copy_below));
    auto compiled = taas::ctl::compile_intent(yaml + flows, "bench.yaml");
    if (!compiled) throw std::runtime_error(compiled.error().to_string());
    snap = std::move(compiled).value();
    const std::string tag = "b" + std::to_string(++seq);
    pools = taas::dp::Pools::create(snap.params, tag).value();
    for (std::size_t i = 0; i < snap.ports.size(); ++i) {
      const std::string n = tag + "p" + std::to_string(i);
      rx.push_back(rte_ring_create((n + "rx").c_str(), 2048, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ));
      tx.push_back(rte_ring_create((n + "tx").c_str(), 2048, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ));
      ids.push_back(static_cast<std::uint16_t>(rte_eth_from_rings(("net_ring_" + n).c_str(), &rx[i], 1, &tx[i], 1, 0)));
    }
    caps = taas::dp::start_ports(snap, ids, pools, 1).value();
    std::vector<std::vector<std::uint16_t>> polled(1);
    for (std::uint16_t i = 0; i < ids.size(); ++i) polled[0].push_back(i);
    publisher = std::make_unique<taas::dp::Publisher>(polled, taas::dp::SlotRegistry(rte_get_tsc_hz(), rte_rdtsc(), 0));
    publisher->publish(snap);
    taas::dp::WorkerEnv env{publisher->cell(), publisher->rcu(), &ids, &caps, pools, 0, {}};
    for (std::uint16_t i = 0; i < ids.size(); ++i) env.rx.push_back({i, 0});
    worker = std::make_unique<taas::dp::Worker>(std::move(env));
    // vm2 introduces itself so that vm1 -> vm2 is known unicast.
    inject(frame_len, "\x02\x00\x00\x00\x00\x01", "\x02\x00\x00\x00\x00\x02", 1, 1);
    worker->poll_once();
    drain(0);
    drain(2);
    inject(frame_len, "\x02\x00\x00\x00\x00\x02", "\x02\x00\x00\x00\x00\x01", 0, kInFlight);
  }
  ~Rig() {
    taas::dp::close_ports(ids);
    for (auto* r : rx) drain_ring(r);
    for (auto* r : tx) drain_ring(r);
    worker.reset();
    for (auto* r : rx) rte_ring_free(r);
    for (auto* r : tx) rte_ring_free(r);
    pools.destroy();
  }
  void inject(unsigned len, const char* dst, const char* src, unsigned rx_port, unsigned n) {
    for (unsigned i = 0; i < n; ++i) {
      rte_mbuf* m = rte_pktmbuf_alloc(pools.production);
      if (m == nullptr) throw std::runtime_error("production pool empty");
      auto* d = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(len)));
      if (d == nullptr || len < 14) throw std::runtime_error("frame does not fit");
      std::memset(d, 0x5a, len);
      std::memcpy(d, dst, 6);
      std::memcpy(d + 6, src, 6);
      d[12] = 0x08;
      d[13] = 0x00;
      rte_ring_enqueue(rx[rx_port], m);
    }
  }
  static void drain_ring(rte_ring* r) {
    void* objs[kBurst];
    unsigned n;
    while ((n = rte_ring_dequeue_burst(r, objs, kBurst, nullptr)) != 0)
      rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs), n);
  }
  void drain(unsigned port) { drain_ring(tx[port]); }
  /// vm2's transmitted frames become vm1's received frames again.
  void recycle() {
    void* objs[kBurst * 2];
    const unsigned n = rte_ring_dequeue_burst(tx[1], objs, kBurst * 2, nullptr);
    rte_ring_enqueue_burst(rx[0], objs, n, nullptr);
  }
};

void report(benchmark::State& state, std::uint64_t cycles, std::uint64_t packets) {
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
  state.counters["cycles/pkt"] = packets ? static_cast<double>(cycles) / static_cast<double>(packets) : 0;
  state.counters["Mpps"] = benchmark::Counter(static_cast<double>(packets) / 1e6, benchmark::Counter::kIsRate);
}

/// Baseline: io forward vm1 -> vm2 over the same rings, no switching.
void BM_IoForwardRings(benchmark::State& state) {
  Rig rig("", 0, static_cast<unsigned>(state.range(0)));
  rte_mbuf* pkts[kBurst];
  std::uint64_t packets = 0;
  const std::uint64_t t0 = rte_rdtsc();
  for (auto _ : state) {
    const std::uint16_t n = rte_eth_rx_burst(rig.ids[0], 0, pkts, kBurst);
    const std::uint16_t sent = rte_eth_tx_burst(rig.ids[1], 0, pkts, n);
    for (std::uint16_t i = sent; i < n; ++i) rte_pktmbuf_free(pkts[i]);
    packets += n;
    rig.recycle();
  }
  report(state, rte_rdtsc() - t0, packets);
}

void run_worker(benchmark::State& state, const std::string& flows, unsigned copy_below) {
  Rig rig(flows, copy_below, static_cast<unsigned>(state.range(0)));
  std::uint64_t packets = 0;
  const std::uint64_t t0 = rte_rdtsc();
  for (auto _ : state) {
    packets += rig.worker->poll_once();
    rig.drain(2);  // the monitor frees its copies, as a NIC would after TX
    rig.recycle();
  }
  report(state, rte_rdtsc() - t0, packets);
}

const char* const kOut = "tap_flows: [{name: tf, source_port: vm1, tap_service: ts, direction: OUT}]\n";
const char* const kBoth = "tap_flows: [{name: tf, source_port: vm1, tap_service: ts, direction: BOTH},"
                          " {name: tf2, source_port: vm2, tap_service: ts, direction: BOTH}]\n";

const char* const kErspan3 = "tap_flows: [{name: tf, source_port: vm1, tap_service: ts_e3, direction: OUT}]\n";
const char* const kVxlan = "tap_flows: [{name: tf, source_port: vm1, tap_service: ts_vx, direction: OUT}]\n";

void BM_Forward(benchmark::State& s) { run_worker(s, "", 0); }
void BM_ForwardMirrorClone(benchmark::State& s) { run_worker(s, kOut, 0); }
void BM_ForwardMirrorCopy(benchmark::State& s) { run_worker(s, kOut, 65535); }
void BM_ForwardMirrorBothEndsClone(benchmark::State& s) { run_worker(s, kBoth, 0); }
void BM_ForwardMirrorErspan3(benchmark::State& s) { run_worker(s, kErspan3, 0); }
void BM_ForwardMirrorVxlan(benchmark::State& s) { run_worker(s, kVxlan, 0); }

// Interleaved registration: the machine's speed drifts, so each size runs
// every case back to back.
#define TAAS_CASES(size)                                                  \
  BENCHMARK(BM_IoForwardRings)->Arg(size);                                \
  BENCHMARK(BM_Forward)->Arg(size);                                       \
  BENCHMARK(BM_ForwardMirrorClone)->Arg(size);                            \
  BENCHMARK(BM_ForwardMirrorCopy)->Arg(size);                             \
  BENCHMARK(BM_ForwardMirrorBothEndsClone)->Arg(size);                   \
  BENCHMARK(BM_ForwardMirrorErspan3)->Arg(size);                         \
  BENCHMARK(BM_ForwardMirrorVxlan)->Arg(size);
TAAS_CASES(64)
TAAS_CASES(512)
TAAS_CASES(1500)

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args{"taas-bench", "--no-huge", "-m", "512", "--no-pci",
                                "--lcores=0@" + std::to_string(taas::ctl::read_host_facts().cpus[0]), "--log-level=error",
                                "--file-prefix=taas-bench-" + std::to_string(getpid())};
  std::vector<char*> eal;
  for (auto& a : args) eal.push_back(a.data());
  if (rte_eal_init(static_cast<int>(eal.size()), eal.data()) < 0) return 1;
  const std::string runtime_dir = rte_eal_get_runtime_dir();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  rte_eal_cleanup();
  std::error_code ec;
  std::filesystem::remove_all(runtime_dir, ec);
  return 0;
}
