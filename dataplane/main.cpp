// taasd: switch VM traffic and mirror it as OpenStack Tap-as-a-Service says.
// The thin executable: command line, intent, EAL, runtime, signals, exit.

#include <rte_eal.h>
#include <rte_errno.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "control/eal_args.hpp"
#include "control/intent.hpp"
#include "control/log.hpp"
#include "dataplane/runtime.hpp"
#include "dataplane/stats_json.hpp"

namespace {

std::atomic<bool> g_signalled{false};

void on_signal(int) { g_signalled.store(true); }

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
  app.add_option("--config", config,
                 "intent file (YAML); without it, the built-in demo intent (conf/demo.yaml)");
  app.add_option("--stats-out", stats_out, "write the counters as JSON to this file at exit");
  app.add_option("--exit-idle", exit_idle_ms, "exit once every port has been idle for MS milliseconds")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{86400000}));
  app.add_option("--workers", workers, "worker lcores (overrides dataplane.workers)")
      ->check(CLI::Range(1, 64));
  app.add_option("--log-level", log_level, "error, warning, info or debug")
      ->check(CLI::IsMember({"error", "warning", "info", "debug"}));
  try {
    app.parse(own_argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  taas::ctl::parse_log_level(log_level, taas::ctl::log_threshold());

  auto loaded = config.empty()
                    ? taas::ctl::compile_intent(taas::kEmbeddedDemoIntent, "<built-in conf/demo.yaml>")
                    : taas::ctl::load_intent_file(config);
  if (!loaded) {
    log(LogLevel::kError, loaded.error().to_string());
    return kExitUsage;
  }
  taas::Snapshot snap = std::move(loaded).value();
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

  int rc = 0;
  {
    auto started = taas::dp::Runtime::start(std::move(snap));
    if (!started) {
      log(LogLevel::kError, started.error().to_string());
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
    while (!g_signalled.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (exit_idle_ms != 0 && rt.idle_ms() >= exit_idle_ms) {
        log(LogLevel::kInfo, "every port idle for " + std::to_string(exit_idle_ms) + " ms: exiting");
        break;
      }
    }
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
  eal_cleanup();
  return rc;
}
