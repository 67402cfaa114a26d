#include "dataplane/worker.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>

#include "dataplane/frame.hpp"

namespace taas::dp {
namespace {

constexpr std::size_t idx(RxDropReason r) { return static_cast<std::size_t>(r); }
constexpr std::size_t idx(DropReason r) { return static_cast<std::size_t>(r); }

const DataplaneParams& first_params(const WorkerEnv& env) {
  return env.generation->load(std::memory_order_acquire)->snap.params;
}

}  // namespace

Worker::Worker(WorkerEnv env)
    : env_(std::move(env)),
      macs_(first_params(env_).mac_table_size,
            std::uint64_t{first_params(env_).mac_age_seconds} * rte_get_tsc_hz()) {
  adopt(env_.generation->load(std::memory_order_acquire));
  const DataplaneParams& params = snap_->params;
  const std::size_t nports = snap_->ports.size();
  tx_.resize(nports);
  mtx_.resize(nports);
  rx_burst_.resize(params.burst);
  last_rx_.store(rte_rdtsc(), std::memory_order_relaxed);
  setup_remote();
  if (env_.rcu != nullptr) {
    rte_rcu_qsbr_thread_register(env_.rcu, env_.tx_queue);
    rte_rcu_qsbr_thread_online(env_.rcu, env_.tx_queue);
  }
}

Worker::~Worker() {
  return_stash();
  if (env_.rcu != nullptr) {
    rte_rcu_qsbr_thread_offline(env_.rcu, env_.tx_queue);
    rte_rcu_qsbr_thread_unregister(env_.rcu, env_.tx_queue);
  }
}

// The generation this iteration runs under. Ports, networks and dataplane
// parameters are the same in every generation (the control plane refuses to
// change them), so the MAC table and the TX buffers stay valid.
void Worker::adopt(Generation* g) noexcept {
  gen_ = g;
  snap_ = &g->snap;
  view_ = g->views[env_.tx_queue].get();
  counters_ = &g->views[env_.tx_queue]->counters;
  remote_ = &g->remote;
  first_mirror_ = true;
}

void Worker::return_stash() noexcept {
  if (stash_n_ != 0) rte_pktmbuf_free_bulk(stash_, stash_n_);
  stash_n_ = 0;
}

void Worker::run(const std::atomic<bool>& stop) noexcept {
  while (!stop.load(std::memory_order_acquire)) poll_once();
  if (env_.rcu != nullptr) rte_rcu_qsbr_thread_offline(env_.rcu, env_.tx_queue);
  done_.store(true, std::memory_order_release);
}

std::uint32_t Worker::poll_once() noexcept {
  Generation* g = env_.generation->load(std::memory_order_acquire);
  if (g != gen_) adopt(g);
  const std::uint64_t now = rte_rdtsc();
  now_ = now;
  now_ns_ = 0;
  if (!view_->owned_neighbors.empty() && now >= next_tick_) neighbor_tick(now);
  std::uint32_t total = 0;
  const auto burst = static_cast<std::uint16_t>(rx_burst_.size());
  for (const RxQueue& rq : env_.rx) {
    const std::uint16_t n = rte_eth_rx_burst((*env_.port_ids)[rq.port], rq.queue, rx_burst_.data(), burst);
    for (std::uint16_t i = 0; i < n; ++i) handle(rx_burst_[i], rq.port, now);
    total += n;
  }
  flush_all();
  if (total != 0) last_rx_.store(now, std::memory_order_relaxed);
  const std::uint64_t spent = rte_rdtsc() - now;
  std::atomic<std::uint64_t>& bucket = total != 0 ? busy_ : idle_;
  bucket.store(bucket.load(std::memory_order_relaxed) + spent, std::memory_order_relaxed);
  // Nothing of this generation is held past this point.
  if (env_.rcu != nullptr) rte_rcu_qsbr_quiescent(env_.rcu, env_.tx_queue);
  return total;
}

void Worker::handle(rte_mbuf* m, std::uint16_t in, std::uint64_t now) noexcept {
  PortCounters& pc = counters_->port[in];
  pc.rx_packets.add();
  pc.rx_bytes.add(rte_pktmbuf_pkt_len(m));
  if (view_->neighbor_port[in] != 0 && neighbor_rx(m, in, now)) return;
  const PortEntry& port = snap_->ports[in];
  if (port.role == PortRole::kMonitor || port.service_port) return drop(m, in, RxDropReason::kMonitorPort);
  if (rte_pktmbuf_data_len(m) < kEthHdrLen) return drop(m, in, RxDropReason::kMalformed);
  if (port.role == PortRole::kVm) return from_vm(m, in, now);
  return from_uplink(m, in, now);
}

// A frame the VM sent. Its OUT copies are made first, from the frame exactly
// as sent. They are clones unless the frame itself is about to be edited in
// place (tag push toward the uplink), which would change what a clone shows.
void Worker::from_vm(rte_mbuf* m, std::uint16_t in, std::uint64_t now) noexcept {
  const auto* eth = rte_pktmbuf_mtod(m, const rte_ether_hdr*);
  const std::vector<MirrorTarget>& outs = snap_->mirror_out[in];
  if (is_vlan_tpid(eth->ether_type)) {  // access ports carry untagged frames only
    mirror(outs, m, in, false);
    return drop(m, in, RxDropReason::kVlanMismatch);
  }
  const std::uint16_t net = snap_->ports[in].network;
  if (!rte_is_multicast_ether_addr(&eth->src_addr)) macs_.learn(net, eth->src_addr.addr_bytes, in, now);
  const std::uint16_t dst = rte_is_unicast_ether_addr(&eth->dst_addr)
                                ? macs_.lookup(net, eth->dst_addr.addr_bytes, now)
                                : kNone;
  if (dst == in) {
    mirror(outs, m, in, false);
    return drop(m, in, RxDropReason::kHairpin);
  }
  if (dst == kNone) return flood(m, in, net, true);
  if (dst == snap_->uplink) {
    mirror(outs, m, in, true);
    return to_uplink(m, net);
  }
  mirror(outs, m, in, false);
  to_vm(m, dst);
}

// A frame from the trunk: tagged with a network's VLAN, delivered untagged.
void Worker::from_uplink(rte_mbuf* m, std::uint16_t in, std::uint64_t now) noexcept {
  const auto* eth = rte_pktmbuf_mtod(m, const rte_ether_hdr*);
  if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN))
    return drop(m, in, RxDropReason::kVlanMismatch);
  if (rte_pktmbuf_data_len(m) < kEthHdrLen + sizeof(rte_vlan_hdr)) return drop(m, in, RxDropReason::kMalformed);
  const auto* vh = reinterpret_cast<const rte_vlan_hdr*>(eth + 1);
  const std::uint16_t net = snap_->vlan_to_network[rte_be_to_cpu_16(vh->vlan_tci) & 0x0fff];
  if (net == kNone) return drop(m, in, RxDropReason::kVlanMismatch);
  if (!rte_is_multicast_ether_addr(&eth->src_addr)) macs_.learn(net, eth->src_addr.addr_bytes, in, now);

  if (!vlan_pop(m)) {  // shared or indirect: pop on a private copy
    rte_mbuf* c = rte_pktmbuf_copy(m, env_.pools.production, 0, UINT32_MAX);
    rte_pktmbuf_free(m);
    if (c == nullptr || !vlan_pop(c)) {
      if (c != nullptr) rte_pktmbuf_free(c);
      counters_->port[in].rx_dropped.add();
      counters_->port[in].rx_dropped_by[idx(RxDropReason::kNombuf)].add();
      return;
    }
    m = c;
  }
  eth = rte_pktmbuf_mtod(m, const rte_ether_hdr*);
  const std::uint16_t dst = rte_is_unicast_ether_addr(&eth->dst_addr)
                                ? macs_.lookup(net, eth->dst_addr.addr_bytes, now)
                                : kNone;
  if (dst == in) return drop(m, in, RxDropReason::kHairpin);
  if (dst == kNone) return flood(m, in, net, false);
  to_vm(m, dst);
}

// Unknown unicast, multicast and broadcast: every other VM port of the
// network, and the uplink when the frame came from a VM. The frame itself
// goes to the last VM port, unmodified; the others get private copies from
// the production pool. Called with the OUT copies not yet made when the
// frame came from a VM (include_uplink).
void Worker::flood(rte_mbuf* m, std::uint16_t in, std::uint16_t net, bool include_uplink) noexcept {
  const std::vector<std::uint16_t>& members = snap_->networks[net].vm_ports;
  std::uint16_t last = kNone;
  for (const std::uint16_t q : members)
    if (q != in) last = q;
  const bool uplink = include_uplink && snap_->uplink != kNone;
  if (include_uplink) mirror(snap_->mirror_out[in], m, in, last == kNone && uplink);
  if (last == kNone && !uplink) return drop(m, in, RxDropReason::kNoPath);
  if (uplink) {
    if (last == kNone) return to_uplink(m, net);
    if (rte_mbuf* c = production_copy(m, snap_->uplink)) to_uplink(c, net);
  }
  for (const std::uint16_t q : members) {
    if (q == in || q == last) continue;
    if (rte_mbuf* c = production_copy(m, q)) to_vm(c, q);
  }
  to_vm(m, last);
}

void Worker::to_uplink(rte_mbuf* m, std::uint16_t net) noexcept {
  const std::uint16_t up = snap_->uplink;
  if (!vlan_push(m, snap_->networks[net].vlan)) {  // shared, or no headroom
    rte_mbuf* c = production_copy(m, up);
    rte_pktmbuf_free(m);
    if (c == nullptr) return;
    if (!vlan_push(c, snap_->networks[net].vlan)) {
      rte_pktmbuf_free(c);
      counters_->port[up].tx_dropped.add();
      return;
    }
    m = c;
  }
  send(up, m);
}

// Delivery to a VM: its IN copies are clones of the frame exactly as it is
// handed over (untagged); nothing edits the frame after this point.
void Worker::to_vm(rte_mbuf* m, std::uint16_t port) noexcept {
  mirror(snap_->mirror_in[port], m, port, false);
  send(port, m);
}

rte_mbuf* Worker::production_copy(const rte_mbuf* m, std::uint16_t out) noexcept {
  rte_mbuf* c = rte_pktmbuf_copy(m, env_.pools.production, 0, UINT32_MAX);
  if (c == nullptr) {
    counters_->port[out].tx_nombuf.add();
    counters_->port[out].tx_dropped.add();
  }
  return c;
}

// One copy per target. A copy is a zero-copy clone (indirect mbuf from the
// clone pool) unless the caller is about to edit the frame, or the frame is
// shorter than copy_below_bytes: then a linear copy from the mirror pool.
// A chained frame is also copied for a port whose PMD has no multi-segment
// TX (decided at bring-up, PortCaps): the copy is one segment up to the
// mirror pool's data room. Copies only ever leave on tap service ports,
// which are never flow sources, so a copy is never mirrored again. A copy
// that cannot be made is counted against its service; production carries on.
void Worker::mirror(const std::vector<MirrorTarget>& targets, rte_mbuf* m, std::uint16_t vm,
                    bool must_copy) noexcept {
  if (targets.empty()) return;
  const bool copy = must_copy || rte_pktmbuf_pkt_len(m) < snap_->params.copy_below_bytes;
  const bool chained = m->nb_segs > 1;
  std::uint16_t vlan = kNone;  // the frame's VLAN, once a filter asks
  for (const MirrorTarget& t : targets) {
    if (t.filter != kNone) {
      if (vlan == kNone) vlan = frame_vlan(m, vm);
      if (!snap_->vlan_filters[t.filter].test(vlan)) continue;
    }
    if (t.encap != kNoIndex) {
      mirror_remote(t, m, must_copy);
      continue;
    }
    const bool linear = copy || (chained && !(*env_.caps)[t.port].multi_seg_tx);
    rte_mbuf* c = linear ? rte_pktmbuf_copy(m, env_.pools.mirror, 0, UINT32_MAX) : clone(m);
    if (c != nullptr && c->nb_segs > 1 && !(*env_.caps)[t.port].multi_seg_tx) {
      rte_pktmbuf_free(c);  // larger than one mirror mbuf on a port without chains
      c = nullptr;
    }
    if (c == nullptr) {
      counters_->service[t.service].dropped[idx(DropReason::kNombuf)].add();
      continue;
    }
    send_mirror(t.port, c, t.service, t.flow);
  }
}

// The VLAN a tap flow's vlan_filter sees: the frame's own outer 802.1Q /
// 802.1ad tag when it has one, else the VLAN of the VM port's network.
std::uint16_t Worker::frame_vlan(const rte_mbuf* m, std::uint16_t vm) const noexcept {
  const auto* eth = rte_pktmbuf_mtod(m, const rte_ether_hdr*);
  if (is_vlan_tpid(eth->ether_type) && rte_pktmbuf_data_len(m) >= kEthHdrLen + sizeof(rte_vlan_hdr)) {
    const auto* vh = reinterpret_cast<const rte_vlan_hdr*>(eth + 1);
    return rte_be_to_cpu_16(vh->vlan_tci) & 0x0fff;
  }
  const std::uint16_t net = snap_->ports[vm].network;
  return net == kNone ? 0 : snap_->networks[net].vlan;
}

// A clone: an indirect mbuf attached to `m`. Clone mbufs come from a
// per-worker stash refilled in bulk (half of it at a time). Bulk refill and
// rte_pktmbuf_attach instead of one rte_pktmbuf_clone per copy took one
// mirrored copy from ~+95 to ~+75 cycles over forwarding (64 and 1500 B,
// bench/worker_bench, old and new builds interleaved twice, one core,
// --no-huge). Chains go through rte_pktmbuf_clone.
rte_mbuf* Worker::clone(rte_mbuf* m) noexcept {
  if (m->nb_segs > 1) return rte_pktmbuf_clone(m, env_.pools.clone);
  if (stash_n_ == 0) {
    if (rte_pktmbuf_alloc_bulk(env_.pools.clone, stash_, kStash / 2) != 0) return nullptr;
    stash_n_ = kStash / 2;
  }
  rte_mbuf* c = stash_[--stash_n_];
  rte_pktmbuf_attach(c, m);
  return c;
}

void Worker::drop(rte_mbuf* m, std::uint16_t in, RxDropReason why) noexcept {
  rte_pktmbuf_free(m);
  counters_->port[in].rx_dropped.add();
  counters_->port[in].rx_dropped_by[idx(why)].add();
}

void Worker::send(std::uint16_t port, rte_mbuf* m) noexcept {
  TxBuf& b = tx_[port];
  if (b.n == kTxCap) flush_production(port);
  b.pkts[b.n++] = m;
}

void Worker::send_mirror(std::uint16_t port, rte_mbuf* m, std::uint16_t service, std::uint32_t flow) noexcept {
  MirrorBuf& b = mtx_[port];
  if (b.n == kTxCap) flush_mirror(port);
  b.pkts[b.n] = m;
  b.len[b.n] = rte_pktmbuf_pkt_len(m);
  b.service[b.n] = service;
  b.flow[b.n] = flow;
  ++b.n;
}

bool Worker::link_down(std::uint16_t port) const noexcept {
  return env_.link_up != nullptr && env_.link_up[port].load(std::memory_order_relaxed) == 0;
}

void Worker::flush_production(std::uint16_t port) noexcept {
  TxBuf& b = tx_[port];
  if (b.n == 0) return;
  if (link_down(port)) {  // counted, not queued: a VM that is not there
    PortCounters& pc = counters_->port[port];
    rte_pktmbuf_free_bulk(b.pkts, b.n);
    pc.tx_dropped.add(b.n);
    pc.tx_link_down.add(b.n);
    b.n = 0;
    return;
  }
  std::uint64_t bytes = 0;
  for (std::uint16_t i = 0; i < b.n; ++i) bytes += rte_pktmbuf_pkt_len(b.pkts[i]);
  const std::uint16_t sent = rte_eth_tx_burst((*env_.port_ids)[port], env_.tx_queue, b.pkts, b.n);
  PortCounters& pc = counters_->port[port];
  for (std::uint16_t i = sent; i < b.n; ++i) {
    bytes -= rte_pktmbuf_pkt_len(b.pkts[i]);
    rte_pktmbuf_free(b.pkts[i]);
  }
  pc.tx_packets.add(sent);
  pc.tx_bytes.add(bytes);
  if (sent != b.n) pc.tx_dropped.add(b.n - sent);
  b.n = 0;
}

// Mirror copies get one TX attempt: a full queue drops them (counted as
// tx_full), the worker never waits for a monitor.
void Worker::flush_mirror(std::uint16_t port) noexcept {
  MirrorBuf& b = mtx_[port];
  if (b.n == 0) return;
  if (link_down(port)) {  // the tap service's port is down
    for (std::uint16_t i = 0; i < b.n; ++i) counters_->service[b.service[i]].dropped[idx(DropReason::kPortDown)].add();
    rte_pktmbuf_free_bulk(b.pkts, b.n);
    b.n = 0;
    return;
  }
  const std::uint16_t sent = rte_eth_tx_burst((*env_.port_ids)[port], env_.tx_queue, b.pkts, b.n);
  PortCounters& pc = counters_->port[port];
  std::uint64_t bytes = 0;
  // Copies of one flow come in runs: one counter update per run.
  for (std::uint16_t i = 0; i < sent;) {
    const std::uint16_t service = b.service[i];
    const std::uint32_t flow = b.flow[i];
    std::uint64_t n = 0, run_bytes = 0;
    do {
      run_bytes += b.len[i];
      ++n;
      ++i;
    } while (i < sent && b.flow[i] == flow && b.service[i] == service);
    counters_->service[service].packets.add(n);
    counters_->service[service].bytes.add(run_bytes);
    counters_->flow[flow].packets.add(n);
    counters_->flow[flow].bytes.add(run_bytes);
    bytes += run_bytes;
  }
  for (std::uint16_t i = sent; i < b.n; ++i) {
    counters_->service[b.service[i]].dropped[idx(DropReason::kTxFull)].add();
    rte_pktmbuf_free(b.pkts[i]);
  }
  pc.tx_packets.add(sent);
  pc.tx_bytes.add(bytes);
  if (sent != b.n) pc.tx_dropped.add(b.n - sent);
  b.n = 0;
  if (first_mirror_ && sent != 0) {  // once per generation: swap latency
    first_mirror_ = false;
    std::uint64_t none = 0;
    gen_->first_mirror_tsc.compare_exchange_strong(none, rte_rdtsc(), std::memory_order_relaxed);
  }
}

// Production first: every port's production frames are handed to their TX
// queues before any mirror copy competes for descriptors.
void Worker::flush_all() noexcept {
  const auto n = static_cast<std::uint16_t>(tx_.size());
  for (std::uint16_t p = 0; p < n; ++p) flush_production(p);
  for (std::uint16_t p = 0; p < n; ++p) flush_mirror(p);
}

}  // namespace taas::dp
