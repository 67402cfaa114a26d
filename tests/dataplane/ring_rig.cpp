#include "tests/dataplane/ring_rig.hpp"

#include <gtest/gtest.h>
#include <rte_eth_ring.h>

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

Bytes make_frame(const std::string& dst, const std::string& src, std::uint16_t ether_type,
                 std::size_t payload_len, std::uint8_t seed, int vlan) {
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
  setup(intent_yaml, tx_size, tx_sizes);
}

void RingRig::setup(const std::string& intent_yaml, unsigned tx_size,
                    const std::vector<std::pair<std::uint16_t, unsigned>>& tx_sizes) {
  auto compiled = ctl::compile_intent(intent_yaml, "rig.yaml");
  if (!compiled) {
    ADD_FAILURE() << compiled.error().to_string();
    down_ = true;
    return;
  }
  snap_ = std::move(compiled).value();
  const std::string tag = "r" + std::to_string(++g_rig_seq);
  auto pools = dp::Pools::create(snap_.params, tag);
  if (!pools) {
    ADD_FAILURE() << pools.error().to_string();
    down_ = true;
    return;
  }
  pools_ = pools.value();
  for (std::size_t i = 0; i < snap_.ports.size(); ++i) {
    unsigned size = tx_size;
    for (const auto& [p, s] : tx_sizes)
      if (p == i) size = s;
    const std::string base = tag + "p" + std::to_string(i);
    rte_ring* rx = rte_ring_create((base + "rx").c_str(), 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    rte_ring* tx = rte_ring_create((base + "tx").c_str(), size, SOCKET_ID_ANY,
                                   RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
    ASSERT_NE(rx, nullptr);
    ASSERT_NE(tx, nullptr);
    rx_rings_.push_back(rx);
    tx_rings_.push_back(tx);
    const int id = rte_eth_from_rings(("net_ring_" + base).c_str(), &rx, 1, &tx, 1, SOCKET_ID_ANY);
    ASSERT_GE(id, 0) << "rte_eth_from_rings failed";
    ids_.push_back(static_cast<std::uint16_t>(id));
  }
  auto caps = dp::start_ports(snap_, ids_, pools_, 1);
  ASSERT_TRUE(caps) << caps.error().to_string();
  caps_ = std::move(caps).value();
  dp::WorkerEnv env{&snap_, &ids_, &caps_, pools_, 0, {}};
  for (std::size_t i = 0; i < ids_.size(); ++i) env.rx.push_back(dp::RxQueue{static_cast<std::uint16_t>(i), 0});
  worker_ = std::make_unique<dp::Worker>(std::move(env));
}

RingRig::~RingRig() { shutdown(); }

std::uint16_t RingRig::port(const std::string& name) const {
  for (std::size_t i = 0; i < snap_.ports.size(); ++i)
    if (snap_.ports[i].name == name) return static_cast<std::uint16_t>(i);
  ADD_FAILURE() << "no port " << name;
  return 0;
}

void RingRig::inject(const std::string& name, const std::vector<Bytes>& frames) {
  ASSERT_NE(worker_, nullptr) << "the rig failed to start";
  for (const Bytes& f : frames) {
    rte_mbuf* m = rte_pktmbuf_alloc(pools_.production);
    ASSERT_NE(m, nullptr);
    char* data = rte_pktmbuf_append(m, static_cast<std::uint16_t>(f.size()));
    ASSERT_NE(data, nullptr);
    std::memcpy(data, f.data(), f.size());
    ASSERT_EQ(rte_ring_enqueue(rx_rings_[port(name)], m), 0);
  }
}

void RingRig::run() {
  ASSERT_NE(worker_, nullptr) << "the rig failed to start";
  for (int idle = 0; idle < 2;) idle = worker_->poll_once() == 0 ? idle + 1 : 0;
}

std::vector<Bytes> RingRig::collect(const std::string& name) {
  std::vector<Bytes> out;
  void* obj = nullptr;
  while (rte_ring_dequeue(tx_rings_[port(name)], &obj) == 0) {
    auto* m = static_cast<rte_mbuf*>(obj);
    Bytes b(rte_pktmbuf_pkt_len(m));
    const void* p = rte_pktmbuf_read(m, 0, static_cast<std::uint32_t>(b.size()), b.data());
    if (p != b.data()) std::memcpy(b.data(), p, b.size());
    out.push_back(std::move(b));
    rte_pktmbuf_free(m);
  }
  return out;
}

unsigned RingRig::pending(const std::string& name) const { return rte_ring_count(tx_rings_[port(name)]); }

bool RingRig::shutdown() {
  if (down_) return true;
  down_ = true;
  dp::close_ports(ids_);
  for (rte_ring* r : rx_rings_) {
    void* obj = nullptr;
    while (rte_ring_dequeue(r, &obj) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
  }
  for (rte_ring* r : tx_rings_) {
    void* obj = nullptr;
    while (rte_ring_dequeue(r, &obj) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
  }
  worker_.reset();
  const bool returned = pools_.all_returned();
  for (rte_ring* r : rx_rings_) rte_ring_free(r);
  for (rte_ring* r : tx_rings_) rte_ring_free(r);
  pools_.destroy();
  return returned;
}

}  // namespace taas::test
