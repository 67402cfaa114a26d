#include "dataplane/prometheus.hpp"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "taas/counters.hpp"

namespace taas::dp {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

/// Appends samples to one family; families without samples are left out
/// of the exposition (see Collector::Collect).
class Family {
 public:
  Family(std::string name, std::string help, MetricType type) {
    f_.name = std::move(name);
    f_.help = std::move(help);
    f_.type = type;
  }
  Family& add(Labels labels, double value) {
    ClientMetric m;
    m.label = std::move(labels);
    if (f_.type == MetricType::Counter)
      m.counter.value = value;
    else
      m.gauge.value = value;
    f_.metric.push_back(std::move(m));
    return *this;
  }
  Family& add(double value) { return add({}, value); }
  Family& add_histogram(const SwapHistogram& h) {
    ClientMetric m;
    m.histogram.sample_count = h.count;
    m.histogram.sample_sum = h.sum;
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < h.counts.size(); ++b) {
      cumulative += h.counts[b];
      const double bound =
          b < SwapHistogram::kBounds.size() ? SwapHistogram::kBounds[b] : std::numeric_limits<double>::infinity();
      m.histogram.bucket.push_back({cumulative, bound});
    }
    f_.metric.push_back(std::move(m));
    return *this;
  }
  MetricFamily take() { return std::move(f_); }

 private:
  MetricFamily f_;
};

double num(std::uint64_t v) { return static_cast<double>(v); }

class Collector final : public prometheus::Collectable {
 public:
  explicit Collector(std::shared_ptr<const MetricsBoard> board) : board_(std::move(board)) {}

  /// Runs on an exposer thread, once per scrape.
  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> out;
    const std::shared_ptr<const MetricsSnapshot> m = board_->latest();
    if (!m) return out;  // before the control loop's first refresh
    std::vector<Family> fams;
    ports(*m, fams);
    services(*m, fams);
    flows(*m, fams);
    process(*m, fams);
    for (Family& f : fams) {
      MetricFamily mf = f.take();
      if (!mf.metric.empty()) out.push_back(std::move(mf));
    }
    return out;
  }

 private:
  static void ports(const MetricsSnapshot& m, std::vector<Family>& fams) {
    Family rx_p("taasd_port_rx_packets_total", "Frames received on the port.", MetricType::Counter);
    Family rx_b("taasd_port_rx_bytes_total", "Bytes received on the port.", MetricType::Counter);
    Family tx_p("taasd_port_tx_packets_total", "Frames sent on the port (production and mirror copies).",
                MetricType::Counter);
    Family tx_b("taasd_port_tx_bytes_total", "Bytes sent on the port.", MetricType::Counter);
    Family rx_d("taasd_port_rx_dropped_total", "Received frames not forwarded, by reason.", MetricType::Counter);
    Family tx_d("taasd_port_tx_dropped_total", "Production frames that could not be sent on the port.",
                MetricType::Counter);
    Family nombuf("taasd_port_tx_nombuf_total", "Flood copies that could not be allocated for the port.",
                  MetricType::Counter);
    Family down("taasd_port_tx_link_down_total", "Production frames dropped because the port had no link.",
                MetricType::Counter);
    Family up("taasd_port_up", "1 when the port has link, else 0.", MetricType::Gauge);
    const std::vector<std::string>& names = m.names->ports;
    for (std::size_t p = 0; p < names.size() && p < m.totals.port.size(); ++p) {
      const PortTotals& t = m.totals.port[p];
      const Labels l{{"port", names[p]}};
      rx_p.add(l, num(t.rx_packets));
      rx_b.add(l, num(t.rx_bytes));
      tx_p.add(l, num(t.tx_packets));
      tx_b.add(l, num(t.tx_bytes));
      for (std::size_t r = 0; r < kRxDropReasonNames.size(); ++r)
        rx_d.add({{"port", names[p]}, {"reason", std::string(kRxDropReasonNames[r])}},
                 num(t.rx_dropped_by[r]));
      tx_d.add(l, num(t.tx_dropped));
      nombuf.add(l, num(t.tx_nombuf));
      down.add(l, num(t.tx_link_down));
      up.add(l, m.port_up[p] ? 1 : 0);
    }
    for (Family* f : {&rx_p, &rx_b, &tx_p, &tx_b, &rx_d, &tx_d, &nombuf, &down, &up}) fams.push_back(std::move(*f));
  }

  static void services(const MetricsSnapshot& m, std::vector<Family>& fams) {
    Family pk("taasd_service_mirrored_packets_total", "Mirror copies the tap service sent.", MetricType::Counter);
    Family by("taasd_service_mirrored_bytes_total", "Bytes of the mirror copies the tap service sent.",
              MetricType::Counter);
    Family dr("taasd_mirror_dropped_total", "Mirror copies for the tap service that were not sent, by reason.",
              MetricType::Counter);
    Family up("taasd_service_up", "1 when the tap service is ACTIVE, 0 when DOWN or ERROR.", MetricType::Gauge);
    const std::vector<MetricsNames::Service>& services = m.names->services;
    for (std::size_t i = 0; i < services.size() && i < m.totals.service.size(); ++i) {
      const MetricsNames::Service& s = services[i];
      const ServiceTotals& t = m.totals.service[i];
      const Labels l{{"service", s.name}, {"service_id", s.id}};
      pk.add(l, num(t.packets));
      by.add(l, num(t.bytes));
      for (std::size_t r = 0; r < kDropReasonNames.size(); ++r)
        dr.add({{"service", s.name}, {"service_id", s.id}, {"reason", std::string(kDropReasonNames[r])}},
               num(t.dropped[r]));
      up.add(l, m.service_status[i] == Status::kActive ? 1 : 0);
    }
    for (Family* f : {&pk, &by, &dr, &up}) fams.push_back(std::move(*f));
  }

  static void flows(const MetricsSnapshot& m, std::vector<Family>& fams) {
    Family pk("taasd_flow_mirrored_packets_total", "Mirror copies the tap flow selected that were sent.",
              MetricType::Counter);
    Family by("taasd_flow_mirrored_bytes_total", "Bytes of those copies.", MetricType::Counter);
    const std::vector<MetricsNames::Flow>& flows = m.names->flows;
    for (std::size_t i = 0; i < flows.size() && i < m.totals.flow.size(); ++i) {
      const MetricsNames::Flow& f = flows[i];
      const Labels l{{"flow", f.name}, {"flow_id", f.id}, {"service", f.service}};
      pk.add(l, num(m.totals.flow[i].packets));
      by.add(l, num(m.totals.flow[i].bytes));
    }
    Family del("taasd_deleted_mirrored_packets_total", "Mirror copies counted by tap flows since deleted.",
               MetricType::Counter);
    del.add(num(m.totals.deleted_flows.packets));
    for (Family* f : {&pk, &by, &del}) fams.push_back(std::move(*f));
  }

  static void process(const MetricsSnapshot& m, std::vector<Family>& fams) {
    Family busy("taasd_worker_busy_cycles_total", "TSC cycles of worker poll iterations that received frames.",
                MetricType::Counter);
    Family idle("taasd_worker_idle_cycles_total", "TSC cycles of worker poll iterations that received none.",
                MetricType::Counter);
    for (std::size_t w = 0; w < m.worker_cycles.size(); ++w) {
      const Labels l{{"worker", std::to_string(w)}};
      busy.add(l, num(m.worker_cycles[w].first));
      idle.add(l, num(m.worker_cycles[w].second));
    }
    Family hz("taasd_tsc_hz", "TSC ticks per second: divides the cycle counters into seconds.", MetricType::Gauge);
    hz.add(num(m.tsc_hz));
    Family gen("taasd_snapshot_generation", "Generation of the running snapshot.", MetricType::Gauge);
    gen.add(num(m.generation));
    Family swap("taasd_swap_duration_seconds", "Seconds from a change's arrival to its snapshot's publication.",
                MetricType::Histogram);
    swap.add_histogram(m.swaps);
    Family nb("taasd_neighbor_resolved", "1 when the next hop's MAC is known (ARP / ND or static), else 0.",
              MetricType::Gauge);
    const std::vector<MetricsNames::Neighbor>& hops = m.names->neighbors;
    for (std::size_t i = 0; i < hops.size(); ++i)
      nb.add({{"port", hops[i].port}, {"vlan", std::to_string(hops[i].vlan)}, {"ip", hops[i].ip}},
             m.neighbor_resolved[i] ? 1 : 0);
    for (Family* f : {&busy, &idle, &hz, &gen, &swap, &nb}) fams.push_back(std::move(*f));
  }

  std::shared_ptr<const MetricsBoard> board_;
};

}  // namespace

std::string check_listen_address(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return "'" + address + "': expected ADDRESS:PORT, e.g. 127.0.0.1:9464";
  const std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535)
    return "'" + address + "': the port must be a number from 0 to 65535";
  const bool bracketed = host.front() == '[' && host.back() == ']' && host.size() > 2;
  if (!bracketed && host.find(':') != std::string::npos)
    return "'" + address + "': write an IPv6 address in brackets, e.g. [::1]:9464";
  return {};
}

ctl::Result<std::unique_ptr<MetricsExposer>> MetricsExposer::start(const std::string& address,
                                                                   std::shared_ptr<const MetricsBoard> board) {
  if (const std::string err = check_listen_address(address); !err.empty())
    return ctl::Error{"", 0, 0, "--metrics", err};
  std::unique_ptr<MetricsExposer> e(new MetricsExposer());
  try {
    e->exposer_ = std::make_unique<prometheus::Exposer>(address, 2);
  } catch (const std::exception& ex) {
    return ctl::Error{"", 0, 0, "--metrics", "cannot listen on " + address + ": " + ex.what()};
  }
  e->collector_ = std::make_shared<Collector>(std::move(board));
  e->exposer_->RegisterCollectable(e->collector_, "/metrics");
  const std::vector<int> ports = e->exposer_->GetListeningPorts();
  e->port_ = ports.empty() ? 0 : ports.front();
  return e;
}

MetricsExposer::~MetricsExposer() = default;

}  // namespace taas::dp
