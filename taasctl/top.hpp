#pragma once
// `taasctl top`: a live view of per-port, per-service and per-flow rates and
// drops, refreshed like top(1). Each refresh asks taasd for `stats` (the
// --stats-out object, README "The counters") and draws the difference from
// the sample before, divided by the time measured between the two.
//
// Two halves: the pure part (a stats result -> a StatsSample; two samples
// and the elapsed time -> the frame's text), which the unit tests drive
// with canned samples, and run_top(), the polling loop with its terminal
// handling. Control path only (allocates); one call at a time per stream.

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "control/result.hpp"
#include "taasctl/command_line.hpp"

namespace taas::ctl::cli {

/// One port's counters as taasd reports them.
struct PortSample {
  std::string name;
  std::uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0;
  /// rx_dropped + tx_dropped (tx_dropped already includes tx_nombuf and
  /// tx_link_down, include/taas/counters.hpp).
  std::uint64_t dropped = 0;
};

/// One tap service's counters: copies its port accepted, and the copies
/// dropped by reason in taasd's order (nombuf, tx_full, no_neighbor, ...).
struct ServiceSample {
  std::string name;
  std::uint64_t packets = 0, bytes = 0;
  std::vector<std::pair<std::string, std::uint64_t>> dropped;
};

/// One tap flow's counters: the copies made for it.
struct FlowSample {
  std::string name;
  std::uint64_t packets = 0, bytes = 0;
};

/// One `stats` result, reduced to what top shows, in taasd's order.
struct StatsSample {
  std::int64_t generation = -1;  // -1: the result had none
  std::vector<PortSample> ports;
  std::vector<ServiceSample> services;
  std::vector<FlowSample> flows;
};

/// A `stats` result (JSON kinds kept, control/json_read.hpp) as a sample.
/// A counter that is missing or not an integer counts 0 (older taasd
/// builds lack some); a result, section or entry that is not an object is
/// an error naming it ("result.ports.vm1").
Result<StatsSample> parse_stats_sample(const YAML::Node& result);

/// What the header says besides the sample: where it came from and when.
struct TopHeader {
  std::string socket;
  std::string time;  // e.g. "12:00:03", the wall clock of the later sample
};

/// The text of one frame: a header line, then a port table (RX pps, RX
/// Mbit/s, TX pps, TX Mbit/s, drops/s), a tap service table (copies/s,
/// Mbit/s, drops/s and the reasons that are not zero) and a tap flow table
/// (copies/s, Mbit/s), separated by blank lines, every line ending in '\n'.
/// Rates are (after - before) / `elapsed_seconds`; a counter that went
/// backwards (taasd restarted) gives 0, never a negative rate. Ports keep
/// taasd's order; services and flows are sorted by copies/s, busiest first
/// (ties in taasd's order). An entry that `before` lacks (created since)
/// shows "-" for its rates, as does every entry when `before` is null or
/// `elapsed_seconds` is not positive; services and flows that `before` had
/// and `after` lacks are named on a last "gone since the last sample" line.
std::string render_top(const StatsSample* before, const StatsSample& after, double elapsed_seconds,
                       const TopHeader& header);

/// Where run_top reads the time: `seconds` a monotonic clock measuring the
/// time between samples, `wall` the text of the header's time. Tests give
/// fakes; system_top_clock() is std::chrono::steady_clock and local time.
struct TopClock {
  std::function<double()> seconds;
  std::function<std::string()> wall;
};
TopClock system_top_clock();

/// Runs `taasctl top` for `inv` (inv.top set): samples `stats` over
/// inv.socket every inv.top->interval and prints a frame per sample after
/// the first, until inv.top->iterations frames were drawn (0: no limit).
///
/// `terminal` false: each frame as plain text, frames separated by a blank
/// line, no escape codes; any failure stops with one "taasctl: ..." line on
/// `err` and the exit code of taasctl/render.hpp.
/// `terminal` true (`out` is a terminal): the first sample is drawn at once
/// (rates "-"), then each frame redraws the screen in place, cut to the
/// window's size; q or Ctrl-C (SIGINT, also SIGTERM) quits with 0 and the
/// terminal (echo, line mode, cursor, signal handlers) is restored. An
/// unreachable taasd is shown and retried rather than fatal, so the view
/// survives a restart (its counters going backwards show as 0).
/// Returns the exit code.
int run_top(const Invocation& inv, std::ostream& out, std::ostream& err, bool terminal, const TopClock& clock);

}  // namespace taas::ctl::cli
