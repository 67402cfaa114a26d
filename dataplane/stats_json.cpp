#include "dataplane/stats_json.hpp"

#include <arpa/inet.h>

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

std::string mac_text(const std::uint8_t* m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

std::string ip_text(const IpAddr& ip, bool ipv6) {
  char buf[INET6_ADDRSTRLEN];
  return inet_ntop(ipv6 ? AF_INET6 : AF_INET, ip.data(), buf, sizeof buf) != nullptr ? buf : "?";
}

void neighbors_json(std::ostringstream& o, const Snapshot& snap, const RemoteState& remote) {
  o << ",\n \"neighbors\": [";
  for (std::size_t n = 0; n < snap.neighbors.size(); ++n) {
    const NeighborEntry& e = snap.neighbors[n];
    std::uint8_t mac[6];
    const bool resolved = remote.lookup(static_cast<std::uint16_t>(n), mac);
    o << (n ? ",\n  " : "\n  ") << "{\"port\": " << quote(snap.ports[e.port].name)
      << ", \"vlan\": " << e.vlan << ", \"ip\": " << quote(ip_text(e.ip, e.ipv6))
      << ", \"static\": " << (e.has_static_mac ? "true" : "false")
      << ", \"mac\": " << (resolved ? quote(mac_text(mac)) : "null") << "}";
  }
  o << "]";
}

}  // namespace

std::string stats_json(const Snapshot& snap, const std::vector<const WorkerCounters*>& workers,
                       const std::vector<MacAddr>* macs, const RemoteState* remote) {
  std::ostringstream o;
  o << "{\"generation\": " << snap.generation << ",\n \"ports\": {";
  for (std::size_t i = 0; i < snap.ports.size(); ++i) {
    auto s = [&](auto field) { return sum(workers, [&](const WorkerCounters& w) { return field(w.port[i]); }); };
    o << (i ? ",\n  " : "\n  ") << quote(snap.ports[i].name) << ": {";
    if (macs != nullptr && i < macs->size()) o << "\"mac\": " << quote(mac_text((*macs)[i].data())) << ", ";
    o << "\"rx_packets\": " << s([](const PortCounters& c) { return c.rx_packets.get(); })
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
  o << "}";
  if (remote != nullptr) neighbors_json(o, snap, *remote);
  o << "}\n";
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
