#include "taasctl/top.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string_view>

#include "control/json_read.hpp"
#include "control/protocol.hpp"
#include "taasctl/client.hpp"
#include "taasctl/render.hpp"

namespace taas::ctl::cli {
namespace {

// ---- a stats result -> StatsSample ----------------------------------------------

/// The member `key` of a JSON object, or nullopt (iterating: operator[]
/// compares keys by conversion and can insert).
std::optional<YAML::Node> member(const YAML::Node& object, std::string_view key) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (it->first.Scalar() == key) return YAML::Node(it->second);
  }
  return std::nullopt;
}

/// A counter: a non-negative JSON integer, else 0.
std::uint64_t counter(const YAML::Node& object, std::string_view key) {
  const auto value = member(object, key);
  const auto n = value ? json_integer(*value) : std::nullopt;
  return n && *n > 0 ? static_cast<std::uint64_t>(*n) : 0;
}

Error not_an_object(const std::string& path, const YAML::Node& node) {
  return Error{"", 0, 0, path, "expected an object, got " + describe_json(node)};
}

/// Calls `entry(name, object)` for each member of result[section]; a
/// missing or null section has none.
template <class F>
std::optional<Error> each_entry(const YAML::Node& result, std::string_view section, F entry) {
  const auto entries = member(result, section);
  if (!entries || json_kind(*entries) == JsonKind::kNull) return std::nullopt;
  const std::string path = "result." + std::string(section);
  if (json_kind(*entries) != JsonKind::kObject) return not_an_object(path, *entries);
  for (auto it = entries->begin(); it != entries->end(); ++it) {
    if (json_kind(it->second) != JsonKind::kObject) return not_an_object(path + "." + it->first.Scalar(), it->second);
    entry(it->first.Scalar(), it->second);
  }
  return std::nullopt;
}

// ---- rates and text -----------------------------------------------------------------

/// (after - before) / elapsed, 0 when the counter went backwards.
double rate(std::uint64_t before, std::uint64_t after, double elapsed) {
  return after > before ? static_cast<double>(after - before) / elapsed : 0.0;
}

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string pps_text(std::optional<double> r) { return r ? fixed(*r, 1) : "-"; }
std::string mbits_text(std::optional<double> bytes_per_second) {
  return bytes_per_second ? fixed(*bytes_per_second * 8 / 1e6, 3) : "-";
}

/// The entry of `before` named `name`, or null.
template <class T>
const T* find(const std::vector<T>* before, const std::string& name) {
  if (before == nullptr) return nullptr;
  for (const T& entry : *before) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

struct Column {
  std::string heading;
  bool left = false;  // names and reasons; numbers align right
};

/// Columns two spaces apart, each as wide as its widest cell; no trailing
/// spaces. A table without rows says "(none)".
std::string table_text(const std::vector<Column>& columns, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(columns.size());
  for (std::size_t c = 0; c < columns.size(); ++c) width[c] = columns[c].heading.size();
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < columns.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  const auto line = [&](const auto& cell_of) {
    std::string text;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::string& cell = cell_of(c);
      const std::string pad(width[c] - cell.size(), ' ');
      if (c != 0) text += "  ";
      text += columns[c].left ? cell + pad : pad + cell;
    }
    text.erase(text.find_last_not_of(' ') + 1);
    return text + "\n";
  };
  std::string out = line([&](std::size_t c) -> const std::string& { return columns[c].heading; });
  for (const auto& row : rows) out += line([&](std::size_t c) -> const std::string& { return row[c]; });
  if (rows.empty()) out += "(none)\n";
  return out;
}

/// Rows sorted by their key (copies/s, -1 for "-"), busiest first, ties
/// kept in taasd's order.
std::vector<std::vector<std::string>> busiest_first(std::vector<std::pair<double, std::vector<std::string>>> keyed) {
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::vector<std::string>> rows;
  for (auto& [key, row] : keyed) rows.push_back(std::move(row));
  return rows;
}

std::string header_line(const StatsSample* before, const StatsSample& after, bool rates, double elapsed,
                        const TopHeader& header) {
  std::string line = "taasctl top  " + header.socket + "  generation ";
  if (before != nullptr && before->generation != after.generation && before->generation >= 0) {
    line += std::to_string(before->generation) + " -> ";
  }
  line += after.generation >= 0 ? std::to_string(after.generation) : "?";
  line += "  " + header.time;
  line += rates ? "  interval " + fixed(elapsed, 2) + " s" : "  first sample";
  return line + "\n";
}

}  // namespace

Result<StatsSample> parse_stats_sample(const YAML::Node& result) {
  if (json_kind(result) != JsonKind::kObject) return not_an_object("result", result);
  StatsSample s;
  if (const auto g = member(result, "generation")) s.generation = json_integer(*g).value_or(-1);
  auto error = each_entry(result, "ports", [&](const std::string& name, const YAML::Node& p) {
    s.ports.push_back({name, counter(p, "rx_packets"), counter(p, "rx_bytes"), counter(p, "tx_packets"),
                       counter(p, "tx_bytes"), counter(p, "rx_dropped") + counter(p, "tx_dropped")});
  });
  if (!error) {
    error = each_entry(result, "tap_services", [&](const std::string& name, const YAML::Node& t) {
      ServiceSample& service = s.services.emplace_back();
      service.name = name;
      service.packets = counter(t, "packets");
      service.bytes = counter(t, "bytes");
      const auto dropped = member(t, "dropped");
      if (dropped && json_kind(*dropped) == JsonKind::kObject) {
        for (auto it = dropped->begin(); it != dropped->end(); ++it) {
          service.dropped.emplace_back(it->first.Scalar(), counter(*dropped, it->first.Scalar()));
        }
      }
    });
  }
  if (!error) {
    error = each_entry(result, "tap_flows", [&](const std::string& name, const YAML::Node& f) {
      s.flows.push_back({name, counter(f, "packets"), counter(f, "bytes")});
    });
  }
  if (error) return *error;
  return s;
}

std::string render_top(const StatsSample* before, const StatsSample& after, double elapsed_seconds,
                       const TopHeader& header) {
  const bool rates = before != nullptr && elapsed_seconds > 0;
  const auto r = [&](const auto* old, std::uint64_t was, std::uint64_t now) -> std::optional<double> {
    if (!rates || old == nullptr) return std::nullopt;
    return rate(was, now, elapsed_seconds);
  };
  const std::vector<PortSample>* ports_before = before != nullptr ? &before->ports : nullptr;
  const std::vector<ServiceSample>* services_before = before != nullptr ? &before->services : nullptr;
  const std::vector<FlowSample>* flows_before = before != nullptr ? &before->flows : nullptr;

  std::vector<std::vector<std::string>> port_rows;
  for (const PortSample& p : after.ports) {
    const PortSample* o = find(ports_before, p.name);
    const PortSample zero;
    const PortSample& b = o != nullptr ? *o : zero;
    port_rows.push_back({p.name, pps_text(r(o, b.rx_packets, p.rx_packets)), mbits_text(r(o, b.rx_bytes, p.rx_bytes)),
                         pps_text(r(o, b.tx_packets, p.tx_packets)), mbits_text(r(o, b.tx_bytes, p.tx_bytes)),
                         pps_text(r(o, b.dropped, p.dropped))});
  }

  std::vector<std::pair<double, std::vector<std::string>>> service_rows;
  for (const ServiceSample& s : after.services) {
    const ServiceSample* o = find(services_before, s.name);
    const ServiceSample zero;
    const ServiceSample& b = o != nullptr ? *o : zero;
    const auto copies = r(o, b.packets, s.packets);
    double drops = 0;
    std::string reasons;
    for (const auto& [reason, count] : s.dropped) {
      std::uint64_t was = 0;
      for (const auto& [old_reason, old_count] : b.dropped) {
        if (old_reason == reason) was = old_count;
      }
      const double d = r(o, was, count).value_or(0);
      drops += d;
      if (d > 0) reasons += (reasons.empty() ? "" : ", ") + reason + " " + fixed(d, 1);
    }
    service_rows.push_back({copies.value_or(-1),
                            {s.name, pps_text(copies), mbits_text(r(o, b.bytes, s.bytes)),
                             pps_text(copies ? std::optional<double>(drops) : std::nullopt), reasons}});
  }

  std::vector<std::pair<double, std::vector<std::string>>> flow_rows;
  for (const FlowSample& f : after.flows) {
    const FlowSample* o = find(flows_before, f.name);
    const FlowSample zero;
    const FlowSample& b = o != nullptr ? *o : zero;
    const auto copies = r(o, b.packets, f.packets);
    flow_rows.push_back({copies.value_or(-1), {f.name, pps_text(copies), mbits_text(r(o, b.bytes, f.bytes))}});
  }

  std::string out = header_line(before, after, rates, elapsed_seconds, header);
  out += "\n" + table_text({{"PORT", true}, {"RX pps"}, {"RX Mbit/s"}, {"TX pps"}, {"TX Mbit/s"}, {"drops/s"}},
                           port_rows);
  out += "\n" + table_text({{"TAP SERVICE", true}, {"copies/s"}, {"Mbit/s"}, {"drops/s"}, {"drop reasons/s", true}},
                           busiest_first(std::move(service_rows)));
  out += "\n" + table_text({{"TAP FLOW", true}, {"copies/s"}, {"Mbit/s"}}, busiest_first(std::move(flow_rows)));

  std::string gone;
  const auto note_gone = [&](const auto* old_entries, const auto& entries, const char* what) {
    if (old_entries == nullptr) return;
    for (const auto& old : *old_entries) {
      if (find(&entries, old.name) == nullptr) gone += (gone.empty() ? "" : ", ") + old.name + " (" + what + ")";
    }
  };
  note_gone(services_before, after.services, "tap service");
  note_gone(flows_before, after.flows, "tap flow");
  if (!gone.empty()) out += "\ngone since the last sample: " + gone + "\n";
  return out;
}

TopClock system_top_clock() {
  return {[] {
            return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
          },
          [] {
            const std::time_t now = std::time(nullptr);
            std::tm local{};
            char buf[32] = "";
            if (::localtime_r(&now, &local) != nullptr) std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
            return std::string(buf);
          }};
}

// ---- the loop ---------------------------------------------------------------------------

namespace {

/// Set by SIGINT / SIGTERM while a terminal view runs.
volatile std::sig_atomic_t g_stop = 0;

void on_stop_signal(int) { g_stop = 1; }

/// A terminal view: while it lives, SIGINT and SIGTERM only set g_stop
/// (so that the loop returns and this destructor restores the terminal),
/// the keyboard is read a key at a time without echo (when stdin is a
/// terminal) and the cursor is hidden.
class TerminalView {
 public:
  explicit TerminalView(std::ostream& out) : out_(out) {
    g_stop = 0;
    struct sigaction stop {};
    stop.sa_handler = on_stop_signal;
    sigemptyset(&stop.sa_mask);
    stop.sa_flags = 0;  // no SA_RESTART: poll() returns EINTR at once
    ::sigaction(SIGINT, &stop, &old_int_);
    ::sigaction(SIGTERM, &stop, &old_term_);
    keyboard_ = ::isatty(STDIN_FILENO) != 0 && ::tcgetattr(STDIN_FILENO, &saved_) == 0;
    if (keyboard_) {
      termios keys = saved_;
      keys.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
      keys.c_cc[VMIN] = 0;
      keys.c_cc[VTIME] = 0;
      ::tcsetattr(STDIN_FILENO, TCSANOW, &keys);
    }
    out_ << "\x1b[?25l" << std::flush;  // hide the cursor
  }
  TerminalView(const TerminalView&) = delete;
  TerminalView& operator=(const TerminalView&) = delete;

  ~TerminalView() {
    out_ << "\x1b[?25h\n" << std::flush;  // show the cursor, leave the last frame on screen
    if (keyboard_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }

  /// Whether keys can be read (stdin is a terminal that is still there).
  bool keyboard() const { return keyboard_; }
  void keyboard_gone() { keyboard_ = false; }

  /// Draws `frame` from the top left over the previous one, each line cut
  /// to the window's width and the frame to its height.
  void draw(const std::string& frame) {
    winsize size{};
    const bool known = ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_row > 1 && size.ws_col > 0;
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < frame.size();) {
      const std::size_t end = std::min(frame.find('\n', at), frame.size());
      lines.push_back(frame.substr(at, end - at));
      at = end + 1;
    }
    if (!lines.empty()) lines.front() += "   (q quits)";
    if (known && lines.size() > size.ws_row) {
      const std::size_t more = lines.size() - size.ws_row + 1;
      lines.resize(size.ws_row - 1);
      lines.push_back("... " + std::to_string(more) + " more lines (a larger window shows them)");
    }
    std::string text = "\x1b[H";  // home; each line then erases what was left of the old one
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (known && lines[i].size() > size.ws_col) lines[i].resize(size.ws_col);
      text += lines[i] + "\x1b[K" + (i + 1 < lines.size() ? "\n" : "");
    }
    out_ << text << "\x1b[J" << std::flush;  // and below the frame
  }

 private:
  std::ostream& out_;
  bool keyboard_ = false;
  termios saved_{};
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

/// Sleeps until `deadline`. False when the user quit meanwhile (q, or a
/// signal that set g_stop).
bool wait_until(std::chrono::steady_clock::time_point deadline, TerminalView* view) {
  for (;;) {
    if (g_stop != 0) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return true;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    const bool keys = view != nullptr && view->keyboard();
    pollfd stdin_poll{STDIN_FILENO, POLLIN, 0};
    const int n = ::poll(keys ? &stdin_poll : nullptr, keys ? 1 : 0, static_cast<int>(ms));
    if (n <= 0 || !keys) continue;  // timeout, EINTR (then g_stop decides)
    char buf[64];
    const ssize_t got = ::read(STDIN_FILENO, buf, sizeof buf);
    if (got <= 0 && (stdin_poll.revents & (POLLHUP | POLLERR)) != 0) view->keyboard_gone();
    for (ssize_t i = 0; i < got; ++i) {
      if (buf[i] == 'q' || buf[i] == 'Q') return false;
    }
  }
}

/// One `stats` sample, or why there is none (exit code and stderr line
/// without "taasctl: ").
struct Polled {
  int exit_code = kExitOk;
  std::string message;
  StatsSample sample;
};

Polled poll_stats(const Invocation& inv) {
  const Exchange exchange = round_trip(inv.socket, encode_request({}, inv.requests.front()), inv.timeout);
  if (!exchange.ok()) return {kExitTransport, exchange.error.message, {}};
  const Result<Reply> reply = parse_reply(exchange.reply);
  if (!reply) {
    const Error& e = reply.error();
    return {kExitTransport,
            inv.socket + ": not a taasd reply: " + (e.field.empty() ? "" : e.field + ": ") + e.message,
            {}};
  }
  if (!reply.value().ok) return {kExitServerError, server_error_line(reply.value()), {}};
  Result<StatsSample> sample = parse_stats_sample(reply.value().result);
  if (!sample) return {kExitTransport, "unexpected reply: " + sample.error().field + ": " + sample.error().message, {}};
  return {kExitOk, {}, std::move(sample).value()};
}

}  // namespace

int run_top(const Invocation& inv, std::ostream& out, std::ostream& err, bool terminal, const TopClock& clock) {
  const TopOptions options = inv.top.value_or(TopOptions{});
  g_stop = 0;
  std::optional<TerminalView> view;
  if (terminal) view.emplace(out);

  std::optional<StatsSample> previous;
  double previous_at = 0;
  std::uint32_t frames = 0;
  auto deadline = std::chrono::steady_clock::now();
  for (;;) {
    Polled polled = poll_stats(inv);
    const double at = clock.seconds();
    const TopHeader header{inv.socket, clock.wall()};
    if (polled.exit_code != kExitOk) {
      if (!view || polled.exit_code != kExitTransport) {
        view.reset();  // the terminal back first, then the message
        err << "taasctl: " << polled.message << '\n';
        return polled.exit_code;
      }
      // A live view outlasts a taasd restart: say so and try again.
      view->draw("taasctl top  " + inv.socket + "  " + header.time + "\n\n" + polled.message + "\nretrying every " +
                 fixed(std::chrono::duration<double>(options.interval).count(), 2) + " s\n");
    } else {
      if (previous) {
        const std::string frame = render_top(&*previous, polled.sample, at - previous_at, header);
        if (view) {
          view->draw(frame);
        } else {
          out << (frames != 0 ? "\n" : "") << frame << std::flush;
        }
        ++frames;
      } else if (view) {
        view->draw(render_top(nullptr, polled.sample, 0, header));  // names at once, rates next time
      }
      previous = std::move(polled.sample);
      previous_at = at;
      if (options.iterations != 0 && frames >= options.iterations) break;
    }
    // A steady cadence; a slow reply delays the next sample, never bunches them.
    deadline = std::max(deadline + options.interval, std::chrono::steady_clock::now());
    if (!wait_until(deadline, view ? &*view : nullptr)) break;
  }
  return kExitOk;
}

}  // namespace taas::ctl::cli
