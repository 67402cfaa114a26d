#include "dataplane/daemon.hpp"

#include <rte_cycles.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "control/control_socket.hpp"
#include "control/http_server.hpp"
#include "control/log.hpp"
#include "control/neutron_api.hpp"
#include "control/ops.hpp"
#include "dataplane/stats_json.hpp"

namespace taas::dp {
namespace {

using ctl::log;
using ctl::LogLevel;

constexpr const char* kStateHeader = "# taasd state: intent fnv1a64 ";

/// A fingerprint of the intent text (FNV-1a, 64 bits): tells whether the
/// intent file changed since the state file was written.
std::string fingerprint(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string read_all(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream text;
  if (ok) text << in.rdbuf();
  return text.str();
}

std::string mac_text(const MacAddr& m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

std::string intent_label(const DaemonOptions& o) {
  return o.intent_file.empty() ? std::string("<built-in conf/demo.yaml>") : o.intent_file;
}

class Hooks final : public ctl::OpsHooks {
 public:
  Hooks(Runtime& rt, const DaemonOptions& options) : rt_(rt), options_(options), start_(rte_rdtsc()) {}

  ctl::Result<std::uint64_t> publish(const Snapshot& snap) override {
    const std::uint64_t t0 = rte_rdtsc();
    const std::uint64_t g = rt_.publish(snap);
    log(LogLevel::kDebug, "generation " + std::to_string(g) + " published in " +
                              std::to_string((rte_rdtsc() - t0) * 1000000 / rte_get_tsc_hz()) + " us");
    swapped_ = g;
    apply_tsc_ = rt_.generation().published_tsc - std::min(request_tsc_, rt_.generation().published_tsc);
    swaps_.observe(static_cast<double>(apply_tsc_) / static_cast<double>(rte_get_tsc_hz()));
    return g;
  }
  std::optional<ctl::SwapTiming> last_swap() const override {
    if (swapped_ == 0) return std::nullopt;
    const Generation& g = rt_.generation();
    if (g.snap.generation != swapped_) return std::nullopt;  // replaced by a reload
    const double hz = static_cast<double>(rte_get_tsc_hz());
    ctl::SwapTiming t{swapped_, static_cast<double>(apply_tsc_) * 1e6 / hz, std::nullopt};
    const std::uint64_t first = g.first_mirror_tsc.load(std::memory_order_relaxed);
    if (first != 0) t.first_mirror_us = static_cast<double>(first - std::min(first, g.published_tsc)) * 1e6 / hz;
    return t;
  }
  /// When the request being handled arrived.
  void set_request_tsc(std::uint64_t tsc) { request_tsc_ = tsc; }
  /// Every swap made by a change so far (taasd_swap_duration_seconds).
  const SwapHistogram& swaps() const noexcept { return swaps_; }
  bool port_up(std::uint16_t port) const override { return rt_.port_up(port); }
  bool neighbor_resolved(std::uint16_t n) const override {
    std::uint8_t mac[6];
    const RemoteState& r = rt_.generation().remote;
    return n < r.neighbors() && r.lookup(n, mac);
  }
  std::string port_mac(std::uint16_t port) const override { return mac_text(rt_.port_mac(port)); }
  std::string stats_json() const override { return rt_.stats_json(); }
  std::uint32_t workers() const override { return rt_.workers(); }
  std::uint32_t workers_alive() const override { return rt_.workers_alive(); }
  std::uint64_t uptime_seconds() const override { return (rte_rdtsc() - start_) / rte_get_tsc_hz(); }
  void changed(const ctl::DesiredState& state) override {
    const std::string err = save_state(options_, state);
    if (!err.empty()) log(LogLevel::kError, "the change is running but was not saved: " + err);
  }

 private:
  Runtime& rt_;
  const DaemonOptions& options_;
  std::uint64_t start_;
  std::uint64_t request_tsc_ = 0;
  std::uint64_t swapped_ = 0;    // generation of the latest swap made by a change
  std::uint64_t apply_tsc_ = 0;  // its request -> publication
  SwapHistogram swaps_;
};

/// SIGHUP: the intent file, whole.
void reload(Runtime& rt, ctl::DesiredState& state, DaemonOptions& options, Hooks& hooks) {
  if (options.intent_file.empty()) {
    log(LogLevel::kWarning, "SIGHUP: taasd runs the built-in intent; nothing to re-read");
    return;
  }
  bool ok = false;
  const std::string text = read_all(options.intent_file, ok);
  if (!ok) {
    log(LogLevel::kError, "SIGHUP: cannot read " + options.intent_file + "; the running state is unchanged");
    return;
  }
  hooks.set_request_tsc(rte_rdtsc());
  auto applied = state.apply(text, options.intent_file);
  if (!applied) {
    log(LogLevel::kError, "SIGHUP: " + applied.error().to_string() + "; the running state is unchanged");
    return;
  }
  hooks.publish(state.snapshot());
  // The state file now grows from this version of the intent file.
  options.intent_text = text;
  const std::string err = save_state(options, state);
  if (!err.empty()) log(LogLevel::kError, "SIGHUP: the state file was not saved: " + err);
  log(LogLevel::kInfo, "SIGHUP: " + options.intent_file + " applied: generation " +
                           std::to_string(rt.snapshot().generation) + ", " +
                           std::to_string(state.snapshot().services.size()) + " tap services, " +
                           std::to_string(state.snapshot().flows.size()) + " tap flows");
}

}  // namespace

ctl::Result<ctl::DesiredState> initial_state(const DaemonOptions& options, bool& used_state) {
  used_state = false;
  if (!options.state_file.empty()) {
    bool ok = false;
    const std::string saved = read_all(options.state_file, ok);
    const std::string want = kStateHeader + fingerprint(options.intent_text) + "\n";
    if (ok && saved.rfind(want, 0) == 0) {
      auto state = ctl::DesiredState::from_text(saved, options.state_file);
      if (state) {
        used_state = true;
        return state;
      }
      log(LogLevel::kError, "ignoring the state file: " + state.error().to_string());
    } else if (ok) {
      log(LogLevel::kInfo, "the intent file changed since " + options.state_file +
                               " was written: starting from the intent file");
    }
  }
  return ctl::DesiredState::from_text(options.intent_text, intent_label(options));
}

std::string save_state(const DaemonOptions& options, const ctl::DesiredState& state) {
  if (options.state_file.empty()) return {};
  const std::filesystem::path dir = std::filesystem::path(options.state_file).parent_path();
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  return write_file_atomic(options.state_file,
                           kStateHeader + fingerprint(options.intent_text) + "\n" + state.export_yaml());
}

bool run_control(Runtime& rt, ctl::DesiredState& state, DaemonOptions& options,
                 const std::atomic<bool>& stop, std::atomic<bool>& hup) {
  Hooks hooks(rt, options);
  std::unique_ptr<ctl::ControlSocket> sock;
  if (!options.socket_path.empty()) {
    auto opened = ctl::ControlSocket::open(options.socket_path, options.socket_group);
    if (!opened) {
      log(LogLevel::kError, "control socket: " + opened.error().to_string());
      return false;
    }
    sock = std::move(opened).value();
    sock->set_request_rate(options.control_rate, options.control_rate);
    log(LogLevel::kInfo, "control socket: " + options.socket_path +
                             (options.control_rate == 0 ? std::string(" (no request rate limit)")
                                                        : " (" + std::to_string(options.control_rate) +
                                                              " requests/s per peer)"));
  }
  std::unique_ptr<ctl::HttpServer> http;
  if (!options.neutron_address.empty()) {
    auto address = ctl::parse_listen_address(options.neutron_address, "--neutron-api");
    auto opened = address ? ctl::HttpServer::open(address.value(), "--neutron-api")
                          : ctl::Result<std::unique_ptr<ctl::HttpServer>>(address.error());
    if (!opened) {
      log(LogLevel::kError, "neutron api: " + opened.error().to_string());
      return false;
    }
    http = std::move(opened).value();
    http->set_error_body(&ctl::NeutronApi::error);
    const std::string host = options.neutron_address.substr(0, options.neutron_address.rfind(':'));
    log(LogLevel::kInfo, "neutron api: http://" + host + ":" + std::to_string(http->port()) + "/v2.0" +
                             (options.neutron_token.empty() ? " (no token: loopback only)" : " (X-Auth-Token)"));
  }
  const std::string intent = intent_label(options);
  const ctl::ControlSocket::Handler handler = [&](std::string_view line) {
    hooks.set_request_tsc(rte_rdtsc());
    return ctl::handle_request(line, state, hooks, intent, options.state_file);
  };
  ctl::NeutronApi api(state, hooks, options.neutron_token);
  const ctl::HttpServer::Handler http_handler = [&](const ctl::HttpRequest& request) {
    hooks.set_request_tsc(rte_rdtsc());
    return api.handle(request);
  };
  // Both listeners share the loop's 10 ms: 5 ms each when both are open.
  const int wait_ms = sock && http ? 5 : 10;
  std::uint64_t next_link_poll = 0;
  // The metrics board: filled before the first request is answered.
  std::uint64_t refreshes = 0;
  std::shared_ptr<const MetricsSnapshot> latest;
  auto refresh = [&] {
    if (!options.board) return;
    latest = collect_metrics(rt, hooks.swaps(), ++refreshes, latest.get());
    options.board->publish(latest);
  };
  refresh();
  std::uint64_t next_refresh = rte_rdtsc() + rte_get_tsc_hz() * kRefreshMs / 1000;
  while (!stop.load()) {
    if (sock) sock->poll_once(wait_ms, handler);
    if (http) http->poll_once(wait_ms, http_handler);
    if (!sock && !http) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    rt.reclaim();
    if (const std::uint64_t now = rte_rdtsc(); now >= next_link_poll) {  // every 100 ms
      next_link_poll = now + rte_get_tsc_hz() / 10;
      for (const std::uint16_t p : rt.poll_links())
        log(LogLevel::kInfo, "port " + rt.snapshot().ports[p].name + ": link " + (rt.port_up(p) ? "up" : "down"));
    }
    if (hup.exchange(false)) reload(rt, state, options, hooks);
    if (const std::uint64_t now = rte_rdtsc(); now >= next_refresh) {  // every kRefreshMs
      next_refresh = now + rte_get_tsc_hz() * kRefreshMs / 1000;
      refresh();
    }
    if (options.exit_idle_ms != 0 && rt.idle_ms() >= options.exit_idle_ms) {
      log(LogLevel::kInfo, "every port idle for " + std::to_string(options.exit_idle_ms) + " ms: exiting");
      break;
    }
  }
  return true;
}

}  // namespace taas::dp
