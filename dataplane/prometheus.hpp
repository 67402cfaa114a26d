#pragma once
// The Prometheus exposition of taasd's metrics (issue 5): an HTTP listener
// (prometheus-cpp's civetweb Exposer) serving /metrics, whose collector
// turns the MetricsBoard's latest snapshot into metric families on every
// scrape. Scrapes run on the listener's threads and read only the board;
// names and labels are listed in dataplane/metrics.hpp.

#include <memory>
#include <string>

#include "control/result.hpp"
#include "dataplane/metrics.hpp"

namespace prometheus {
class Collectable;
class Exposer;
}  // namespace prometheus

namespace taas::dp {

/// Checks the syntax of a listen address "HOST:PORT" or "[V6]:PORT" (PORT
/// 0..65535; 0 picks a free port). Returns an error message, empty if fine.
/// Debian bookworm's civetweb is built without IPv6: "[::1]:PORT" passes
/// this check but then fails to bind.
std::string check_listen_address(const std::string& address);

class MetricsExposer {
 public:
  /// Listens on `address` (see check_listen_address) and serves `board` at
  /// /metrics. An Error when the address cannot be bound. Main thread.
  static ctl::Result<std::unique_ptr<MetricsExposer>> start(const std::string& address,
                                                            std::shared_ptr<const MetricsBoard> board);
  /// Stops the listener and waits for its threads. Main thread.
  ~MetricsExposer();
  MetricsExposer(const MetricsExposer&) = delete;
  MetricsExposer& operator=(const MetricsExposer&) = delete;

  /// The TCP port actually bound (the one chosen when 0 was asked for).
  int port() const noexcept { return port_; }

 private:
  MetricsExposer() = default;
  std::shared_ptr<prometheus::Collectable> collector_;
  std::unique_ptr<prometheus::Exposer> exposer_;  // declared last: stopped first
  int port_ = 0;
};

}  // namespace taas::dp
