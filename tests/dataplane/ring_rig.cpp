#include "tests/dataplane/ring_rig.hpp"

#include <gtest/gtest.h>
#include <rte_cycles.h>
#include <rte_eth_ring.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "control/intent.hpp"

namespace taas::test {
namespace {

int g_rig_seq = 0;

void parse_mac(const std::string& text, std::uint8_t* out) {
  unsigned v[6] = {};
  std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);
  for (int i = 0; i < 6; ++i) out[i] = static_cast<std::uint8_t>(v[i]);
}

}  // namespace

Bytes make_frame(const std::string& dst, const std::string& src, std::uint16_t ether_type, std::size_t payload_len,
                 std::uint8_t seed, int vlan) {
  Bytes f(12);
  parse_mac(dst, f.data());
  parse_mac(src, f.data() + 6);
  if (vlan >= 0) {
    f.insert(f.end(), {0x81, 0x00, static_cast<std::uint8_t>(vlan >> 8), static_cast<std::uint8_t>(vlan & 0xff)});
  }
  f.push_back(static_cast<std::uint8_t>(ether_type >> 8));
  f.push_back(static_cast<std::uint8_t>(ether_type & 0xff));
  for (std::size_t i = 0; i < payload_len; ++i) f.push_back(static_cast<std::uint8_t>(seed + i * 7));
  return f;
}

Bytes tagged(const Bytes& frame, std::uint16_t vlan) {
  Bytes t(frame.begin(), frame.begin() + 12);
  t.insert(t.end(), {0x81, 0x00, static_cast<std::uint8_t>(vlan >> 8), static_cast<std::uint8_t>(vlan & 0xff)});
  t.insert(t.end(), frame.begin() + 12, frame.end());
  return t;
}

RingRig::RingRig(const std::string& intent_yaml, unsigned tx_size,
                 std::vector<std::pair<std::uint16_t, unsigned>> tx_sizes) {
  RigOptions o;
  o.tx_size = tx_size;
  o.tx_sizes = std::move(tx_sizes);
  setup(intent_yaml, o);
}

RingRig::RingRig(const std::string& intent_yaml, const RigOptions& options) { setup(intent_yaml, options); }

void RingRig::setup(const std::string& intent_yaml, const RigOptions& options) {
  down_ = true;  // until everything is up: shutdown() then has nothing to do
  auto compiled = ctl::compile_intent(intent_yaml, "rig.yaml");
  if (!compiled) {
    ADD_FAILURE() << compiled.error().to_string();
    return;
  }
  snap_ = std::move(compiled).value();
  const unsigned nworkers = options.workers == 0 ? 1 : options.workers;
  const std::string tag = "r" + std::to_string(++g_rig_seq);
  auto pools = dp::Pools::create(snap_.params, tag);
  if (!pools) {
    ADD_FAILURE() << pools.error().to_string();
    return;
  }
  pools_ = pools.value();
  down_ = false;  // from here on shutdown() frees what exists
  tx_rings_.resize(snap_.ports.size());
  for (std::size_t i = 0; i < snap_.ports.size(); ++i) {
    unsigned size = options.tx_size;
    for (const auto& [p, s] : options.tx_sizes)
      if (p == i) size = s;
    const std::string base = tag + "p" + std::to_string(i);
    rte_ring* rx = rte_ring_create((base + "rx").c_str(), 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    ASSERT_NE(rx, nullptr);
    rx_rings_.push_back(rx);
    for (unsigned q = 0; q < nworkers; ++q) {
      rte_ring* tx = rte_ring_create((base + "tx" + std::to_string(q)).c_str(), size, SOCKET_ID_ANY,
                                     RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
      ASSERT_NE(tx, nullptr);
      tx_rings_[i].push_back(tx);
    }
    const int id =
        rte_eth_from_rings(("net_ring_" + base).c_str(), &rx, 1, tx_rings_[i].data(), nworkers, SOCKET_ID_ANY);
    ASSERT_GE(id, 0) << "rte_eth_from_rings failed";
    ids_.push_back(static_cast<std::uint16_t>(id));
  }
  auto caps = dp::start_ports(snap_, ids_, pools_, static_cast<std::uint16_t>(nworkers));
  ASSERT_TRUE(caps) << caps.error().to_string();
  caps_ = std::move(caps).value();
  for (const std::string& name : options.no_multi_seg) caps_[port(name)].multi_seg_tx = false;
  // net_ring ports all have the MAC 00:00:00:00:00:00 and cannot be given
  // another (no mac_addr_set op): stand in for a NIC's own address so that
  // tests can tell the ports' MACs apart and from zero.
  for (std::size_t i = 0; i < caps_.size(); ++i)
    if (caps_[i].mac == MacAddr{}) caps_[i].mac = MacAddr{0x02, 0x0a, 0, 0, 0, static_cast<std::uint8_t>(i + 1)};

  std::vector<std::vector<std::uint16_t>> polled(nworkers);
  for (unsigned w = 0; w < nworkers; ++w) {
    if (w < options.rx_ports.size()) {
      for (const std::string& name : options.rx_ports[w]) polled[w].push_back(port(name));
    } else if (options.rx_ports.empty()) {
      for (std::size_t i = 0; i < ids_.size(); ++i)
        if (i % nworkers == w) polled[w].push_back(static_cast<std::uint16_t>(i));
    }
  }
  const auto wall = std::chrono::system_clock::now().time_since_epoch();
  publisher_ = std::make_unique<dp::Publisher>(
      polled, dp::SlotRegistry(rte_get_tsc_hz(), rte_rdtsc(),
                               static_cast<std::uint64_t>(
                                   std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count())));
  publisher_->publish(snap_);

  links_ = std::make_unique<std::atomic<std::uint8_t>[]>(ids_.size());
  for (std::size_t i = 0; i < ids_.size(); ++i) links_[i].store(1);
  for (unsigned w = 0; w < nworkers; ++w) {
    dp::WorkerEnv env{publisher_->cell(), publisher_->rcu(), &ids_, &caps_, pools_, static_cast<std::uint16_t>(w), {},
                      links_.get()};
    for (const std::uint16_t p : polled[w]) env.rx.push_back(dp::RxQueue{p, 0});
    workers_.push_back(std::make_unique<dp::Worker>(std::move(env)));
  }
}

RingRig::~RingRig() { shutdown(); }

std::uint16_t RingRig::port(const std::string& name) const {
  for (std::size_t i = 0; i < snap_.ports.size(); ++i)
    if (snap_.ports[i].name == name) return static_cast<std::uint16_t>(i);
  ADD_FAILURE() << "no port " << name;
  return 0;
}

void RingRig::inject(const std::string& name, const std::vector<Bytes>& frames, std::size_t segment) {
  ASSERT_TRUE(ok()) << "the rig failed to start";
  for (const Bytes& f : frames) {
    rte_mbuf* head = nullptr;
    std::size_t off = 0;
    do {
      const std::size_t n = segment == 0 ? f.size() : std::min(segment, f.size() - off);
      rte_mbuf* m = rte_pktmbuf_alloc(pools_.production);
      ASSERT_NE(m, nullptr);
      char* data = rte_pktmbuf_append(m, static_cast<std::uint16_t>(n));
      ASSERT_NE(data, nullptr);
      std::memcpy(data, f.data() + off, n);
      off += n;
      if (head == nullptr) {
        head = m;
      } else {
        ASSERT_EQ(rte_pktmbuf_chain(head, m), 0);
      }
    } while (off < f.size());
    ASSERT_EQ(rte_ring_enqueue(rx_rings_[port(name)], head), 0);
  }
}

void RingRig::inject_mbuf(const std::string& name, rte_mbuf* m) {
  ASSERT_TRUE(ok()) << "the rig failed to start";
  ASSERT_EQ(rte_ring_enqueue(rx_rings_[port(name)], m), 0);
}

std::uint32_t RingRig::poll() {
  std::uint32_t n = 0;
  for (auto& w : workers_) n += w->poll_once();
  return n;
}

void RingRig::run() {
  ASSERT_TRUE(ok()) << "the rig failed to start";
  for (int idle = 0; idle < 2;) idle = poll() == 0 ? idle + 1 : 0;
}

std::vector<TxFrame> RingRig::collect_frames(const std::string& name, int queue) {
  std::vector<TxFrame> out;
  if (!ok()) return out;
  const auto& rings = tx_rings_[port(name)];
  for (std::size_t q = 0; q < rings.size(); ++q) {
    if (queue >= 0 && q != static_cast<std::size_t>(queue)) continue;
    void* obj = nullptr;
    while (rte_ring_dequeue(rings[q], &obj) == 0) {
      auto* m = static_cast<rte_mbuf*>(obj);
      TxFrame f;
      f.bytes.resize(rte_pktmbuf_pkt_len(m));
      const void* p = rte_pktmbuf_read(m, 0, static_cast<std::uint32_t>(f.bytes.size()), f.bytes.data());
      if (p != nullptr && p != f.bytes.data()) std::memcpy(f.bytes.data(), p, f.bytes.size());
      f.nb_segs = m->nb_segs;
      f.first_indirect = RTE_MBUF_CLONED(m);
      f.first_len = rte_pktmbuf_data_len(m);
      for (const rte_mbuf* s = m; s != nullptr; s = s->next) f.any_indirect = f.any_indirect || RTE_MBUF_CLONED(s);
      f.queue = static_cast<std::uint16_t>(q);
      out.push_back(std::move(f));
      rte_pktmbuf_free(m);
    }
  }
  return out;
}

std::vector<Bytes> RingRig::collect(const std::string& name) {
  std::vector<Bytes> out;
  for (TxFrame& f : collect_frames(name)) out.push_back(std::move(f.bytes));
  return out;
}

unsigned RingRig::pending(const std::string& name) const {
  unsigned n = 0;
  for (rte_ring* r : tx_rings_[port(name)]) n += rte_ring_count(r);
  return n;
}

bool RingRig::shutdown() {
  if (down_) return true;
  down_ = true;
  dp::close_ports(ids_);
  auto drain = [](rte_ring* r) {
    void* obj = nullptr;
    while (rte_ring_dequeue(r, &obj) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
  };
  for (rte_ring* r : rx_rings_) drain(r);
  for (const auto& rings : tx_rings_)
    for (rte_ring* r : rings) drain(r);
  workers_.clear();  // gives the stashed clones back
  publisher_.reset();
  const bool returned = pools_.all_returned();
  for (rte_ring* r : rx_rings_) rte_ring_free(r);
  for (const auto& rings : tx_rings_)
    for (rte_ring* r : rings) rte_ring_free(r);
  pools_.destroy();
  return returned;
}

}  // namespace taas::test
