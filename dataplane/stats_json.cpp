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

std::string stats_json(const Snapshot& snap, const Totals& t, const std::vector<MacAddr>* macs,
                       const RemoteState* remote, const std::vector<PoolCount>* pools) {
  std::ostringstream o;
  o << "{\"generation\": " << snap.generation << ",\n \"ports\": {";
  for (std::size_t i = 0; i < snap.ports.size() && i < t.port.size(); ++i) {
    const PortTotals& c = t.port[i];
    o << (i ? ",\n  " : "\n  ") << quote(snap.ports[i].name) << ": {";
    if (macs != nullptr && i < macs->size()) o << "\"mac\": " << quote(mac_text((*macs)[i].data())) << ", ";
    o << "\"rx_packets\": " << c.rx_packets << ", \"rx_bytes\": " << c.rx_bytes << ", \"tx_packets\": " << c.tx_packets
      << ", \"tx_bytes\": " << c.tx_bytes << ", \"rx_dropped\": " << c.rx_dropped << ", \"tx_dropped\": " << c.tx_dropped
      << ", \"tx_nombuf\": " << c.tx_nombuf << ", \"tx_link_down\": " << c.tx_link_down << ", \"rx_dropped_by\": {";
    for (std::size_t r = 0; r < kRxDropReasonNames.size(); ++r)
      o << (r ? ", " : "") << quote(std::string(kRxDropReasonNames[r])) << ": " << c.rx_dropped_by[r];
    o << "}}";
  }
  auto service = [&](const ServiceTotals& c) {
    o << "\"packets\": " << c.packets << ", \"bytes\": " << c.bytes << ", \"dropped\": {";
    for (std::size_t r = 0; r < kDropReasonNames.size(); ++r)
      o << (r ? ", " : "") << quote(std::string(kDropReasonNames[r])) << ": " << c.dropped[r];
    o << "}";
  };
  o << "},\n \"tap_services\": {";
  for (std::size_t i = 0; i < snap.services.size() && i < t.service.size(); ++i) {
    o << (i ? ",\n  " : "\n  ") << quote(snap.services[i].name) << ": {";
    service(t.service[i]);
    o << "}";
  }
  o << "},\n \"tap_flows\": {";
  for (std::size_t i = 0; i < snap.flows.size() && i < t.flow.size(); ++i) {
    o << (i ? ",\n  " : "\n  ") << quote(snap.flows[i].name) << ": {"
      << "\"packets\": " << t.flow[i].packets << ", \"bytes\": " << t.flow[i].bytes << "}";
  }
  o << "}";
  // What deleted services and flows counted while they existed; only once
  // something was deleted after counting, so a file of a run without
  // changes has no such key.
  const ServiceTotals& ds = t.deleted_services;
  bool any = ds.packets != 0 || t.deleted_flows.packets != 0;
  for (const std::uint64_t d : ds.dropped) any = any || d != 0;
  if (any) {
    o << ",\n \"deleted\": {\"tap_services\": {";
    service(ds);
    o << "}, \"tap_flows\": {\"packets\": " << t.deleted_flows.packets << ", \"bytes\": " << t.deleted_flows.bytes
      << "}}";
  }
  if (remote != nullptr) neighbors_json(o, snap, *remote);
  if (pools != nullptr) {
    o << ",\n \"pools\": {";
    for (std::size_t i = 0; i < pools->size(); ++i) {
      const PoolCount& p = (*pools)[i];
      o << (i ? ", " : "") << quote(p.name) << ": {\"size\": " << p.size << ", \"available\": " << p.available
        << ", \"in_use\": " << (p.size >= p.available ? p.size - p.available : 0) << "}";
    }
    o << "}";
  }
  o << "}\n";
  return o.str();
}

std::string stats_json(const Snapshot& snap, const std::vector<const WorkerCounters*>& workers,
                       const std::vector<MacAddr>* macs, const RemoteState* remote) {
  Totals t;
  t.port.resize(snap.ports.size());
  t.service.resize(snap.services.size());
  t.flow.resize(snap.flows.size());
  for (const WorkerCounters* w : workers) add_counters(t, *w);
  return stats_json(snap, t, macs, remote);
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
