// Worker: remote mirroring (ERSPAN II/III, VXLAN; DESIGN.md §4, §5) and the
// ARP / neighbour discovery that resolves the next hops and answers for
// taasd's own underlay addresses. Fast path rules as in worker.cpp.

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <cstring>

#include "dataplane/encap.hpp"
#include "dataplane/neighbor_wire.hpp"
#include "dataplane/worker.hpp"

namespace taas::dp {
namespace {

constexpr std::size_t idx(DropReason r) { return static_cast<std::size_t>(r); }

constexpr std::uint64_t kNsPer100us = 100000;
constexpr std::uint64_t kNsPer100ns = 100;

using encap_detail::load_be16;

}  // namespace

// Control thread (constructor): the neighbour timers. Which next hops this
// worker resolves, and where it looks at ARP/ND, come with each generation
// (Publisher builds the WorkerView).
void Worker::setup_remote() {
  const std::uint64_t hz = rte_get_tsc_hz();
  tick_tsc_ = hz / 10;
  retry_tsc_ = hz;
  refresh_tsc_ = std::uint64_t{snap_->underlay.neighbor_refresh_ms} * hz / 1000;
}

std::uint64_t Worker::timestamp(bool gra_100ns) noexcept {
  if (now_ns_ == 0) now_ns_ = remote_->time().ns(now_);
  return now_ns_ / (gra_100ns ? kNsPer100ns : kNsPer100us);
}

// One encapsulated copy. The outer header goes into its own mbuf from the
// mirror pool, chained before a clone, when the exit port takes chains; a
// linear copy from the mirror pool, header prepended in its own headroom,
// otherwise — and when the frame is about to be edited, is truncated, is
// shorter than copy_below_bytes, or is a chain that IPv6 VXLAN must checksum
// whole. A copy is numbered only once it exists, so allocation failures
// leave no gaps in a session's sequence; a copy lost at TX does (that is
// what ERSPAN sequence numbers are for).
void Worker::mirror_remote(const MirrorTarget& t, rte_mbuf* m, bool must_copy) noexcept {
  const EncapEntry& e = snap_->encaps[t.encap];
  ServiceCounters& sc = counters_->service[t.service];
  std::uint8_t next_hop[6];
  if (!remote_->lookup(e.neighbor, next_hop)) {
    sc.dropped[idx(DropReason::kNoNeighbor)].add();
    return;
  }
  std::uint32_t inner_len = rte_pktmbuf_pkt_len(m);
  const bool truncated = inner_len > e.max_inner;
  if (truncated) {
    if (!e.truncate) {
      sc.dropped[idx(DropReason::kTooBig)].add();
      return;
    }
    inner_len = e.max_inner;
  }
  const EncapTemplate& tmpl = e.tmpl;
  const PortCaps& caps = (*env_.caps)[t.port];
  const bool chained = m->nb_segs > 1;
  const bool linear = must_copy || truncated || !caps.multi_seg_tx ||
                      rte_pktmbuf_pkt_len(m) < snap_->params.copy_below_bytes ||
                      (chained && tmpl.ipv6 && tmpl.encap == Encap::kVxlan);

  rte_mbuf* c = nullptr;
  std::uint8_t* hdr = nullptr;
  const std::uint8_t* inner = nullptr;
  std::uint32_t inner_avail = 0;
  if (linear) {
    c = rte_pktmbuf_copy(m, env_.pools.mirror, 0, inner_len);
    if (c != nullptr && (c->nb_segs > 1 && !caps.multi_seg_tx)) {
      rte_pktmbuf_free(c);  // larger than one mirror mbuf on a port without chains
      c = nullptr;
    }
    if (c != nullptr) hdr = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_prepend(c, tmpl.len));
    if (hdr == nullptr) {
      if (c != nullptr) rte_pktmbuf_free(c);
      sc.dropped[idx(DropReason::kNombuf)].add();
      return;
    }
    inner = hdr + tmpl.len;
    inner_avail = rte_pktmbuf_data_len(c) - tmpl.len;
  } else {
    c = rte_pktmbuf_alloc(env_.pools.mirror);
    rte_mbuf* body = c != nullptr ? clone(m) : nullptr;
    if (body != nullptr) hdr = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(c, tmpl.len));
    if (hdr == nullptr || rte_pktmbuf_chain(c, body) != 0) {
      if (body != nullptr) rte_pktmbuf_free(body);
      if (c != nullptr) rte_pktmbuf_free(c);
      sc.dropped[idx(DropReason::kNombuf)].add();
      return;
    }
    inner = rte_pktmbuf_mtod(m, const std::uint8_t*);
    inner_avail = rte_pktmbuf_data_len(m);
  }

  const std::uint32_t seq = e.sequence != kNone ? remote_->next_sequence(e.sequence) : 0;
  const std::uint64_t ts = tmpl.encap == Encap::kErspan3 ? timestamp(e.gra_100ns) : 0;
  if (encap_write(tmpl, hdr, inner_len, seq, ts, inner, inner_avail, truncated, e.direction_in ? 1 : 0) == 0) {
    rte_pktmbuf_free(c);
    sc.dropped[idx(DropReason::kTooBig)].add();
    return;
  }
  std::memcpy(hdr, next_hop, 6);
  std::memcpy(hdr + 6, caps.mac.data(), 6);
  send_mirror(t.port, c, t.service, t.flow);
}

bool Worker::is_local(std::uint16_t port, std::uint16_t vlan, bool ipv6, const IpAddr& ip) const noexcept {
  for (const LocalAddress& a : snap_->local_addresses)
    if (a.port == port && a.vlan == vlan && a.ipv6 == ipv6 && a.ip == ip) return true;
  return false;
}

bool Worker::learn_neighbor(std::uint16_t port, std::uint16_t vlan, bool ipv6, const IpAddr& ip, const MacAddr& mac,
                            std::uint64_t now) noexcept {
  if ((mac[0] & 1) != 0) return false;  // a multicast "address" resolves nothing
  bool known = false;
  for (const std::uint16_t n : view_->owned_neighbors) {
    const NeighborEntry& e = snap_->neighbors[n];
    if (e.port != port || e.vlan != vlan || e.ipv6 != ipv6 || e.ip != ip) continue;
    NeighborSlot& s = remote_->slot(n);
    s.confirmed.store(now, std::memory_order_relaxed);
    s.mac.store(NeighborSlot::kValid | pack_mac(mac.data()), std::memory_order_release);
    s.requests = 0;
    s.next_request = 0;
    known = true;
  }
  return known;
}

// ARP and NS/NA on a port where taasd owns an address or resolves a next
// hop, on that port's underlay VLAN. Returns true when the frame was taasd's
// (consumed and freed): asking for one of its addresses, answering it, or
// coming from one of its next hops. Anything else goes on to switching
// (where an untagged frame on the trunk counts as vlan_mismatch).
bool Worker::neighbor_rx(rte_mbuf* m, std::uint16_t in, std::uint64_t now) noexcept {
  const auto* p = rte_pktmbuf_mtod(m, const std::uint8_t*);
  const std::uint32_t len = rte_pktmbuf_data_len(m);
  if (len < 18) return false;
  std::uint16_t type = load_be16(p + 12);
  std::uint16_t vid = 0;
  if (type == 0x8100) {
    vid = load_be16(p + 14) & 0x0fff;
    type = load_be16(p + 16);
  }
  if (vid != view_->neighbor_vlan[in] || (type != 0x0806 && type != 0x86dd)) return false;
  const NeighborMsg msg = parse_neighbor_msg(p, len);
  if (msg.kind == NeighborMsg::Kind::kNone) return false;

  const MacAddr& mine = (*env_.caps)[in].mac;
  std::uint8_t frame[kNeighborFrameMax];
  std::uint16_t out = 0;
  bool ours = false;
  switch (msg.kind) {
    case NeighborMsg::Kind::kArpRequest:
      ours = learn_neighbor(in, vid, false, msg.sender_ip, msg.sender_mac, now);
      if (is_local(in, vid, false, msg.target_ip)) {
        out = build_arp_reply(frame, mine, vid, msg.target_ip, msg.sender_mac, msg.sender_ip);
        ours = true;
      }
      break;
    case NeighborMsg::Kind::kArpReply:
      ours = learn_neighbor(in, vid, false, msg.sender_ip, msg.sender_mac, now) ||
             is_local(in, vid, false, msg.target_ip);
      break;
    case NeighborMsg::Kind::kSolicit: {
      const IpAddr unspecified{};
      if (msg.sender_ip != unspecified) ours = learn_neighbor(in, vid, true, msg.sender_ip, msg.sender_mac, now);
      // Duplicate address detection (from ::) is not ours to answer.
      if (is_local(in, vid, true, msg.target_ip)) {
        if (msg.sender_ip != unspecified)
          out = build_neighbor_advert(frame, mine, vid, msg.target_ip, msg.sender_mac, msg.sender_ip, true);
        ours = true;
      }
      break;
    }
    case NeighborMsg::Kind::kAdvert:
      ours = learn_neighbor(in, vid, true, msg.target_ip, msg.sender_mac, now);
      break;
    case NeighborMsg::Kind::kNone:
      break;
  }
  if (!ours) return false;
  rte_pktmbuf_free(m);
  if (out != 0) send_control(in, frame, out);
  return true;
}

// Every 100 ms: request each unresolved next hop once a second (broadcast
// ARP / multicast NS), re-request a resolved one once it is older than the
// refresh time (unicast, as Linux probes), and forget it at twice that age.
void Worker::neighbor_tick(std::uint64_t now) noexcept {
  next_tick_ = now + tick_tsc_;
  for (const std::uint16_t n : view_->owned_neighbors) {
    const NeighborEntry& e = snap_->neighbors[n];
    NeighborSlot& s = remote_->slot(n);
    std::uint64_t word = s.mac.load(std::memory_order_relaxed);
    bool valid = (word & NeighborSlot::kValid) != 0;
    const std::uint64_t age = now - s.confirmed.load(std::memory_order_relaxed);
    if (valid && age >= 2 * refresh_tsc_) {
      s.mac.store(0, std::memory_order_release);
      valid = false;
    }
    if ((valid && age < refresh_tsc_) || now < s.next_request) continue;
    MacAddr known{};
    unpack_mac(word, known.data());
    const MacAddr* to = valid ? &known : nullptr;
    const MacAddr& mine = (*env_.caps)[e.port].mac;
    std::uint8_t frame[kNeighborFrameMax];
    const std::uint16_t len = e.ipv6 ? build_neighbor_solicit(frame, mine, e.vlan, e.src_ip, e.ip, to)
                                     : build_arp_request(frame, mine, e.vlan, e.src_ip, e.ip, to);
    send_control(e.port, frame, len);
    s.next_request = now + retry_tsc_;
    ++s.requests;
  }
}

// An ARP/ND frame of taasd's own, from the mirror pool (never production's),
// sent with the production frames of the port.
void Worker::send_control(std::uint16_t port, const std::uint8_t* frame, std::uint16_t len) noexcept {
  rte_mbuf* c = rte_pktmbuf_alloc(env_.pools.mirror);
  if (c == nullptr) {
    counters_->port[port].tx_nombuf.add();
    return;
  }
  auto* p = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(c, len));
  if (p == nullptr) {
    rte_pktmbuf_free(c);
    return;
  }
  std::memcpy(p, frame, len);
  send(port, c);
}

}  // namespace taas::dp
