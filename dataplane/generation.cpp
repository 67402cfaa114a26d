#include "dataplane/generation.hpp"

#include <rte_cycles.h>

#include <cstdlib>
#include <new>
#include <unordered_set>

namespace taas::dp {
namespace {

template <class Entry>
std::unordered_map<std::string, std::size_t> by_uuid(const std::vector<Entry>& entries) {
  std::unordered_map<std::string, std::size_t> out;
  out.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) out.emplace(entries[i].uuid, i);
  return out;
}

}  // namespace

Publisher::Publisher(std::vector<std::vector<std::uint16_t>> polled, SlotRegistry slots)
    : polled_(std::move(polled)), slots_(std::move(slots)) {
  const auto n = static_cast<std::uint32_t>(polled_.size());
  const std::size_t size = rte_rcu_qsbr_get_memsize(n);
  rcu_ = static_cast<rte_rcu_qsbr*>(std::aligned_alloc(RTE_CACHE_LINE_SIZE, (size + 63) / 64 * 64));
  if (rcu_ == nullptr || rte_rcu_qsbr_init(rcu_, n) != 0) throw std::bad_alloc();
}

Publisher::~Publisher() {
  retired_.clear();
  current_.store(nullptr, std::memory_order_relaxed);
  owned_.reset();
  std::free(rcu_);
}

std::unique_ptr<Generation> Publisher::build(Snapshot snap) {
  auto g = std::make_unique<Generation>(std::move(snap), slots_);
  const Snapshot& s = g->snap;
  const std::size_t nports = s.ports.size();
  for (const auto& polled : polled_) {
    auto view = std::make_unique<WorkerView>(s);
    view->neighbor_port.assign(nports, 0);
    view->neighbor_vlan.assign(nports, 0);
    std::vector<std::uint8_t> mine(nports, 0);
    for (const std::uint16_t p : polled)
      if (p < nports) mine[p] = 1;
    for (const LocalAddress& a : s.local_addresses) {
      view->neighbor_port[a.port] = 1;
      view->neighbor_vlan[a.port] = a.vlan;
    }
    for (std::size_t n = 0; n < s.neighbors.size(); ++n) {
      const NeighborEntry& e = s.neighbors[n];
      if (mine[e.port] == 0 || e.has_static_mac) continue;
      view->owned_neighbors.push_back(static_cast<std::uint16_t>(n));
      view->neighbor_port[e.port] = 1;
      view->neighbor_vlan[e.port] = e.vlan;
    }
    g->views.push_back(std::move(view));
  }
  return g;
}

std::uint64_t Publisher::publish(Snapshot snap) {
  std::unique_ptr<Generation> g = build(std::move(snap));
  const std::uint64_t number = g->snap.generation;
  g->seq = ++seq_;
  // Totals of services and flows the new snapshot no longer has move to the
  // deleted sums now: nothing will count against those UUIDs again (one
  // added back later with the same UUID is another flow, from zero).
  const auto services = by_uuid(g->snap.services);
  const auto flows = by_uuid(g->snap.flows);
  auto lifetimes = [&](std::unordered_map<std::string, std::uint64_t>& born, const auto& now) {
    for (auto it = born.begin(); it != born.end();) {
      if (now.count(it->first) == 0) it = born.erase(it); else ++it;
    }
    for (const auto& [uuid, index] : now) born.try_emplace(uuid, g->seq);
  };
  lifetimes(services_born_, services);
  lifetimes(flows_born_, flows);
  for (auto it = services_.begin(); it != services_.end();) {
    if (services.count(it->first) != 0) { ++it; continue; }
    add(deleted_services_, it->second);
    it = services_.erase(it);
  }
  for (auto it = flows_.begin(); it != flows_.end();) {
    if (flows.count(it->first) != 0) { ++it; continue; }
    add(deleted_flows_, it->second);
    it = flows_.erase(it);
  }
  g->published_tsc = rte_rdtsc();
  current_.store(g.get(), std::memory_order_release);
  if (owned_) retired_.push_back(Retired{std::move(owned_), rte_rcu_qsbr_start(rcu_)});
  owned_ = std::move(g);
  return number;
}

std::size_t Publisher::reclaim() {
  while (!retired_.empty() && rte_rcu_qsbr_check(rcu_, retired_.front().token, false) == 1) {
    fold(*retired_.front().gen);
    retired_.pop_front();
  }
  return retired_.size();
}

bool Publisher::continuous(const std::unordered_map<std::string, std::uint64_t>& born, const std::string& uuid,
                           const Generation& g) {
  const auto it = born.find(uuid);
  return it != born.end() && it->second <= g.seq;
}

// A generation no worker uses any more: its counters are final.
void Publisher::fold(const Generation& g) {
  if (ports_.size() < g.snap.ports.size()) ports_.resize(g.snap.ports.size());
  for (const auto& view : g.views) {
    const WorkerCounters& c = view->counters;
    for (std::size_t i = 0; i < c.port.size(); ++i) add(ports_[i], c.port[i]);
    for (std::size_t i = 0; i < c.service.size(); ++i) {
      const std::string& uuid = g.snap.services[i].uuid;
      add(continuous(services_born_, uuid, g) ? services_[uuid] : deleted_services_, c.service[i]);
    }
    for (std::size_t i = 0; i < c.flow.size(); ++i) {
      const std::string& uuid = g.snap.flows[i].uuid;
      add(continuous(flows_born_, uuid, g) ? flows_[uuid] : deleted_flows_, c.flow[i]);
    }
  }
}

void Publisher::add_live(Totals& t, const Generation& g) const {
  const Snapshot& now = owned_->snap;
  const bool same = &g == owned_.get();
  const auto services = same ? std::unordered_map<std::string, std::size_t>{} : by_uuid(now.services);
  const auto flows = same ? std::unordered_map<std::string, std::size_t>{} : by_uuid(now.flows);
  for (const auto& view : g.views) {
    const WorkerCounters& c = view->counters;
    for (std::size_t i = 0; i < c.port.size() && i < t.port.size(); ++i) add(t.port[i], c.port[i]);
    for (std::size_t i = 0; i < c.service.size(); ++i) {
      std::size_t at = i;
      if (!same) {
        const std::string& uuid = g.snap.services[i].uuid;
        const auto it = services.find(uuid);
        at = it == services.end() || !continuous(services_born_, uuid, g) ? t.service.size() : it->second;
      }
      add(at < t.service.size() ? t.service[at] : t.deleted_services, c.service[i]);
    }
    for (std::size_t i = 0; i < c.flow.size(); ++i) {
      std::size_t at = i;
      if (!same) {
        const std::string& uuid = g.snap.flows[i].uuid;
        const auto it = flows.find(uuid);
        at = it == flows.end() || !continuous(flows_born_, uuid, g) ? t.flow.size() : it->second;
      }
      if (at < t.flow.size()) {
        add(t.flow[at], c.flow[i]);
      } else {
        add(t.deleted_flows, c.flow[i]);
      }
    }
  }
}

Totals Publisher::totals() const {
  Totals t;
  if (!owned_) return t;
  const Snapshot& now = owned_->snap;
  t.port.resize(now.ports.size());
  t.service.resize(now.services.size());
  t.flow.resize(now.flows.size());
  for (std::size_t i = 0; i < ports_.size() && i < t.port.size(); ++i) {
    PortTotals& p = t.port[i];
    const PortTotals& r = ports_[i];
    p = r;
  }
  for (std::size_t i = 0; i < now.services.size(); ++i) {
    const auto it = services_.find(now.services[i].uuid);
    if (it != services_.end()) add(t.service[i], it->second);
  }
  for (std::size_t i = 0; i < now.flows.size(); ++i) {
    const auto it = flows_.find(now.flows[i].uuid);
    if (it != flows_.end()) add(t.flow[i], it->second);
  }
  add(t.deleted_services, deleted_services_);
  add(t.deleted_flows, deleted_flows_);
  for (const Retired& r : retired_) add_live(t, *r.gen);
  add_live(t, *owned_);
  return t;
}

}  // namespace taas::dp
