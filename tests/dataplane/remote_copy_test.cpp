// Remote mirroring on real net_ring ports, the copies (DESIGN.md §4, §5):
// truncation and too_big at the underlay MTU, ERSPAN III fields, clones and
// linear copies (and chained frames) giving the same bytes, one GRE
// sequence space per ERSPAN session, gap-free when two workers feed it at
// once.
//
// Every frame is judged by byte offset (tests/dataplane/wire.*), never by the
// dataplane's own builders and parsers.

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "tests/dataplane/remote_fixture.hpp"

namespace taas::test {
namespace {

using namespace remote;
using wire::ip;
using wire::mac;

// ---------------------------------------------------------------------------
// Truncation (ERSPAN) and too_big (VXLAN) at the underlay MTU.

TEST(RemoteCopy, UnderlayMtuTruncatesErspanAndDropsVxlan) {
  const std::string underlay =
      "{port: uplink, address: 192.0.2.10/24, gateway: 192.0.2.1, "
      "next_hop_mac: \"02:00:00:00:00:fe\", mtu: 576}";
  RingRig rig(intent(underlay, R"(
tap_services:
  - {name: ts_e3, remote_ip: 198.51.100.7, encap: erspan3, erspan: {hwid: 5}}
  - {name: ts_vx, remote_ip: 198.51.100.8, encap: vxlan, vni: 5000}
tap_flows:
  - {name: tf_e3, source_port: vm1, tap_service: ts_e3, direction: BOTH, erspan_session_id: 12}
  - {name: tf_vx, source_port: vm1, tap_service: ts_vx, direction: OUT}
)"));
  ASSERT_TRUE(rig.ok());
  const MacAddr up = rig.mac("uplink");
  // Largest inner frames: ERSPAN III 576 - 20 - 8 - 12 = 536, VXLAN 576 - 20 - 8 - 8 = 540.
  constexpr std::size_t kMaxE3 = 536, kMaxVx = 540;
  const std::vector<std::size_t> sizes{1000, 536, 537, 540, 541, 42};
  std::vector<Bytes> frames;
  for (std::size_t i = 0; i < sizes.size(); ++i)
    frames.push_back(make_frame(kBcast, kVm1, 0x0800, sizes[i] - 14, static_cast<std::uint8_t>(10 + i)));
  const auto t0 = std::chrono::system_clock::now();
  rig.inject("vm1", frames);
  rig.run();
  const auto t1 = std::chrono::system_clock::now();
  const auto units = [](std::chrono::system_clock::time_point t) {  // 100 µs since the epoch
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() / 100);
  };

  const wire::Split s = wire::split(rig.collect("uplink"));
  EXPECT_EQ(s.production.size(), frames.size());
  std::vector<Bytes> e3, vx;
  for (const Bytes& f : s.encap) (wire::decode_outer(f)->proto == 47 ? e3 : vx).push_back(f);
  ASSERT_EQ(e3.size(), frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    SCOPED_TRACE("ERSPAN III copy of a " + std::to_string(sizes[i]) + "-byte frame");
    const auto o = wire::decode_outer(e3[i]);
    const bool cut = sizes[i] > kMaxE3;
    const std::size_t inner_len = cut ? kMaxE3 : sizes[i];
    EXPECT_EQ(e3[i].size(), kErspan3Len + inner_len);
    EXPECT_LE(o->ip_len, 576u);
    EXPECT_EQ(o->ip_len, 20 + 8 + 12 + inner_len);
    EXPECT_TRUE(o->ip_checksum_ok);
    EXPECT_TRUE(o->df);
    EXPECT_EQ(wire::to_string(o->eth_dst), kGwMac);
    EXPECT_EQ(o->eth_src, up);
    EXPECT_EQ(o->dst, ip("198.51.100.7"));
    EXPECT_EQ(o->gre_flags, 0x1000);
    EXPECT_EQ(o->gre_proto, 0x22eb);
    EXPECT_EQ(o->seq, i);
    EXPECT_EQ(o->erspan_version, 2);
    EXPECT_EQ(o->session, 12);
    EXPECT_EQ(o->hwid, 5);
    EXPECT_FALSE(o->direction) << "OUT is ingress at the switch port: D=0";
    EXPECT_EQ(o->gra, 0);
    EXPECT_FALSE(o->o_bit);
    EXPECT_EQ(o->truncated, cut);
    // BSO: short only when the whole frame with FCS is under 64 bytes.
    EXPECT_EQ(o->en_or_bso, sizes[i] + 4 < 64 ? 1 : 0);
    EXPECT_EQ(o->inner, slice(frames[i], 0, inner_len));
    EXPECT_GE(o->timestamp + 100ull, units(t0) & 0xffffffffu);
    EXPECT_LE(o->timestamp, (units(t1) & 0xffffffffu) + 100ull);
  }
  std::vector<Bytes> vx_want;
  for (std::size_t i = 0; i < frames.size(); ++i)
    if (sizes[i] <= kMaxVx) vx_want.push_back(frames[i]);
  ASSERT_EQ(vx.size(), vx_want.size());
  for (std::size_t i = 0; i < vx.size(); ++i) {
    SCOPED_TRACE("VXLAN copy " + std::to_string(i));
    const auto o = wire::decode_outer(vx[i]);
    EXPECT_EQ(o->inner, vx_want[i]);
    EXPECT_EQ(o->ip_len, 20 + 8 + 8 + vx_want[i].size());
    EXPECT_LE(o->ip_len, 576u);
    EXPECT_TRUE(o->ip_checksum_ok);
    EXPECT_EQ(o->udp_len, 8 + 8 + vx_want[i].size());
    EXPECT_EQ(o->udp_csum, 0);
    EXPECT_EQ(o->vni, 5000u);
    EXPECT_EQ(o->dst, ip("198.51.100.8"));
  }
  // A frame delivered to vm1 (IN) is egress at the switch port: D=1.
  const Bytes to_vm1 = make_frame(kVm1, kVm2, 0x0800, 100, 30);
  rig.inject("vm2", {to_vm1});
  rig.run();
  const wire::Split in = wire::split(rig.collect("uplink"));
  ASSERT_EQ(in.encap.size(), 1u);
  const auto o_in = wire::decode_outer(in.encap[0]);
  EXPECT_EQ(o_in->gre_proto, 0x22eb);
  EXPECT_TRUE(o_in->direction);
  EXPECT_EQ(o_in->seq, frames.size());
  EXPECT_EQ(o_in->inner, to_vm1);
  EXPECT_EQ(dropped(rig, 1, DropReason::kTooBig), 2u);
  EXPECT_EQ(dropped(rig, 0, DropReason::kTooBig), 0u);
  EXPECT_EQ(rig.counters().service[0].packets.get(), frames.size() + 1);
  EXPECT_EQ(rig.counters().service[1].packets.get(), vx_want.size());
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
}

// ---------------------------------------------------------------------------
// Clones and linear copies give the same bytes.

struct CloneTraffic {
  Bytes bcast_vm2 = make_frame(kBcast, kVm2, 0x0800, 46, 20);        // IN copy (flood to vm1)
  Bytes remote_to_vm1 = make_frame(kVm1, kRemote, 0x0800, 486, 21);  // IN copy (popped)
  Bytes vm1_to_vm2 = make_frame(kVm2, kVm1, 0x0800, 986, 22);        // OUT copy
  Bytes vm1_to_remote = make_frame(kRemote, kVm1, 0x0800, 786, 23);  // OUT copy; production tagged
  Bytes vm1_small = make_frame(kVm2, kVm1, 0x0800, 46, 24);          // OUT copy
  std::vector<Step> steps() const {
    return {{"vm2", {bcast_vm2}},
            {"uplink", {tagged(remote_to_vm1, 100)}},
            {"vm1", {vm1_to_vm2, vm1_to_remote, vm1_small}}};
  }
  std::vector<Bytes> copies() const { return {bcast_vm2, remote_to_vm1, vm1_to_vm2, vm1_to_remote, vm1_small}; }
};

struct CloneRun {
  Outputs out;
  std::vector<TxFrame> uplink;
  MacAddr uplink_mac{};
};

CloneRun clone_run(const std::string& dataplane, const RigOptions& opts) {
  RingRig rig(intent(kUnderlay4Static, kErspan2Service + kFlowBoth, dataplane), opts);
  CloneRun r;
  EXPECT_TRUE(rig.ok());
  if (!rig.ok()) return r;
  EXPECT_TRUE(rig.caps()[rig.port("uplink")].multi_seg_tx || !opts.no_multi_seg.empty());
  for (const Step& s : CloneTraffic{}.steps()) {
    rig.inject(s.port, s.frames);
    rig.run();
  }
  for (const char* p : {"vm1", "vm2", "mon1"}) r.out[p] = rig.collect(p);
  r.uplink = rig.collect_frames("uplink");
  r.uplink_mac = rig.mac("uplink");
  for (const TxFrame& f : r.uplink) r.out["uplink"].push_back(f.bytes);
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
  return r;
}

TEST(RemoteCopy, ClonesAndLinearCopiesGiveTheSameBytes) {
  const CloneTraffic t;
  RigOptions opts;
  const CloneRun chain = clone_run("", opts);
  const CloneRun small_copied = clone_run("dataplane: {copy_below_bytes: 256}\n", opts);
  opts.no_multi_seg = {"uplink"};
  const CloneRun linear = clone_run("", opts);

  // The bytes on the wire do not depend on how the copies were made.
  EXPECT_EQ(chain.out, linear.out);
  EXPECT_EQ(chain.out, small_copied.out);

  const wire::Split s = wire::split(get(chain.out, "uplink"));
  const auto want = t.copies();
  ASSERT_EQ(s.encap.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i)
    expect_erspan2(s.encap[i], mac(kGwMac), chain.uplink_mac, static_cast<std::uint32_t>(i), 5, 7, want[i]);
  // Production toward the uplink carries the tag; its copy shows the frame
  // as vm1 sent it.
  EXPECT_EQ(s.production.back(), tagged(t.vm1_to_remote, 100));

  // Layout: header mbuf + clone, except where the frame is edited after
  // mirroring (tag push toward the uplink), is under copy_below_bytes, or
  // the port takes no chains.
  auto encap_layout = [](const CloneRun& r) {
    std::vector<const TxFrame*> v;
    for (const TxFrame& f : r.uplink)
      if (f.bytes.size() >= 14 && wire::be16(f.bytes, 12) != 0x8100 && wire::decode_outer(f.bytes)) v.push_back(&f);
    return v;
  };
  const std::vector<bool> edited{false, false, false, true, false};
  const std::vector<bool> small{true, false, false, false, true};
  const auto lc = encap_layout(chain), ls = encap_layout(small_copied), ll = encap_layout(linear);
  ASSERT_EQ(lc.size(), want.size());
  ASSERT_EQ(ls.size(), want.size());
  ASSERT_EQ(ll.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("copy " + std::to_string(i));
    EXPECT_EQ(lc[i]->nb_segs, edited[i] ? 1 : 2);
    EXPECT_EQ(lc[i]->any_indirect, !edited[i]);
    if (!edited[i]) {
      EXPECT_FALSE(lc[i]->first_indirect) << "the outer header must be in its own mbuf";
      EXPECT_EQ(lc[i]->first_len, kErspan2Len);
    }
    const bool copied = edited[i] || small[i];
    EXPECT_EQ(ls[i]->nb_segs, copied ? 1 : 2);
    EXPECT_EQ(ls[i]->any_indirect, !copied);
    EXPECT_EQ(ll[i]->nb_segs, 1);
    EXPECT_FALSE(ll[i]->any_indirect);
  }
}

// ---------------------------------------------------------------------------
// One ERSPAN session fed by two workers at once.

/// Pins the calling thread to `cpu`. Threads inherit the main thread's EAL
/// affinity (`-l 0`: CPU 0 alone), and two threads sharing one CPU livelock
/// on the mempools' rings, which are not preemption-safe (a thread
/// preempted between moving a ring's head and its tail stalls the other
/// for a whole time slice, every time).
bool pin_to_cpu(unsigned cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

TEST(RemoteCopy, TwoWorkersShareOneGapFreeSequence) {
  // Each thread feeds its worker's VM in rounds and drains its worker's TX
  // queues, so that both workers number copies of the one session for a
  // while at the same time, each on its own CPU as worker lcores are.
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs two CPUs";
  constexpr int kBatch = 64, kRounds = 1000;
  RigOptions opts;
  opts.workers = 2;
  opts.rx_ports = {{"vm1"}, {"vm2"}};
  RingRig rig(intent(kUnderlay4Static, kErspan2Service + R"(
tap_flows:
  - {name: tf1, source_port: vm1, tap_service: ts_e2, direction: BOTH, erspan_session_id: 9}
  - {name: tf2, source_port: vm2, tap_service: ts_e2, direction: BOTH, erspan_session_id: 9}
)"),
              opts);
  ASSERT_TRUE(rig.ok());
  ASSERT_EQ(rig.snap().sessions.size(), 1u);

  std::atomic<int> ready{0};
  std::vector<std::uint32_t> seqs[2];
  int bad[2] = {0, 0};
  bool pinned[2] = {false, false};
  auto drive_worker = [&](std::size_t w, const char* vm, const char* src, const char* dst) {
    pinned[w] = pin_to_cpu(static_cast<unsigned>(w));
    std::vector<Bytes> batch;
    for (int i = 0; i < kBatch; ++i) batch.push_back(make_frame(dst, src, 0x0800, 100, static_cast<std::uint8_t>(i)));
    ready.fetch_add(1);
    while (ready.load() < 2) {
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (int r = 0; r < kRounds; ++r) {
      rig.inject(vm, batch);
      for (int got = 0; got < kBatch;) {
        got += static_cast<int>(rig.worker(w).poll_once());
        if (std::chrono::steady_clock::now() > deadline) {
          ++bad[w];  // frames lost: give up rather than hang
          return;
        }
      }
      for (const char* p : {"vm1", "vm2", "mon1"}) rig.collect_frames(p, static_cast<int>(w));
      for (const TxFrame& f : rig.collect_frames("uplink", static_cast<int>(w))) {
        if (wire::be16(f.bytes, 12) == 0x8100) continue;  // production
        const auto o = wire::decode_outer(f.bytes);
        if (!o || o->session != 9) {
          ++bad[w];
          continue;
        }
        seqs[w].push_back(o->seq);
      }
    }
  };
  std::thread t0(drive_worker, 0, "vm1", kVm1, kRemote), t1(drive_worker, 1, "vm2", kVm2, "02:00:00:00:00:a2");
  t0.join();
  t1.join();
  EXPECT_TRUE(pinned[0] && pinned[1]) << "could not give each worker thread its own CPU";

  // Every frame floods to the other VM and the uplink: an OUT copy of its
  // sender and an IN copy of its receiver.
  constexpr std::size_t kPerWorker = 2u * kBatch * kRounds;
  EXPECT_EQ(bad[0] + bad[1], 0) << "copies that are not ERSPAN session 9, or frames that never came out";
  ASSERT_EQ(seqs[0].size(), kPerWorker);
  ASSERT_EQ(seqs[1].size(), kPerWorker);
  for (int w = 0; w < 2; ++w)
    EXPECT_TRUE(std::is_sorted(seqs[w].begin(), seqs[w].end())) << "worker " << w << " sent copies out of order";
  // Did the workers really number at the same time? (Informational: a
  // scheduler may serialise them.)
  std::vector<int> owner(2 * kPerWorker, -1);
  for (int w = 0; w < 2; ++w)
    for (const std::uint32_t s : seqs[w])
      if (s < owner.size()) owner[s] = w;
  int switches = 0;
  for (std::size_t i = 1; i < owner.size(); ++i) switches += owner[i] != owner[i - 1];
  std::printf("[ INFO     ] the workers took turns %d times in the sequence\n", switches);

  std::vector<std::uint32_t> all = seqs[0];
  all.insert(all.end(), seqs[1].begin(), seqs[1].end());
  std::sort(all.begin(), all.end());
  std::vector<std::uint32_t> want(all.size());
  for (std::size_t i = 0; i < want.size(); ++i) want[i] = static_cast<std::uint32_t>(i);
  EXPECT_TRUE(all == want) << "sequence numbers must be 0..n-1, each once";
  EXPECT_EQ(rig.counters(0).service[0].packets.get() + rig.counters(1).service[0].packets.get(), 2 * kPerWorker);
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
}

// ---------------------------------------------------------------------------
// Each ERSPAN session has its own sequence space.

TEST(RemoteCopy, EachErspanSessionNumbersFromZero) {
  RingRig rig(intent(kUnderlay4Static, kErspan2Service + R"(
tap_flows:
  - {name: tf1, source_port: vm1, tap_service: ts_e2, direction: OUT, erspan_session_id: 1}
  - {name: tf2, source_port: vm2, tap_service: ts_e2, direction: OUT, erspan_session_id: 2}
)"));
  ASSERT_TRUE(rig.ok());
  ASSERT_EQ(rig.snap().sessions.size(), 2u);
  std::map<std::uint16_t, std::vector<std::uint32_t>> seqs;
  for (int round = 0; round < 3; ++round) {
    rig.inject("vm1", {make_frame(kBcast, kVm1, 0x0800, 60, static_cast<std::uint8_t>(round))});
    if (round != 1) rig.inject("vm2", {make_frame(kBcast, kVm2, 0x0800, 60, static_cast<std::uint8_t>(round))});
    rig.run();
  }
  for (const Bytes& f : wire::split(rig.collect("uplink")).encap) {
    const auto o = wire::decode_outer(f);
    seqs[o->session].push_back(o->seq);
  }
  EXPECT_EQ(seqs[1], (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_EQ(seqs[2], (std::vector<std::uint32_t>{0, 1}));
  EXPECT_TRUE(rig.shutdown());
}

// ---------------------------------------------------------------------------
// Chained (multi-segment) frames: the whole frame is mirrored, whichever way
// the copy is made; IPv6 VXLAN checksums cover every segment.

struct ChainRun {
  std::vector<TxFrame> uplink;
  std::vector<Bytes> vm2;
  MacAddr up{};
};

ChainRun chained_run(const RigOptions& opts, const std::vector<Bytes>& frames) {
  const std::string underlay =
      "{port: uplink, address: 192.0.2.10/24, gateway: 192.0.2.1, address6: \"2001:db8::10/64\", "
      "gateway6: \"2001:db8::1\", next_hop_mac: \"02:00:00:00:00:fe\"}";
  RingRig rig(intent(underlay, kErspan2Service + R"(
  - {name: ts_vx6, remote_ip: "2001:db8:1::7", encap: vxlan, vni: 77}
tap_flows:
  - {name: tf_e2, source_port: vm1, tap_service: ts_e2, direction: OUT, erspan_session_id: 5}
  - {name: tf_vx6, source_port: vm1, tap_service: ts_vx6, direction: OUT}
)"),
              opts);
  ChainRun r;
  EXPECT_TRUE(rig.ok());
  if (!rig.ok()) return r;
  r.up = rig.mac("uplink");
  rig.inject("vm2", {make_frame(kBcast, kVm2, 0x0800, 46, 60)});  // learn vm2
  rig.run();
  rig.collect("vm1");
  rig.collect("uplink");
  rig.inject("vm1", frames, 300);
  rig.run();
  r.uplink = rig.collect_frames("uplink");
  r.vm2 = rig.collect("vm2");
  EXPECT_TRUE(rig.shutdown()) << "an mbuf leaked";
  return r;
}

TEST(RemoteCopy, ChainedFramesAreMirroredWhole) {
  const std::vector<Bytes> frames{make_frame(kVm2, kVm1, 0x0800, 986, 61), make_frame(kVm2, kVm1, 0x86dd, 1386, 62)};
  RigOptions opts;
  const ChainRun chain = chained_run(opts, frames);
  opts.no_multi_seg = {"uplink"};
  const ChainRun linear = chained_run(opts, frames);
  for (const ChainRun* r : {&chain, &linear}) {
    SCOPED_TRACE(r == &chain ? "uplink takes chains" : "uplink takes no chains");
    EXPECT_EQ(r->vm2, frames);
    ASSERT_EQ(r->uplink.size(), 2 * frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const TxFrame& e2 = r->uplink[2 * i];
      const TxFrame& vx = r->uplink[2 * i + 1];
      expect_erspan2(e2.bytes, mac(kGwMac), r->up, static_cast<std::uint32_t>(i), 5, 7, frames[i]);
      const auto o = wire::decode_outer(vx.bytes);
      ASSERT_TRUE(o);
      EXPECT_TRUE(o->ipv6);
      EXPECT_EQ(o->vni, 77u);
      EXPECT_EQ(o->inner, frames[i]);
      EXPECT_EQ(udp6_sum(vx.bytes), 0xffff) << "bad UDP checksum";
      const std::uint16_t frame_segs = static_cast<std::uint16_t>((frames[i].size() + 299) / 300);
      if (r == &chain) {
        EXPECT_EQ(e2.nb_segs, 1 + frame_segs) << "header mbuf + a clone of each segment";
        EXPECT_TRUE(e2.any_indirect);
      } else {
        EXPECT_EQ(e2.nb_segs, 1);
      }
      EXPECT_EQ(vx.nb_segs, 1) << "IPv6 VXLAN sums the frame: linear copy";
    }
  }
  EXPECT_EQ(chain.uplink.size(), linear.uplink.size());
  for (std::size_t i = 0; i < std::min(chain.uplink.size(), linear.uplink.size()); ++i)
    EXPECT_EQ(chain.uplink[i].bytes, linear.uplink[i].bytes) << "frame " << i;
}

}  // namespace
}  // namespace taas::test
