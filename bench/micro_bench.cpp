// Micro benchmarks of the worker's per-frame pieces, each over pre-built
// bursts of 32 real mbufs from the real pools (dataplane/pools.hpp):
//
// - classify: picking a frame's mirror targets (mirror_out of the source
//   port, mirror_in of the destination, the vlan_filter test) in snapshots
//   compiled from YAML, with 0 / 1 / 4 destinations per frame;
// - mac: MacTable learn + lookup as from_vm() does, 1,000 MACs, all hits;
// - mirror: one copy per destination (0 / 1 / 4) by rte_pktmbuf_clone, by the
//   worker's own clone (bulk stash + rte_pktmbuf_attach) or by
//   rte_pktmbuf_copy, freed after each burst as a NIC would after TX;
// - encap: ERSPAN II, ERSPAN III and VXLAN over IPv4 and IPv6, templates
//   compiled from YAML by the control plane, written by dp::encap_write into
//   a header mbuf chained before a clone (Worker::mirror_remote), then freed.
//
// Each case reports cycles/pkt and ns/pkt (TSC over the whole timed loop
// divided by frames) and items processed, and aborts if any pool is missing
// an mbuf at its end. Cases are registered size by size so that every variant
// of one frame size runs back to back (the machine's speed drifts).

#include <benchmark/benchmark.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <sched.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "control/eal_args.hpp"
#include "control/intent.hpp"
#include "dataplane/encap.hpp"
#include "dataplane/frame.hpp"
#include "dataplane/mac_table.hpp"
#include "dataplane/pools.hpp"
#include "dataplane/remote_state.hpp"

namespace {

using taas::MirrorTarget;
using taas::Snapshot;

constexpr unsigned kBurst = 32;
constexpr unsigned kMaxDst = 4;
constexpr unsigned kMacs = 1000;       // MACs in the switch table
constexpr unsigned kMacBursts = 32;    // 1,024 frames cycle over all of them
constexpr unsigned kClassifyLen = 64;  // frame size where only headers matter

taas::dp::Pools g_pools;  // main thread creates them after EAL init
std::uint64_t g_hz = 1;
Snapshot g_classify[3];  // 0, 1, 4 destinations per frame
Snapshot g_remote;       // six remote services, one per encapsulation
std::string g_runtime_dir;  // EAL's, removed at exit (and on abort)

/// Aborts the run loudly (a leak or a broken case must not pass unnoticed).
[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "micro-bench: FATAL: %s\n", what.c_str());
  std::error_code ec;
  if (!g_runtime_dir.empty()) std::filesystem::remove_all(g_runtime_dir, ec);
  std::abort();
}

/// Aborts unless every pool holds all of its mbufs again. Main thread, at
/// the end of each case (after its bursts are freed).
void check_no_leak(const std::string& bench) {
  for (const rte_mempool* mp : {g_pools.production, g_pools.mirror, g_pools.clone}) {
    const unsigned avail = rte_mempool_avail_count(mp);
    if (avail != mp->size)
      die(bench + ": pool " + mp->name + " holds " + std::to_string(avail) + " of " + std::to_string(mp->size) +
          " mbufs after the case (leak)");
  }
}

void report(benchmark::State& state, std::uint64_t cycles, std::uint64_t packets) {
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
  const double cpp = packets ? static_cast<double>(cycles) / static_cast<double>(packets) : 0;
  state.counters["cycles/pkt"] = cpp;
  state.counters["ns/pkt"] = cpp * 1e9 / static_cast<double>(g_hz);
}

Snapshot compile(const std::string& yaml) {
  auto compiled = taas::ctl::compile_intent(yaml, "micro-bench.yaml");
  if (!compiled) die("intent rejected: " + compiled.error().to_string() + "\n" + yaml);
  return std::move(compiled).value();
}

/// vm1, vm2 on network a (VLAN 100), four monitors; `dst` BOTH flows on vm1,
/// each with a vlan_filter that VLAN 100 passes: every frame between vm1 and
/// vm2 gets `dst` targets (vm1's OUT one way, vm1's IN the other).
Snapshot classify_snapshot(unsigned dst) {
  std::string y =
      "version: 1\n"
      "networks: [{name: a, vlan: 100}]\n"
      "ports:\n"
      "  - {name: vm1, device: r0, role: vm, network: a}\n"
      "  - {name: vm2, device: r1, role: vm, network: a}\n";
  for (unsigned i = 1; i <= kMaxDst; ++i)
    y += "  - {name: mon" + std::to_string(i) + ", device: m" + std::to_string(i) + ", role: monitor}\n";
  y += "tap_services:\n";
  for (unsigned i = 1; i <= kMaxDst; ++i)
    y += "  - {name: ts" + std::to_string(i) + ", port: mon" + std::to_string(i) + "}\n";
  if (dst != 0) y += "tap_flows:\n";
  for (unsigned i = 1; i <= dst; ++i)
    y += "  - {name: f" + std::to_string(i) + ", source_port: vm1, tap_service: ts" + std::to_string(i) +
         ", direction: BOTH, vlan_filter: '1-99,100,200-300'}\n";
  return compile(y);
}

/// Six internal-mode remote services on one monitor port (static next-hop
/// MAC, so no ARP), one OUT flow each from vm1. MTU 9000: 1500-byte frames
/// are never truncated, so every copy takes the header + clone path.
Snapshot remote_snapshot() {
  std::string y = R"(version: 1
networks: [{name: a, vlan: 100}]
underlay: {address: 192.0.2.10/24, address6: '2001:db8::10/64', mtu: 9000}
ports:
  - {name: vm1, device: r0, role: vm, network: a}
  - {name: mon, device: r1, role: monitor}
tap_services:
)";
  const char* const kinds[] = {"erspan2", "erspan3", "vxlan"};
  for (const char* k : kinds) {
    y += std::string("  - {name: ") + k + "_v4, port: mon, remote_ip: 192.0.2.99, remote_mac: '02:00:00:00:00:0a', encap: " +
         k + (std::strcmp(k, "vxlan") == 0 ? ", vni: 5000}\n" : "}\n");
    y += std::string("  - {name: ") + k + "_v6, port: mon, remote_ip: '2001:db8::99', remote_mac: '02:00:00:00:00:0a', encap: " +
         k + (std::strcmp(k, "vxlan") == 0 ? ", vni: 5000}\n" : "}\n");
  }
  y += "tap_flows:\n";
  for (const char* k : kinds)
    for (const char* v : {"_v4", "_v6"})
      y += std::string("  - {name: f_") + k + v + ", source_port: vm1, tap_service: " + k + v + ", direction: OUT}\n";
  return compile(y);
}

std::array<std::uint8_t, 6> mac_of(unsigned i) {
  return {0x02, 0x00, 0x00, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
          static_cast<std::uint8_t>(i)};
}

/// 32 Ethernet / IPv4 / UDP frames of `len` bytes from the production pool.
/// Frame i is from MAC (base + i) % macs to MAC (base + i + macs / 2) % macs;
/// a MAC's port is its number % 2 (port 0 = vm1, 1 = vm2), set in m->port.
struct Burst {
  std::array<rte_mbuf*, kBurst> pkts{};
  std::array<std::uint16_t, kBurst> dst_port{};

  Burst(unsigned len, unsigned base, unsigned macs) {
    if (len < 42) die("frame too short for Ethernet/IPv4/UDP");
    for (unsigned i = 0; i < kBurst; ++i) {
      const unsigned src = (base + i) % macs, dst = (base + i + macs / 2) % macs;
      rte_mbuf* m = rte_pktmbuf_alloc(g_pools.production);
      auto* d = m ? reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(len))) : nullptr;
      if (d == nullptr) die("cannot build a " + std::to_string(len) + "-byte frame");
      pkts[i] = m;
      for (unsigned k = 0; k < len; ++k) d[k] = static_cast<std::uint8_t>(k * 7 + i);
      std::memcpy(d, mac_of(dst).data(), 6);
      std::memcpy(d + 6, mac_of(src).data(), 6);
      const std::uint8_t l3[] = {0x08, 0x00, 0x45, 0x00, static_cast<std::uint8_t>((len - 14) >> 8),
                                 static_cast<std::uint8_t>(len - 14), 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1,
                                 10, 0, 0, static_cast<std::uint8_t>(i), 0x03, 0xe8, 0x07, 0xd0};
      std::memcpy(d + 12, l3, sizeof l3);
      m->port = static_cast<std::uint16_t>(src % 2);
      dst_port[i] = static_cast<std::uint16_t>(dst % 2);
    }
  }
  ~Burst() { rte_pktmbuf_free_bulk(pkts.data(), kBurst); }
  Burst(const Burst&) = delete;
  Burst& operator=(const Burst&) = delete;
};

// ---- 1. classification: Worker::mirror()'s choice of targets ----

/// Worker::frame_vlan: the frame's own tag, else its VM port's network VLAN.
std::uint16_t frame_vlan(const Snapshot& s, const rte_mbuf* m, std::uint16_t vm) noexcept {
  const auto* eth = rte_pktmbuf_mtod(m, const rte_ether_hdr*);
  if (taas::dp::is_vlan_tpid(eth->ether_type) &&
      rte_pktmbuf_data_len(m) >= taas::dp::kEthHdrLen + sizeof(rte_vlan_hdr)) {
    const auto* vh = reinterpret_cast<const rte_vlan_hdr*>(eth + 1);
    return rte_be_to_cpu_16(vh->vlan_tci) & 0x0fff;
  }
  const std::uint16_t net = s.ports[vm].network;
  return net == taas::kNone ? 0 : s.networks[net].vlan;
}

/// The targets of `targets` that get a copy of `m` (Worker::mirror's loop,
/// without the copying), appended to `out`; returns how many.
unsigned select_targets(const Snapshot& s, const std::vector<MirrorTarget>& targets, const rte_mbuf* m,
                        std::uint16_t vm, const MirrorTarget** out) noexcept {
  if (targets.empty()) return 0;
  unsigned n = 0;
  std::uint16_t vlan = taas::kNone;
  for (const MirrorTarget& t : targets) {
    if (t.filter != taas::kNone) {
      if (vlan == taas::kNone) vlan = frame_vlan(s, m, vm);
      if (!s.vlan_filters[t.filter].test(vlan)) continue;
    }
    out[n++] = &t;
  }
  return n;
}

void bm_classify(benchmark::State& state, std::string label, unsigned snap_index, unsigned dst) {
  {
    const Snapshot& s = g_classify[snap_index];
    Burst b(kClassifyLen, 0, 2);  // alternately vm1 -> vm2 and vm2 -> vm1
    const MirrorTarget* sel[2 * kMaxDst];
    std::uint64_t packets = 0, selected = 0;
    const std::uint64_t t0 = rte_rdtsc();
    for (auto _ : state) {
      for (unsigned i = 0; i < kBurst; ++i) {
        const rte_mbuf* m = b.pkts[i];
        const std::uint16_t in = m->port, out = b.dst_port[i];
        unsigned n = select_targets(s, s.mirror_out[in], m, in, sel);
        n += select_targets(s, s.mirror_in[out], m, out, sel + n);
        benchmark::DoNotOptimize(sel);
        selected += n;
      }
      packets += kBurst;
    }
    report(state, rte_rdtsc() - t0, packets);
    if (selected != packets * dst)
      die(label + ": " + std::to_string(selected) + " targets for " + std::to_string(packets) + " frames");
  }
  check_no_leak(label);
}

// ---- 2. the switch: MacTable learn + lookup, as Worker::from_vm ----

void bm_mac(benchmark::State& state, std::string label) {
  {
    const taas::DataplaneParams params;
    taas::dp::MacTable table(params.mac_table_size, std::uint64_t{params.mac_age_seconds} * g_hz);
    const std::uint16_t net = 0;
    std::uint64_t now = rte_rdtsc();
    for (unsigned i = 0; i < kMacs; ++i) table.learn(net, mac_of(i).data(), static_cast<std::uint16_t>(i % 2), now);
    std::vector<std::unique_ptr<Burst>> bursts;
    for (unsigned k = 0; k < kMacBursts; ++k) bursts.push_back(std::make_unique<Burst>(kClassifyLen, k * kBurst, kMacs));
    std::uint64_t packets = 0, hits = 0;
    unsigned next = 0;
    const std::uint64_t t0 = rte_rdtsc();
    for (auto _ : state) {
      const Burst& b = *bursts[next];
      next = (next + 1) % kMacBursts;
      now = rte_rdtsc();  // once per poll, as Worker::poll_once
      for (rte_mbuf* m : b.pkts) {
        const auto* eth = rte_pktmbuf_mtod(m, const rte_ether_hdr*);
        const std::uint16_t in = m->port;
        if (!rte_is_multicast_ether_addr(&eth->src_addr)) table.learn(net, eth->src_addr.addr_bytes, in, now);
        const std::uint16_t dst =
            rte_is_unicast_ether_addr(&eth->dst_addr) ? table.lookup(net, eth->dst_addr.addr_bytes, now) : taas::kNone;
        hits += dst != taas::kNone ? 1 : 0;
      }
      packets += kBurst;
    }
    report(state, rte_rdtsc() - t0, packets);
    if (hits != packets) die(label + ": " + std::to_string(packets - hits) + " lookups missed");
    if (table.live_entries(rte_rdtsc()) != kMacs) die(label + ": table does not hold exactly 1000 MACs");
  }
  check_no_leak(label);
}

// ---- 3. clone versus copy ----

/// Worker::clone for single-segment frames: clone mbufs taken from the pool
/// half a 64-mbuf stash at a time and attached to the frame.
class CloneStash {
 public:
  CloneStash() = default;
  CloneStash(const CloneStash&) = delete;
  CloneStash& operator=(const CloneStash&) = delete;
  ~CloneStash() {
    if (n_ != 0) rte_pktmbuf_free_bulk(stash_, n_);
  }
  rte_mbuf* clone(rte_mbuf* m) noexcept {
    if (m->nb_segs > 1) return rte_pktmbuf_clone(m, g_pools.clone);
    if (n_ == 0) {
      if (rte_pktmbuf_alloc_bulk(g_pools.clone, stash_, kStash / 2) != 0) return nullptr;
      n_ = kStash / 2;
    }
    rte_mbuf* c = stash_[--n_];
    rte_pktmbuf_attach(c, m);
    return c;
  }

 private:
  static constexpr unsigned kStash = 64;
  rte_mbuf* stash_[kStash];
  unsigned n_ = 0;
};

enum class CopyKind { kClone, kCloneAttach, kCopy };
const char* const kCopyKindName[] = {"clone", "clone_attach", "copy"};

template <CopyKind K>
void bm_mirror(benchmark::State& state, std::string label, unsigned len, unsigned dst) {
  {
    Burst b(len, 0, 2);
    CloneStash stash;
    std::array<rte_mbuf*, kBurst * kMaxDst> out;
    std::uint64_t packets = 0;
    const std::uint64_t t0 = rte_rdtsc();
    for (auto _ : state) {
      unsigned n = 0;
      for (rte_mbuf* m : b.pkts) {
        for (unsigned d = 0; d < dst; ++d) {
          rte_mbuf* c;
          if constexpr (K == CopyKind::kClone) {
            c = rte_pktmbuf_clone(m, g_pools.clone);
          } else if constexpr (K == CopyKind::kCloneAttach) {
            c = stash.clone(m);
          } else {
            c = rte_pktmbuf_copy(m, g_pools.mirror, 0, UINT32_MAX);
          }
          if (c == nullptr) die(label + ": pool empty");
          out[n++] = c;
        }
      }
      if (n != 0) rte_pktmbuf_free_bulk(out.data(), n);  // the NIC, after TX
      packets += kBurst;
    }
    report(state, rte_rdtsc() - t0, packets);
  }
  check_no_leak(label);
}

// ---- 4. encapsulation: Worker::mirror_remote's header + clone path ----

struct EncapCase {
  const char* service;  // in remote_snapshot()
  taas::Encap encap;
  bool ipv6;
};
const EncapCase kEncapCases[] = {
    {"erspan2_v4", taas::Encap::kErspan2, false}, {"erspan2_v6", taas::Encap::kErspan2, true},
    {"erspan3_v4", taas::Encap::kErspan3, false}, {"erspan3_v6", taas::Encap::kErspan3, true},
    {"vxlan_v4", taas::Encap::kVxlan, false},     {"vxlan_v6", taas::Encap::kVxlan, true},
};

const taas::EncapEntry& encap_entry(const EncapCase& c) {
  for (const MirrorTarget& t : g_remote.mirror_out[0]) {
    if (g_remote.services[t.service].name != c.service) continue;
    if (t.encap == taas::kNoIndex) die(std::string(c.service) + ": target has no encapsulation");
    const taas::EncapEntry& e = g_remote.encaps[t.encap];
    if (e.tmpl.encap != c.encap || e.tmpl.ipv6 != c.ipv6 || e.tmpl.len == 0)
      die(std::string(c.service) + ": compiled template is not the one asked for");
    return e;
  }
  die(std::string(c.service) + ": no such mirror target");
}

void bm_encap(benchmark::State& state, std::string label, EncapCase c, unsigned len) {
  {
    const taas::EncapEntry& e = encap_entry(c);
    const taas::EncapTemplate& tmpl = e.tmpl;
    if (len > e.max_inner) die(label + ": frame would be truncated");
    Burst b(len, 0, 2);
    CloneStash stash;
    taas::dp::SequenceSlot seq_slot;
    const taas::dp::TimeBase clock{rte_rdtsc(), 1'700'000'000'000'000'000ull, g_hz};
    const std::uint8_t next_hop[6] = {0x02, 0, 0, 0, 0, 0x0a}, port_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
    std::array<rte_mbuf*, kBurst> out;
    std::uint64_t packets = 0;
    const std::uint64_t t0 = rte_rdtsc();
    for (auto _ : state) {
      // Worker::timestamp: the wall clock once per poll, in Gra units.
      const std::uint64_t ts =
          tmpl.encap == taas::Encap::kErspan3 ? clock.ns(rte_rdtsc()) / (e.gra_100ns ? 100 : 100000) : 0;
      for (unsigned i = 0; i < kBurst; ++i) {
        rte_mbuf* m = b.pkts[i];
        rte_mbuf* h = rte_pktmbuf_alloc(g_pools.mirror);
        rte_mbuf* body = h != nullptr ? stash.clone(m) : nullptr;
        auto* hdr = body != nullptr ? reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(h, tmpl.len)) : nullptr;
        if (hdr == nullptr || rte_pktmbuf_chain(h, body) != 0) die(label + ": cannot build the copy");
        const std::uint32_t seq =
            e.sequence != taas::kNone ? seq_slot.next.fetch_add(1, std::memory_order_relaxed) : 0;
        if (taas::dp::encap_write(tmpl, hdr, rte_pktmbuf_pkt_len(m), seq, ts, rte_pktmbuf_mtod(m, const std::uint8_t*),
                                  rte_pktmbuf_data_len(m), false, e.direction_in ? 1 : 0) == 0)
          die(label + ": encap_write refused the frame");
        std::memcpy(hdr, next_hop, 6);
        std::memcpy(hdr + 6, port_mac, 6);
        out[i] = h;
      }
      rte_pktmbuf_free_bulk(out.data(), kBurst);  // the NIC, after TX
      packets += kBurst;
    }
    report(state, rte_rdtsc() - t0, packets);
  }
  check_no_leak(label);
}

void register_all() {
  const unsigned dsts[] = {0, 1, kMaxDst};
  for (unsigned i = 0; i < 3; ++i) {
    const std::string name = "classify/dst:" + std::to_string(dsts[i]);
    benchmark::RegisterBenchmark(name.c_str(), bm_classify, name, i, dsts[i]);
  }
  const std::string mac_name = "mac_learn_lookup/macs:" + std::to_string(kMacs);
  benchmark::RegisterBenchmark(mac_name.c_str(), bm_mac, mac_name);
  for (const unsigned len : {64u, 512u, 1500u}) {
    const std::string size = std::to_string(len) + "B";
    for (const unsigned dst : dsts) {
      for (const CopyKind k : {CopyKind::kClone, CopyKind::kCloneAttach, CopyKind::kCopy}) {
        if (dst == 0 && k != CopyKind::kClone) continue;  // no copies: the kinds do not differ
        const std::string name = "mirror/" + size + "/dst:" + std::to_string(dst) + "/" +
                                 (dst == 0 ? "none" : kCopyKindName[static_cast<int>(k)]);
        if (k == CopyKind::kClone) benchmark::RegisterBenchmark(name.c_str(), bm_mirror<CopyKind::kClone>, name, len, dst);
        if (k == CopyKind::kCloneAttach)
          benchmark::RegisterBenchmark(name.c_str(), bm_mirror<CopyKind::kCloneAttach>, name, len, dst);
        if (k == CopyKind::kCopy) benchmark::RegisterBenchmark(name.c_str(), bm_mirror<CopyKind::kCopy>, name, len, dst);
      }
    }
    for (const EncapCase& c : kEncapCases) {
      const std::string name = "encap/" + size + "/" + c.service;
      benchmark::RegisterBenchmark(name.c_str(), bm_encap, name, c, len);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args{"micro-bench", "--no-huge", "-m", "512", "--no-pci",
                                "--lcores=0@" + std::to_string(taas::ctl::read_host_facts().cpus[0]), "--log-level=error",
                                "--file-prefix=taas-micro-" + std::to_string(getpid())};
  std::vector<char*> eal;
  for (auto& a : args) eal.push_back(a.data());
  if (rte_eal_init(static_cast<int>(eal.size()), eal.data()) < 0) return 1;
  g_runtime_dir = rte_eal_get_runtime_dir();
  g_hz = rte_get_tsc_hz();
  auto pools = taas::dp::Pools::create(taas::DataplaneParams{}, "micro");
  if (!pools) die("pools: " + pools.error().to_string());
  g_pools = std::move(pools).value();
  const unsigned dsts[] = {0, 1, kMaxDst};
  for (unsigned i = 0; i < 3; ++i) g_classify[i] = classify_snapshot(dsts[i]);
  g_remote = remote_snapshot();

  benchmark::Initialize(&argc, argv);
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();

  check_no_leak("end of run");
  g_pools.destroy();
  rte_eal_cleanup();
  std::error_code ec;
  std::filesystem::remove_all(g_runtime_dir, ec);
  return 0;
}
