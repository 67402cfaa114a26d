#include "dataplane/stats_json.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace taas::dp {
namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

template <class Get>
std::uint64_t sum(const std::vector<const WorkerCounters*>& workers, Get get) {
  std::uint64_t total = 0;
  for (const WorkerCounters* w : workers) total += get(*w);
  return total;
}

}  // namespace

std::string stats_json(const Snapshot& snap, const std::vector<const WorkerCounters*>& workers) {
  std::ostringstream o;
  o << "{\"generation\": " << snap.generation << ",\n \"ports\": {";
  for (std::size_t i = 0; i < snap.ports.size(); ++i) {
    auto s = [&](auto field) { return sum(workers, [&](const WorkerCounters& w) { return field(w.port[i]); }); };
    o << (i ? ",\n  " : "\n  ") << quote(snap.ports[i].name) << ": {"
      << "\"rx_packets\": " << s([](const PortCounters& c) { return c.rx_packets.get(); })
      << ", \"rx_bytes\": " << s([](const PortCounters& c) { return c.rx_bytes.get(); })
      << ", \"tx_packets\": " << s([](const PortCounters& c) { return c.tx_packets.get(); })
      << ", \"tx_bytes\": " << s([](const PortCounters& c) { return c.tx_bytes.get(); })
      << ", \"rx_dropped\": " << s([](const PortCounters& c) { return c.rx_dropped.get(); })
      << ", \"tx_dropped\": " << s([](const PortCounters& c) { return c.tx_dropped.get(); })
      << ", \"tx_nombuf\": " << s([](const PortCounters& c) { return c.tx_nombuf.get(); })
      << ", \"rx_dropped_by\": {";
    for (std::size_t r = 0; r < kRxDropReasonNames.size(); ++r)
      o << (r ? ", " : "") << quote(std::string(kRxDropReasonNames[r])) << ": "
        << s([r](const PortCounters& c) { return c.rx_dropped_by[r].get(); });
    o << "}}";
  }
  o << "},\n \"tap_services\": {";
  for (std::size_t i = 0; i < snap.services.size(); ++i) {
    auto s = [&](auto field) { return sum(workers, [&](const WorkerCounters& w) { return field(w.service[i]); }); };
    o << (i ? ",\n  " : "\n  ") << quote(snap.services[i].name) << ": {"
      << "\"packets\": " << s([](const ServiceCounters& c) { return c.packets.get(); })
      << ", \"bytes\": " << s([](const ServiceCounters& c) { return c.bytes.get(); }) << ", \"dropped\": {";
    for (std::size_t r = 0; r < kDropReasonNames.size(); ++r)
      o << (r ? ", " : "") << quote(std::string(kDropReasonNames[r])) << ": "
        << s([r](const ServiceCounters& c) { return c.dropped[r].get(); });
    o << "}}";
  }
  o << "},\n \"tap_flows\": {";
  for (std::size_t i = 0; i < snap.flows.size(); ++i) {
    auto s = [&](auto field) { return sum(workers, [&](const WorkerCounters& w) { return field(w.flow[i]); }); };
    o << (i ? ",\n  " : "\n  ") << quote(snap.flows[i].name) << ": {"
      << "\"packets\": " << s([](const FlowCounters& c) { return c.packets.get(); })
      << ", \"bytes\": " << s([](const FlowCounters& c) { return c.bytes.get(); }) << "}";
  }
  o << "}}\n";
  return o.str();
}

std::string write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) return "cannot write " + tmp + ": " + std::strerror(errno);
    f << text;
    if (!f.flush()) return "cannot write " + tmp + ": " + std::strerror(errno);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
  return {};
}

}  // namespace taas::dp
