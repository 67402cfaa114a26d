// taasd: switch VM traffic and mirror it as OpenStack Tap-as-a-Service says.
// The thin executable: command line, intent, EAL, runtime, signals, exit.

#include <rte_eal.h>
#include <rte_errno.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "control/eal_args.hpp"
#include <fstream>
#include <sstream>

#include "control/http_server.hpp"

#include "control/intent.hpp"
#include "control/log.hpp"
#include "dataplane/daemon.hpp"
#include "dataplane/metrics.hpp"
#include "dataplane/prometheus.hpp"
#include "dataplane/runtime.hpp"
#include "dataplane/stats_json.hpp"
#include "dataplane/telemetry.hpp"

namespace {

std::atomic<bool> g_signalled{false};
std::atomic<bool> g_hup{false};

void on_signal(int) { g_signalled.store(true); }
void on_hup(int) { g_hup.store(true); }

constexpr int kExitUsage = 2;    // bad command line or intent: nothing started
constexpr int kExitRuntime = 1;  // EAL, ports or pools failed

}  // namespace

namespace taas {
extern const char* const kEmbeddedDemoIntent;  // conf/demo.yaml, built in
}

int main(int argc, char** argv) {
  using taas::ctl::log;
  using taas::ctl::LogLevel;

  // Everything after "--" belongs to EAL.
  std::vector<std::string> eal_extra;
  int own_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) {
      own_argc = i;
      eal_extra.assign(argv + i + 1, argv + argc);
      break;
    }
  }

  CLI::App app{"taasd: a DPDK dataplane that switches VM traffic and mirrors it (Tap-as-a-Service)",
               "taasd"};
  app.footer("EAL arguments go after --, e.g. taasd --config intent.yaml -- --no-huge -m 512");
  std::string config;
  std::string stats_out;
  std::uint64_t exit_idle_ms = 0;
  std::uint32_t workers = 0;
  std::string log_level = "info";
  std::string socket_path = "/run/taasd/taasd.sock";
  std::string socket_group;
  bool no_socket = false;
  std::uint32_t control_rate = 1000;
  std::string state_file = "/var/lib/taasd/state.yaml";
  bool no_state = false;
  std::string metrics_address = "127.0.0.1:9464";
  bool no_metrics = false;
  std::string neutron_api;
  std::string neutron_token;
  std::string neutron_token_file;
  app.add_option("--config", config,
                 "intent file (YAML); without it, the built-in demo intent (conf/demo.yaml)");
  app.add_option("--stats-out", stats_out, "write the counters as JSON to this file at exit");
  app.add_option("--exit-idle", exit_idle_ms, "exit once every port has been idle for MS milliseconds")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{86400000}));
  app.add_option("--workers", workers, "worker lcores (overrides dataplane.workers)")
      ->check(CLI::Range(1, 64));
  app.add_option("--log-level", log_level, "error, warning, info or debug")
      ->check(CLI::IsMember({"error", "warning", "info", "debug"}));
  app.add_option("--socket", socket_path, "control socket path (Unix stream, mode 0660)")->capture_default_str();
  app.add_option("--socket-group", socket_group, "group (name or id) that may use the control socket");
  app.add_flag("--no-socket", no_socket, "run without a control socket");
  app.add_option("--control-rate", control_rate,
                 "control-socket requests per second per peer process, as many at once; beyond that the "
                 "peer waits (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint32_t{0}, std::uint32_t{1000000}));
  app.add_option("--state-file", state_file,
                 "where changes made through the socket are kept across restarts")
      ->capture_default_str();
  app.add_flag("--no-state", no_state, "do not read or write a state file");
  app.add_option("--metrics", metrics_address,
                 "serve Prometheus metrics at http://ADDRESS:PORT/metrics (PORT 0: any free port)")
      ->capture_default_str();
  app.add_flag("--no-metrics", no_metrics, "do not serve Prometheus metrics");
  CLI::Option* neutron_opt =
      app.add_option("--neutron-api", neutron_api,
                     "serve the Neutron Tap-as-a-Service API at http://ADDRESS:PORT/v2.0 "
                     "(127.0.0.1:9696 when given without a value)")
          ->expected(0, 1)
          ->default_str("127.0.0.1:9696");
  CLI::Option* token_opt = app.add_option(
      "--neutron-token", neutron_token,
      "X-Auth-Token every Neutron API request must carry (required unless the API listens on loopback)");
  app.add_option("--neutron-token-file", neutron_token_file,
                 "read the Neutron API token from this file (its first line)")
      ->excludes(token_opt);
  try {
    app.parse(own_argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  taas::ctl::parse_log_level(log_level, taas::ctl::log_threshold());
  if (const std::string err = taas::dp::check_listen_address(metrics_address); !no_metrics && !err.empty()) {
    log(LogLevel::kError, "--metrics: " + err);
    return kExitUsage;
  }

  if (neutron_opt->count() == 0 && (!neutron_token.empty() || !neutron_token_file.empty())) {
    log(LogLevel::kError, "--neutron-token and --neutron-token-file need --neutron-api");
    return kExitUsage;
  }
  if (!neutron_token_file.empty()) {
    std::ifstream in(neutron_token_file);
    if (!in || !std::getline(in, neutron_token)) {
      log(LogLevel::kError, "--neutron-token-file: cannot read " + neutron_token_file);
      return kExitUsage;
    }
    while (!neutron_token.empty() && std::isspace(static_cast<unsigned char>(neutron_token.back())))
      neutron_token.pop_back();
    if (neutron_token.empty()) {
      log(LogLevel::kError, "--neutron-token-file: " + neutron_token_file + " holds no token on its first line");
      return kExitUsage;
    }
  }
  if (neutron_opt->count() != 0) {
    auto address = taas::ctl::parse_listen_address(neutron_api, "--neutron-api");
    if (!address) {
      log(LogLevel::kError, address.error().to_string());
      return kExitUsage;
    }
    if (token_opt->count() != 0 && neutron_token.empty()) {
      log(LogLevel::kError, "--neutron-token: the token must not be empty");
      return kExitUsage;
    }
    if (neutron_token.empty() && !address.value().loopback) {
      log(LogLevel::kError, "--neutron-api " + neutron_api +
                                ": not a loopback address, and no token is set; give --neutron-token or "
                                "--neutron-token-file, or listen on 127.0.0.1");
      return kExitUsage;
    }
  }

  taas::dp::DaemonOptions options;
  options.intent_file = config;
  if (config.empty()) {
    options.intent_text = taas::kEmbeddedDemoIntent;
  } else {
    std::ifstream in(config, std::ios::binary);
    std::error_code ec;
    if (!in || std::filesystem::is_directory(config, ec)) {
      log(LogLevel::kError, config + ": cannot read the intent file: " +
                                (in ? std::string("it is a directory") : std::strerror(errno)));
      return kExitUsage;
    }
    std::ostringstream text;
    text << in.rdbuf();
    options.intent_text = text.str();
  }
  options.socket_path = no_socket ? "" : socket_path;
  options.socket_group = socket_group;
  options.control_rate = control_rate;
  options.state_file = no_state ? "" : state_file;
  options.exit_idle_ms = exit_idle_ms;
  options.neutron_address = neutron_opt->count() != 0 ? neutron_api : "";
  options.neutron_token = neutron_token;
  options.board = std::make_shared<taas::dp::MetricsBoard>();
  bool used_state = false;
  auto loaded = taas::dp::initial_state(options, used_state);
  if (!loaded) {
    log(LogLevel::kError, loaded.error().to_string());
    return kExitUsage;
  }
  taas::ctl::DesiredState state = std::move(loaded).value();
  if (used_state) log(LogLevel::kInfo, "state restored from " + options.state_file);
  taas::Snapshot snap = state.snapshot();
  if (workers != 0) snap.params.workers = workers;

  const std::vector<std::string> eal =
      taas::ctl::build_eal_args(snap, eal_extra, taas::ctl::read_host_facts(), log_level);
  std::string line;
  for (const auto& a : eal) line += (line.empty() ? "" : " ") + a;
  log(LogLevel::kDebug, "EAL: " + line);
  std::vector<char*> eal_argv;
  for (const auto& a : eal) eal_argv.push_back(const_cast<char*>(a.c_str()));
  eal_argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(eal.size()), eal_argv.data()) < 0) {
    log(LogLevel::kError, std::string("EAL initialisation failed: ") + rte_strerror(rte_errno) + " (EAL: " + line + ")");
    return kExitRuntime;
  }
  const std::string runtime_dir = rte_eal_get_runtime_dir();
  const bool own_prefix = line.find("--file-prefix=taasd-") != std::string::npos;
  auto eal_cleanup = [&] {
    rte_eal_cleanup();
    if (own_prefix) {  // the runtime folder of a prefix taasd made up itself
      std::error_code ec;
      std::filesystem::remove_all(runtime_dir, ec);
    }
  };

  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  struct sigaction hup{};
  hup.sa_handler = on_hup;
  sigemptyset(&hup.sa_mask);
  sigaction(SIGHUP, &hup, nullptr);

  // Metrics readers: DPDK telemetry commands (always) and the Prometheus
  // listener; both read the board the control loop fills.
  if (!taas::dp::register_telemetry(options.board))
    log(LogLevel::kWarning, "telemetry: the /taasd/ commands could not be registered");
  std::unique_ptr<taas::dp::MetricsExposer> exposer;
  if (!no_metrics) {
    auto listening = taas::dp::MetricsExposer::start(metrics_address, options.board);
    if (!listening) {
      log(LogLevel::kError, listening.error().to_string());
      eal_cleanup();
      return kExitRuntime;
    }
    exposer = std::move(listening).value();
    log(LogLevel::kInfo, "metrics: http://" + metrics_address.substr(0, metrics_address.rfind(':')) + ":" +
                             std::to_string(exposer->port()) + "/metrics");
  }

  int rc = 0;
  {
    auto started = taas::dp::Runtime::start(std::move(snap));
    if (!started) {
      log(LogLevel::kError, started.error().to_string());
      exposer.reset();
      eal_cleanup();
      return kExitRuntime;
    }
    auto& rt = *started.value();
    const auto& s = rt.snapshot();
    log(LogLevel::kInfo, "running: " + std::to_string(s.ports.size()) + " ports, " +
                             std::to_string(s.services.size()) + " tap services, " +
                             std::to_string(s.flows.size()) + " tap flows, " +
                             std::to_string(s.params.workers) + " worker(s), generation " +
                             std::to_string(s.generation));
    if (!used_state) {
      const std::string err = taas::dp::save_state(options, state);
      if (!err.empty()) log(LogLevel::kWarning, "state file: " + err);
    }
    if (!taas::dp::run_control(rt, state, options, g_signalled, g_hup)) rc = kExitRuntime;
    if (g_signalled.load()) log(LogLevel::kInfo, "signal received: exiting");
    if (!rt.stop()) rc = kExitRuntime;
    if (!stats_out.empty()) {
      const std::string err = taas::dp::write_file_atomic(stats_out, rt.stats_json());
      if (!err.empty()) {
        log(LogLevel::kError, err);
        rc = kExitRuntime;
      }
    }
  }
  exposer.reset();  // its threads read the board: stop them before EAL goes
  eal_cleanup();
  return rc;
}
