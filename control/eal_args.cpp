#include "control/eal_args.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace taas::ctl {
namespace {

bool has_option(const std::vector<std::string>& args, std::initializer_list<const char*> names) {
  return std::any_of(args.begin(), args.end(), [&](const std::string& a) {
    return std::any_of(names.begin(), names.end(), [&](const char* n) {
      const std::string opt(n);
      if (a == opt) return true;
      if (opt.size() > 2 && a.rfind(opt + "=", 0) == 0) return true;  // --opt=value
      if (opt.size() == 2 && a.size() > 2 && a.rfind(opt, 0) == 0) return true;  // -l0-1
      return false;
    });
  });
}

const char* dpdk_log_level(const std::string& level) {
  if (level == "error") return "error";
  if (level == "warning") return "warning";
  if (level == "debug") return "debug";
  return "notice";  // info: taasd's own info lines; DPDK's chatter stays quiet
}

}  // namespace

HostFacts read_host_facts() {
  HostFacts host;
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t value = 0;
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream ls(line);
    if (ls >> key >> value && key == "HugePages_Free:") host.free_hugepages = value;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) host.cpus.push_back(c);
  }
  if (host.cpus.empty()) host.cpus.push_back(0);
  host.pid = static_cast<int>(getpid());
  return host;
}

bool is_pci_device(const std::string& device) {
  // [DDDD:]BB:DD.F, then optionally ",devargs".
  const std::string addr = device.substr(0, device.find(','));
  auto hex = [&](std::size_t from, std::size_t n) {
    if (from + n > addr.size()) return false;
    for (std::size_t i = from; i < from + n; ++i)
      if (!std::isxdigit(static_cast<unsigned char>(addr[i]))) return false;
    return true;
  };
  std::size_t at = 0;
  if (addr.size() == 12) {
    if (!hex(0, 4) || addr[4] != ':') return false;
    at = 5;
  } else if (addr.size() != 7) {
    return false;
  }
  return hex(at, 2) && addr[at + 2] == ':' && hex(at + 3, 2) && addr[at + 5] == '.' && addr[at + 6] >= '0' &&
         addr[at + 6] <= '7';
}

std::string device_name(const std::string& device) {
  std::string name = device.substr(0, device.find(','));
  if (is_pci_device(name) && name.size() == 7) name = "0000:" + name;
  return name;
}

std::vector<std::string> build_eal_args(const Snapshot& snap, const std::vector<std::string>& extra,
                                        const HostFacts& host, const std::string& log_level) {
  std::vector<std::string> user = snap.params.eal_args;
  user.insert(user.end(), extra.begin(), extra.end());

  std::vector<std::string> args{"taasd"};
  bool any_pci = false;
  for (const PortEntry& p : snap.ports) {
    if (is_pci_device(p.device)) {
      any_pci = true;
      args.insert(args.end(), {"-a", p.device});
    } else {
      args.insert(args.end(), {"--vdev", p.device});
    }
  }
  args.insert(args.end(), user.begin(), user.end());

  if (!has_option(user, {"--no-huge", "--socket-mem", "--huge-dir"}) && host.free_hugepages == 0) {
    args.emplace_back("--no-huge");
    if (!has_option(user, {"-m"})) args.insert(args.end(), {"-m", "512"});
  }
  if (!any_pci && !has_option(user, {"--no-pci", "-a", "--allow", "-b", "--block"}))
    args.emplace_back("--no-pci");
  if (!has_option(user, {"--file-prefix"}))
    args.push_back("--file-prefix=taasd-" + std::to_string(host.pid));
  if (!has_option(user, {"-l", "--lcores", "-c"})) {
    // Main lcore on the first allowed CPU; workers on the others, wrapping
    // around when there are more workers than CPUs.
    const std::vector<int>& cpus = host.cpus.empty() ? std::vector<int>{0} : host.cpus;
    std::string map = "--lcores=0@" + std::to_string(cpus[0]);
    for (std::uint32_t w = 1; w <= snap.params.workers; ++w)
      map += "," + std::to_string(w) + "@" + std::to_string(cpus[w % cpus.size()]);
    args.push_back(map);
  }
  if (!has_option(user, {"--log-level"}))
    args.push_back(std::string("--log-level=") + dpdk_log_level(log_level));
  return args;
}

}  // namespace taas::ctl
