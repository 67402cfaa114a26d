#include "dataplane/telemetry.hpp"

#include <rte_telemetry.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "taas/counters.hpp"

namespace taas::dp {
namespace {

// The board, never freed: telemetry threads may answer until exit.
std::atomic<const MetricsBoard*> g_board{nullptr};

/// JSON bytes the column lists may fill: DPDK writes a reply into a 16 KB
/// buffer and silently leaves out what does not fit; the rest is for the
/// keys and the scalars.
constexpr std::size_t kReplyBudget = 15 * 1024;
constexpr std::size_t kMaxRows = RTE_TEL_MAX_ARRAY_ENTRIES;

std::shared_ptr<const MetricsSnapshot> latest() {
  const MetricsBoard* b = g_board.load(std::memory_order_acquire);
  return b != nullptr ? b->latest() : nullptr;
}

/// `s` cut to what a telemetry string holds.
std::string fit(std::string_view s) { return std::string(s.substr(0, RTE_TEL_MAX_STRING_LEN - 1)); }

/// A column of the reply: an array container added to the top dict once
/// filled (the dict frees it: keep = 0).
class Column {
 public:
  explicit Column(rte_tel_value_type type) : d_(rte_tel_data_alloc()) {
    if (d_ != nullptr) rte_tel_data_start_array(d_, type);
  }
  ~Column() {
    if (d_ != nullptr) rte_tel_data_free(d_);
  }
  Column(const Column&) = delete;
  Column& operator=(const Column&) = delete;
  void add(std::string_view s) {
    if (d_ != nullptr) rte_tel_data_add_array_string(d_, fit(s).c_str());
  }
  void add(std::uint64_t v) {
    if (d_ != nullptr) rte_tel_data_add_array_u64(d_, v);
  }
  void put(rte_tel_data* dict, const char* key) {
    if (d_ != nullptr && rte_tel_data_add_dict_container(dict, key, d_, 0) == 0) d_ = nullptr;
  }

 private:
  rte_tel_data* d_;
};

/// Rows shown of a column list: as many as fit the budget at `row_bytes`
/// (the JSON size of row i), after `reserved` bytes other lists take, and
/// the array limit.
template <class RowBytes>
std::size_t rows_that_fit(std::size_t count, RowBytes row_bytes, std::size_t reserved = 0) {
  std::size_t used = reserved, n = 0;
  while (n < count && n < kMaxRows) {
    used += row_bytes(n);
    if (used > kReplyBudget) break;
    ++n;
  }
  return n;
}

/// JSON bytes of a number in a list, with its comma.
std::size_t num_bytes(std::uint64_t v) {
  std::size_t n = 2;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}
/// ... of a string (quotes, comma, an escape per quote or backslash).
std::size_t str_bytes(std::string_view s) {
  s = s.substr(0, RTE_TEL_MAX_STRING_LEN - 1);
  std::size_t n = s.size() + 3;
  for (const char c : s) n += (c == '"' || c == '\\') ? 1 : 0;
  return n;
}

void add_str(rte_tel_data* d, const char* key, std::string_view v) {
  rte_tel_data_add_dict_string(d, key, fit(v).c_str());
}

/// {reason: count} as a nested dict.
template <class Names, class Counts>
void add_reasons(rte_tel_data* d, const char* key, const Names& names, const Counts& counts) {
  rte_tel_data* sub = rte_tel_data_alloc();
  if (sub == nullptr) return;
  rte_tel_data_start_dict(sub);
  for (std::size_t r = 0; r < names.size(); ++r)
    rte_tel_data_add_dict_u64(sub, std::string(names[r]).c_str(), counts[r]);
  if (rte_tel_data_add_dict_container(d, key, sub, 0) != 0) rte_tel_data_free(sub);
}

std::uint64_t sum(const ServiceTotals& t) {
  std::uint64_t n = 0;
  for (const std::uint64_t d : t.dropped) n += d;
  return n;
}

/// Index of the entry whose name or id is `ref`, or entries.size() when none.
template <class Entries>
std::size_t find(const Entries& entries, std::string_view ref) {
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (entries[i].name == ref || entries[i].id == ref) return i;
  return entries.size();
}

int services_cmd(const char*, const char* params, rte_tel_data* d) {
  const auto m = latest();
  if (!m) return -1;
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_u64(d, "generation", m->generation);
  const auto& sv = m->names->services;
  if (params != nullptr && *params != '\0') {
    const std::size_t i = find(sv, params);
    if (i == sv.size() || i >= m->totals.service.size()) return -1;
    const ServiceTotals& t = m->totals.service[i];
    add_str(d, "name", sv[i].name);
    add_str(d, "id", sv[i].id);
    add_str(d, "status", status_name(m->service_status[i]));
    add_str(d, "port", sv[i].port);
    add_str(d, "encap", sv[i].encap);
    rte_tel_data_add_dict_u64(d, "flows", sv[i].flows);
    rte_tel_data_add_dict_u64(d, "mirrored_packets", t.packets);
    rte_tel_data_add_dict_u64(d, "mirrored_bytes", t.bytes);
    add_reasons(d, "dropped", kDropReasonNames, t.dropped);
    return 0;
  }
  const std::size_t count = std::min(sv.size(), m->totals.service.size());
  const std::size_t shown = rows_that_fit(count, [&](std::size_t i) {
    const ServiceTotals& t = m->totals.service[i];
    return str_bytes(sv[i].name) + str_bytes(sv[i].id) + str_bytes(status_name(m->service_status[i])) +
           str_bytes(sv[i].port) + str_bytes(sv[i].encap) + num_bytes(sv[i].flows) + num_bytes(t.packets) +
           num_bytes(t.bytes) + num_bytes(sum(t));
  });
  Column name(RTE_TEL_STRING_VAL), id(RTE_TEL_STRING_VAL), status(RTE_TEL_STRING_VAL), port(RTE_TEL_STRING_VAL),
      encap(RTE_TEL_STRING_VAL), flows(RTE_TEL_U64_VAL), packets(RTE_TEL_U64_VAL), bytes(RTE_TEL_U64_VAL),
      dropped(RTE_TEL_U64_VAL);
  for (std::size_t i = 0; i < shown; ++i) {
    const ServiceTotals& t = m->totals.service[i];
    name.add(sv[i].name);
    id.add(sv[i].id);
    status.add(status_name(m->service_status[i]));
    port.add(sv[i].port);
    encap.add(sv[i].encap);
    flows.add(std::uint64_t{sv[i].flows});
    packets.add(t.packets);
    bytes.add(t.bytes);
    dropped.add(sum(t));
  }
  rte_tel_data_add_dict_u64(d, "count", count);
  rte_tel_data_add_dict_u64(d, "shown", shown);
  name.put(d, "name");
  id.put(d, "id");
  status.put(d, "status");
  port.put(d, "port");
  encap.put(d, "encap");
  flows.put(d, "flows");
  packets.put(d, "mirrored_packets");
  bytes.put(d, "mirrored_bytes");
  dropped.put(d, "dropped");
  return 0;
}

int flows_cmd(const char*, const char* params, rte_tel_data* d) {
  const auto m = latest();
  if (!m) return -1;
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_u64(d, "generation", m->generation);
  const auto& fl = m->names->flows;
  if (params != nullptr && *params != '\0') {
    const std::size_t i = find(fl, params);
    if (i == fl.size() || i >= m->totals.flow.size()) return -1;
    add_str(d, "name", fl[i].name);
    add_str(d, "id", fl[i].id);
    add_str(d, "tap_service", fl[i].service);
    add_str(d, "tap_service_id", fl[i].service_id);
    add_str(d, "source_port", fl[i].source_port);
    add_str(d, "direction", fl[i].direction);
    add_str(d, "status", status_name(m->flow_status[i]));
    rte_tel_data_add_dict_u64(d, "mirrored_packets", m->totals.flow[i].packets);
    rte_tel_data_add_dict_u64(d, "mirrored_bytes", m->totals.flow[i].bytes);
    return 0;
  }
  const std::size_t count = std::min(fl.size(), m->totals.flow.size());
  const std::size_t shown = rows_that_fit(count, [&](std::size_t i) {
    return str_bytes(fl[i].name) + str_bytes(fl[i].id) + str_bytes(fl[i].service) + str_bytes(fl[i].service_id) +
           str_bytes(fl[i].source_port) + str_bytes(fl[i].direction) + str_bytes(status_name(m->flow_status[i])) +
           num_bytes(m->totals.flow[i].packets) + num_bytes(m->totals.flow[i].bytes);
  });
  Column name(RTE_TEL_STRING_VAL), id(RTE_TEL_STRING_VAL), service(RTE_TEL_STRING_VAL),
      service_id(RTE_TEL_STRING_VAL), source(RTE_TEL_STRING_VAL), direction(RTE_TEL_STRING_VAL),
      status(RTE_TEL_STRING_VAL), packets(RTE_TEL_U64_VAL), bytes(RTE_TEL_U64_VAL);
  for (std::size_t i = 0; i < shown; ++i) {
    name.add(fl[i].name);
    id.add(fl[i].id);
    service.add(fl[i].service);
    service_id.add(fl[i].service_id);
    source.add(fl[i].source_port);
    direction.add(fl[i].direction);
    status.add(status_name(m->flow_status[i]));
    packets.add(m->totals.flow[i].packets);
    bytes.add(m->totals.flow[i].bytes);
  }
  rte_tel_data_add_dict_u64(d, "count", count);
  rte_tel_data_add_dict_u64(d, "shown", shown);
  name.put(d, "name");
  id.put(d, "id");
  service.put(d, "tap_service");
  service_id.put(d, "tap_service_id");
  source.put(d, "source_port");
  direction.put(d, "direction");
  status.put(d, "status");
  packets.put(d, "mirrored_packets");
  bytes.put(d, "mirrored_bytes");
  return 0;
}

void port_fields(rte_tel_data* d, const PortTotals& t) {
  rte_tel_data_add_dict_u64(d, "rx_packets", t.rx_packets);
  rte_tel_data_add_dict_u64(d, "rx_bytes", t.rx_bytes);
  rte_tel_data_add_dict_u64(d, "tx_packets", t.tx_packets);
  rte_tel_data_add_dict_u64(d, "tx_bytes", t.tx_bytes);
  rte_tel_data_add_dict_u64(d, "rx_dropped", t.rx_dropped);
  rte_tel_data_add_dict_u64(d, "tx_dropped", t.tx_dropped);
  rte_tel_data_add_dict_u64(d, "tx_nombuf", t.tx_nombuf);
  rte_tel_data_add_dict_u64(d, "tx_link_down", t.tx_link_down);
}

int stats_cmd(const char*, const char* params, rte_tel_data* d) {
  const auto m = latest();
  if (!m) return -1;
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_u64(d, "generation", m->generation);
  const std::vector<std::string>& port_names = m->names->ports;
  const std::vector<MetricsNames::Neighbor>& hops = m->names->neighbors;
  const std::size_t nports = std::min(port_names.size(), m->totals.port.size());
  if (params != nullptr && *params != '\0') {
    std::size_t p = 0;
    while (p < nports && port_names[p] != params) ++p;
    if (p == nports) return -1;
    add_str(d, "name", port_names[p]);
    rte_tel_data_add_dict_u64(d, "up", m->port_up[p] ? 1 : 0);
    port_fields(d, m->totals.port[p]);
    add_reasons(d, "rx_dropped_by", kRxDropReasonNames, m->totals.port[p].rx_dropped_by);
    return 0;
  }
  rte_tel_data_add_dict_u64(d, "tsc_hz", m->tsc_hz);
  rte_tel_data_add_dict_u64(d, "deleted_mirrored_packets", m->totals.deleted_flows.packets);
  rte_tel_data_add_dict_u64(d, "deleted_mirrored_bytes", m->totals.deleted_flows.bytes);
  rte_tel_data_add_dict_u64(d, "swaps", m->swaps.count);
  rte_tel_data_add_dict_u64(d, "swap_us_sum", static_cast<std::uint64_t>(m->swaps.sum * 1e6));
  // Workers and next hops take their share of the budget first.
  const std::size_t workers = std::min(m->worker_cycles.size(), kMaxRows);
  std::size_t reserved = 0;
  for (std::size_t w = 0; w < workers; ++w)
    reserved += num_bytes(m->worker_cycles[w].first) + num_bytes(m->worker_cycles[w].second);
  std::size_t neighbors = 0;
  while (neighbors < hops.size() && neighbors < kMaxRows && reserved < kReplyBudget / 2)
    reserved += str_bytes(hops[neighbors++].ip) + 2;
  const std::size_t shown = rows_that_fit(
      nports,
      [&](std::size_t p) {
        const PortTotals& t = m->totals.port[p];
        return str_bytes(port_names[p]) + 2 + num_bytes(t.rx_packets) + num_bytes(t.rx_bytes) +
               num_bytes(t.tx_packets) + num_bytes(t.tx_bytes) + num_bytes(t.rx_dropped) +
               num_bytes(t.tx_dropped) + num_bytes(t.tx_nombuf) + num_bytes(t.tx_link_down);
      },
      reserved);
  Column port(RTE_TEL_STRING_VAL), up(RTE_TEL_U64_VAL), rxp(RTE_TEL_U64_VAL), rxb(RTE_TEL_U64_VAL),
      txp(RTE_TEL_U64_VAL), txb(RTE_TEL_U64_VAL), rxd(RTE_TEL_U64_VAL), txd(RTE_TEL_U64_VAL), nombuf(RTE_TEL_U64_VAL),
      down(RTE_TEL_U64_VAL), busy(RTE_TEL_U64_VAL), idle(RTE_TEL_U64_VAL), nb_ip(RTE_TEL_STRING_VAL),
      nb_ok(RTE_TEL_U64_VAL);
  for (std::size_t p = 0; p < shown; ++p) {
    const PortTotals& t = m->totals.port[p];
    port.add(port_names[p]);
    up.add(std::uint64_t{m->port_up[p] ? 1u : 0u});
    rxp.add(t.rx_packets);
    rxb.add(t.rx_bytes);
    txp.add(t.tx_packets);
    txb.add(t.tx_bytes);
    rxd.add(t.rx_dropped);
    txd.add(t.tx_dropped);
    nombuf.add(t.tx_nombuf);
    down.add(t.tx_link_down);
  }
  for (std::size_t w = 0; w < workers; ++w) {
    busy.add(m->worker_cycles[w].first);
    idle.add(m->worker_cycles[w].second);
  }
  for (std::size_t n = 0; n < neighbors; ++n) {
    nb_ip.add(hops[n].ip);
    nb_ok.add(std::uint64_t{m->neighbor_resolved[n] ? 1u : 0u});
  }
  rte_tel_data_add_dict_u64(d, "count", nports);
  rte_tel_data_add_dict_u64(d, "shown", shown);
  port.put(d, "port");
  up.put(d, "up");
  rxp.put(d, "rx_packets");
  rxb.put(d, "rx_bytes");
  txp.put(d, "tx_packets");
  txb.put(d, "tx_bytes");
  rxd.put(d, "rx_dropped");
  txd.put(d, "tx_dropped");
  nombuf.put(d, "tx_nombuf");
  down.put(d, "tx_link_down");
  busy.put(d, "worker_busy_cycles");
  idle.put(d, "worker_idle_cycles");
  nb_ip.put(d, "neighbor_ip");
  nb_ok.put(d, "neighbor_resolved");
  return 0;
}

}  // namespace

bool register_telemetry(std::shared_ptr<const MetricsBoard> board) {
  // Kept alive on purpose until exit (see telemetry.hpp): in a list that is
  // never destroyed (the telemetry threads outlive main's statics) and that
  // a global points to, so LeakSanitizer sees it reachable, not leaked.
  static auto* const kept = new std::vector<std::shared_ptr<const MetricsBoard>>();
  static std::mutex kept_lock;
  const MetricsBoard* raw = board.get();
  {
    const std::lock_guard<std::mutex> hold(kept_lock);
    kept->push_back(std::move(board));
  }
  const bool first = g_board.exchange(raw, std::memory_order_acq_rel) == nullptr;
  if (!first) return true;
  return rte_telemetry_register_cmd("/taasd/services", services_cmd,
                                    "Tap services, or one: ,NAME|ID. Counters up to 250 ms old") == 0 &&
         rte_telemetry_register_cmd("/taasd/flows", flows_cmd,
                                    "Tap flows, or one: ,NAME|ID. Counters up to 250 ms old") == 0 &&
         rte_telemetry_register_cmd("/taasd/stats", stats_cmd,
                                    "Port and worker counters, or one port: ,PORT") == 0;
}

}  // namespace taas::dp
