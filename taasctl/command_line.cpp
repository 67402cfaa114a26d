#include "taasctl/command_line.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "control/intent_model.hpp"
#include "taasctl/client.hpp"
#include "taasctl/render.hpp"

namespace taas::ctl::cli {
namespace {

/// A usage error message (without "taasctl: "), or nullopt when fine.
using Problem = std::optional<std::string>;

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

/// `value` when option `o` was given.
std::optional<std::string> given(const CLI::Option* o, const std::string& value) {
  return o->count() != 0 ? std::optional<std::string>(value) : std::nullopt;
}

/// A decimal number that fits 32 bits. CLI11's own conversion would take
/// "-1" (wrapped), "0x10" and "010" (octal), which no operator means.
Problem number(const CLI::Option* o, const std::string& text, std::optional<std::uint32_t>& out) {
  if (o->count() == 0) return std::nullopt;
  std::uint64_t value = 0;
  bool ok = !text.empty() && text.size() <= 10;
  for (char c : text) {
    ok = ok && c >= '0' && c <= '9';
    if (ok) value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!ok || value > 0xffffffffu) {
    return o->get_name() + ": expected a whole number from 0 to 4294967295, got " + in_quotes(text);
  }
  out = static_cast<std::uint32_t>(value);
  return std::nullopt;
}

/// One of the words of `table`; `upper`: compared and sent in upper case.
template <class E>
Problem choice(const CLI::Option* o, std::string text, std::initializer_list<std::pair<std::string_view, E>> table,
               bool upper, std::optional<E>& out) {
  if (o->count() == 0) return std::nullopt;
  if (upper) {
    for (char& c : text) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  std::string words;
  std::size_t i = 0;
  for (const auto& [word, value] : table) {
    if (word == text) {
      out = value;
      return std::nullopt;
    }
    words += (i == 0 ? "" : i + 1 == table.size() ? " or " : ", ") + std::string(word);
    ++i;
  }
  return o->get_name() + ": expected " + words + ", got " + in_quotes(text);
}

/// top's --interval: seconds from 0.1 (each sample makes taasd build the
/// whole stats document; ten a second is plenty for a person) to a day.
Problem interval_value(const CLI::Option* o, const std::string& text, std::chrono::milliseconds& out) {
  if (o->count() == 0) return std::nullopt;
  double seconds = 0;
  std::size_t used = 0;
  try {
    seconds = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !(seconds >= 0.1) || seconds > 86400) {
    return "--interval: expected a number of seconds from 0.1 to 86400, got " + in_quotes(text);
  }
  out = std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000)));
  return std::nullopt;
}

/// The whole text of `path` ("-": standard input).
Problem read_file(const std::string& path, std::string& out) {
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) return "cannot read " + path + ": " + std::strerror(errno);
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  if (f != stdin) std::fclose(f);
  if (failed) return "cannot read " + path + ": " + std::strerror(err);
  return std::nullopt;
}

/// Names the values in --help ("--vni N" rather than "--vni TEXT"), for
/// every option of `app` and its subcommands.
void name_values(CLI::App* app) {
  static const std::vector<std::pair<std::string, std::string>> kTypes{
      {"socket", "PATH"},
      {"timeout", "SECONDS"},
      {"interval", "SECONDS"},
      {"iterations", "N"},
      {"format", "table|json|yaml|value"},
      {"column", "COLUMN"},
      {"encap", "none|erspan2|erspan3|vxlan"},
      {"erspan-granularity", "100us|100ns"},
      {"erspan-platform-id", "3|7"},
      {"direction", "IN|OUT|BOTH"},
      {"tap-service", "SERVICE"},
      {"remote-ip", "IP"},
      {"remote-mac", "MAC"},
      {"vlan-filter", "VLANS"},
      {"id", "UUID"},
      {"vni", "N"},
      {"udp-port", "N"},
      {"erspan-index", "N"},
      {"erspan-hwid", "N"},
      {"erspan-session-id", "N"},
  };
  for (CLI::Option* o : app->get_options()) {
    if (o->get_lnames().empty() || o->get_type_name() != "TEXT") continue;
    const std::string& flag = o->get_lnames().front();
    std::string type;
    for (const auto& [name, value] : kTypes) {
      if (name == flag) type = value;
    }
    if (type.empty()) {
      for (char c : flag) type += c == '-' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    o->type_name(type);
  }
  for (CLI::App* sub : app->get_subcommands({})) name_values(sub);
}

/// A command that sends requests: its CLI11 subcommand and how to build them.
struct Leaf {
  CLI::App* app;
  std::function<Problem(Invocation&)> build;
};

/// Every option's storage and the command tree. Only one leaf is parsed per
/// run, so leaves share the storage; what was given is asked of each leaf's
/// own CLI::Option.
class Parser {
 public:
  Parser();
  CommandLine parse(int argc, const char* const* argv, const char* env_socket, std::ostream& out, std::ostream& err);

 private:
  CLI::App* command(CLI::App* parent, const std::string& name, const std::string& help);
  /// -f, and -c unless `columns` is false.
  void output_options(CLI::App* app, bool columns = true);
  void add_leaf(CLI::App* app, std::function<Problem(Invocation&)> build) { leaves_.push_back({app, std::move(build)}); }

  void service_commands(CLI::App* tap);
  void flow_commands(CLI::App* tap);
  void other_commands();
  /// The commands of a group (tap service, tap flow, port) other than
  /// create: show REF, update REF, delete REF..., list.
  void ref_command(CLI::App* group, const std::string& what, Op op);
  void update_command(CLI::App* group, const std::string& what, Op op);
  void delete_command(CLI::App* group, const std::string& what, Op op);
  void list_command(CLI::App* group, const std::string& what, Op op);
  /// After a parse error: the message when a command word is missing or
  /// unknown (e.g. "tap service: expected a command: create, ..."), else
  /// nullopt.
  Problem missing_command();

  CLI::App app_{"taasctl: manage taasd's tap services and tap flows over its control socket", "taasctl"};
  std::vector<Leaf> leaves_;

  std::string socket_;
  std::string timeout_;
  std::string format_ = "table";
  std::vector<std::string> columns_;
  std::string ref_;
  std::vector<std::string> refs_;
  std::string id_, name_, description_, port_, remote_ip_, encap_, vni_, udp_port_, remote_mac_;
  std::string erspan_index_, erspan_hwid_, erspan_granularity_, erspan_platform_id_;
  bool erspan_platform_subheader_ = false;
  std::string tap_service_, direction_, erspan_session_id_, vlan_filter_;
  std::string file_, file_option_;
  std::string interval_, iterations_;
};

Parser::Parser() {
  app_.fallthrough();  // --socket and --timeout also after the command; inherited by subcommands
  app_.require_subcommand(1);
  app_.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "taasctl: " + std::string(e.what()) + "\nRun with --help for more information.\n";
  });
  app_.add_option("--socket", socket_, "taasd's control socket (default $TAASD_SOCKET, else /run/taasd/taasd.sock)");
  app_.add_option("--timeout", timeout_, "seconds to wait for each reply (default 10)");

  CLI::App* tap = command(&app_, "tap", "tap services and tap flows (OpenStack Tap-as-a-Service)");
  service_commands(command(tap, "service", "tap services: where mirrored copies go"));
  flow_commands(command(tap, "flow", "tap flows: which port's traffic is mirrored to a tap service"));
  other_commands();
  name_values(&app_);
}

CLI::App* Parser::command(CLI::App* parent, const std::string& name, const std::string& help) {
  CLI::App* app = parent->add_subcommand(name, help);
  app->require_subcommand(1);
  return app;
}

void Parser::output_options(CLI::App* app, bool columns) {
  app->add_option("-f,--format", format_, "output format: table, json, yaml or value (default table)")
      ->group("Output formatters");
  if (columns) {
    app->add_option("-c,--column", columns_, "show only this column (repeatable)")
        ->allow_extra_args(false)
        ->group("Output formatters");
  }
}

void Parser::service_commands(CLI::App* group) {
  CLI::App* create = group->add_subcommand("create", "create a tap service");
  create->add_option("--name", name_, "name (unique)")->required();
  const auto* description = create->add_option("--description", description_, "free text");
  const auto* port = create->add_option("--port", port_, "monitor port the copies leave on (port mode)");
  const auto* remote_ip = create->add_option("--remote-ip", remote_ip_, "collector address (external mode)");
  const auto* encap = create->add_option("--encap", encap_, "none, erspan2, erspan3 or vxlan");
  const auto* vni = create->add_option("--vni", vni_, "VXLAN network identifier");
  const auto* udp_port = create->add_option("--udp-port", udp_port_, "VXLAN destination UDP port");
  const auto* remote_mac = create->add_option("--remote-mac", remote_mac_, "outer destination MAC (internal mode)");
  const auto* index = create->add_option("--erspan-index", erspan_index_, "ERSPAN index");
  const auto* hwid = create->add_option("--erspan-hwid", erspan_hwid_, "ERSPAN III hardware id");
  const auto* granularity = create->add_option("--erspan-granularity", erspan_granularity_, "100us or 100ns");
  const auto* subheader = create->add_flag("--erspan-platform-subheader,!--no-erspan-platform-subheader",
                                           erspan_platform_subheader_, "ERSPAN III platform-specific subheader");
  const auto* platform_id = create->add_option("--erspan-platform-id", erspan_platform_id_, "3 or 7");
  const auto* id = create->add_option("--id", id_, "UUID (default: generated)");
  output_options(create);
  add_leaf(create, [=, this](Invocation& inv) -> Problem {
    ServiceCreateArgs s;
    s.id = given(id, id_);
    s.name = name_;
    s.description = given(description, description_);
    s.port = given(port, port_);
    s.remote_ip = given(remote_ip, remote_ip_);
    s.remote_mac = given(remote_mac, remote_mac_);
    ErspanArgs e;
    Problem p = choice<Encap>(encap, encap_,
                              {{"none", Encap::kNone}, {"erspan2", Encap::kErspan2}, {"erspan3", Encap::kErspan3},
                               {"vxlan", Encap::kVxlan}},
                              false, s.encap);
    if (!p) p = number(vni, vni_, s.vni);
    if (!p) p = number(udp_port, udp_port_, s.udp_port);
    if (!p) p = number(index, erspan_index_, e.index);
    if (!p) p = number(hwid, erspan_hwid_, e.hwid);
    if (!p) {
      p = choice<ErspanGranularity>(granularity, erspan_granularity_,
                                    {{"100us", ErspanGranularity::k100us}, {"100ns", ErspanGranularity::k100ns}},
                                    false, e.granularity);
    }
    if (!p) p = choice<std::uint32_t>(platform_id, erspan_platform_id_, {{"3", 3u}, {"7", 7u}}, false, e.platform_id);
    if (p) return p;
    if (subheader->count() != 0) e.platform_subheader = erspan_platform_subheader_;
    if (e != ErspanArgs{}) s.erspan = e;
    inv.requests.push_back({Op::kServiceCreate, std::move(s)});
    return std::nullopt;
  });
  list_command(group, "tap services", Op::kServiceList);
  ref_command(group, "tap service", Op::kServiceShow);
  update_command(group, "tap service", Op::kServiceUpdate);
  delete_command(group, "tap services (and the tap flows that feed them)", Op::kServiceDelete);
}

void Parser::flow_commands(CLI::App* group) {
  CLI::App* create = group->add_subcommand("create", "create a tap flow");
  create->add_option("--name", name_, "name (unique)")->required();
  const auto* description = create->add_option("--description", description_, "free text");
  create->add_option("--port", port_, "source port: the VM port whose traffic is mirrored")->required();
  create->add_option("--tap-service", tap_service_, "tap service (name or UUID) the copies go to")->required();
  const auto* direction =
      create->add_option("--direction", direction_, "IN, OUT or BOTH, as the VM sees it")->required();
  const auto* session = create->add_option("--erspan-session-id", erspan_session_id_, "ERSPAN session id");
  const auto* vlans = create->add_option("--vlan-filter", vlan_filter_, "VLAN ids to mirror, e.g. 9,18,27-36");
  const auto* id = create->add_option("--id", id_, "UUID (default: generated)");
  output_options(create);
  add_leaf(create, [=, this](Invocation& inv) -> Problem {
    FlowCreateArgs f;
    f.id = given(id, id_);
    f.name = name_;
    f.description = given(description, description_);
    f.source_port = port_;
    f.tap_service = tap_service_;
    f.vlan_filter = given(vlans, vlan_filter_);
    std::optional<Direction> dir;
    Problem p = choice<Direction>(direction, direction_,
                                  {{"IN", Direction::kIn}, {"OUT", Direction::kOut}, {"BOTH", Direction::kBoth}},
                                  true, dir);
    if (!p) p = number(session, erspan_session_id_, f.erspan_session_id);
    if (p) return p;
    f.direction = *dir;
    inv.requests.push_back({Op::kFlowCreate, std::move(f)});
    return std::nullopt;
  });
  list_command(group, "tap flows", Op::kFlowList);
  ref_command(group, "tap flow", Op::kFlowShow);
  update_command(group, "tap flow", Op::kFlowUpdate);
  delete_command(group, "tap flows", Op::kFlowDelete);
}

void Parser::other_commands() {
  CLI::App* port = command(&app_, "port", "ports (read only: they are fixed while taasd runs)");
  list_command(port, "ports", Op::kPortList);
  ref_command(port, "port", Op::kPortShow);

  CLI::App* apply = app_.add_subcommand("apply", "replace the tap services and tap flows with an intent file's");
  const auto* file = apply->add_option("FILE", file_, "intent file (YAML); - reads standard input");
  const auto* file_option = apply->add_option("--file", file_option_, "the same, as an option");
  add_leaf(apply, [=, this](Invocation& inv) -> Problem {
    if ((file->count() != 0) == (file_option->count() != 0)) {
      return std::string("apply: give the intent file once, as FILE or as --file FILE");
    }
    ApplyArgs a;
    const std::string& path = file->count() != 0 ? file_ : file_option_;
    if (Problem p = read_file(path, a.intent)) return p;
    a.file = path == "-" ? "<stdin>" : path;  // taasd names it in its errors
    inv.requests.push_back({Op::kApply, std::move(a)});
    return std::nullopt;
  });

  const auto plain = [this](const std::string& name, const std::string& help, Op op) {
    CLI::App* app = app_.add_subcommand(name, help);
    add_leaf(app, [op](Invocation& inv) -> Problem {
      inv.requests.push_back({op, std::monostate{}});
      return std::nullopt;
    });
    return app;
  };
  plain("export", "print the running state as an intent file", Op::kExport);
  output_options(plain("stats", "print the counters of ports, tap services and tap flows", Op::kStats), false);
  output_options(plain("health", "print taasd's generation, workers and uptime", Op::kHealth));

  CLI::App* top = app_.add_subcommand("top", "a live view of the rates and drops of ports, tap services and tap flows");
  const auto* interval = top->add_option("--interval", interval_, "seconds between samples (default 1)");
  const auto* iterations =
      top->add_option("--iterations", iterations_, "stop after N frames (default 0: until q or Ctrl-C)");
  add_leaf(top, [=, this](Invocation& inv) -> Problem {
    TopOptions options;
    std::optional<std::uint32_t> frames;
    Problem p = interval_value(interval, interval_, options.interval);
    if (!p) p = number(iterations, iterations_, frames);
    if (p) return p;
    options.iterations = frames.value_or(0);
    inv.top = options;
    inv.requests.push_back({Op::kStats, std::monostate{}});
    return std::nullopt;
  });
}

void Parser::list_command(CLI::App* group, const std::string& what, Op op) {
  CLI::App* app = group->add_subcommand("list", "list " + what);
  output_options(app);
  add_leaf(app, [op](Invocation& inv) -> Problem {
    inv.requests.push_back({op, std::monostate{}});
    return std::nullopt;
  });
}

void Parser::ref_command(CLI::App* group, const std::string& what, Op op) {
  CLI::App* app = group->add_subcommand("show", "show a " + what);
  app->add_option("REF", ref_, what + " to show (name or UUID)")->required();
  output_options(app);
  add_leaf(app, [op, this](Invocation& inv) -> Problem {
    inv.requests.push_back({op, RefArgs{ref_}});
    return std::nullopt;
  });
}

void Parser::update_command(CLI::App* group, const std::string& what, Op op) {
  CLI::App* app = group->add_subcommand("update", "rename a " + what + " or change its description");
  app->add_option("REF", ref_, what + " to update (name or UUID)")->required();
  const auto* name = app->add_option("--name", name_, "new name");
  const auto* description = app->add_option("--description", description_, "new description");
  output_options(app);
  add_leaf(app, [=, this](Invocation& inv) -> Problem {
    UpdateArgs u{ref_, given(name, name_), given(description, description_)};
    if (!u.name && !u.description) return std::string("update: nothing to update: give --name and/or --description");
    inv.requests.push_back({op, std::move(u)});
    return std::nullopt;
  });
}

void Parser::delete_command(CLI::App* group, const std::string& what, Op op) {
  CLI::App* app = group->add_subcommand("delete", "delete " + what);
  app->add_option("REF", refs_, "name or UUID, one or more; deleted in order, stopping at the first failure")
      ->required();
  add_leaf(app, [op, this](Invocation& inv) -> Problem {
    for (const std::string& ref : refs_) inv.requests.push_back({op, RefArgs{ref}});
    return std::nullopt;
  });
}

/// Seconds as milliseconds: a number greater than 0, at most a day.
Problem timeout_value(const std::string& text, std::chrono::milliseconds& out) {
  double seconds = 0;
  std::size_t used = 0;
  try {
    seconds = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !(seconds > 0) || seconds > 86400) {
    return "--timeout: expected a number of seconds greater than 0 (at most 86400), got " + in_quotes(text);
  }
  out = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000)));
  return std::nullopt;
}

Problem Parser::missing_command() {
  // CLI11 says only "A subcommand is required"; name the ones that fit.
  CLI::App* at = &app_;
  std::string path;
  while (!at->get_subcommands().empty()) {
    at = at->get_subcommands().front();
    path += at->get_name() + " ";
  }
  if (at->get_require_subcommand_min() == 0) return std::nullopt;
  if (!path.empty()) {  // "tap service " -> "tap service: "
    path.back() = ':';
    path += ' ';
  }
  std::string names;
  const auto subs = at->get_subcommands({});
  for (std::size_t i = 0; i < subs.size(); ++i) {
    names += (i == 0 ? "" : i + 1 == subs.size() ? " or " : ", ") + subs[i]->get_name();
  }
  const std::vector<std::string> extra = app_.remaining(true);
  if (!extra.empty()) return path + "unknown command " + in_quotes(extra.front()) + "; expected " + names;
  return path + "expected a command: " + names;
}

CommandLine Parser::parse(int argc, const char* const* argv, const char* env_socket, std::ostream& out,
                          std::ostream& err) {
  try {
    app_.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      if (const auto message = missing_command()) {
        err << "taasctl: " << *message << "\nRun with --help for more information.\n";
        return {std::nullopt, kExitUsage};
      }
    }
    const int code = app_.exit(e, out, err);
    return {std::nullopt, code == 0 ? kExitOk : kExitUsage};
  }
  const auto usage = [&err](const std::string& message) {
    err << "taasctl: " << message << '\n';
    return CommandLine{std::nullopt, kExitUsage};
  };

  Invocation inv;
  const CLI::Option* socket = app_.get_option("--socket");
  const CLI::Option* timeout = app_.get_option("--timeout");
  if (socket->count() != 0) {
    inv.socket = socket_;
  } else if (env_socket != nullptr && *env_socket != '\0') {
    inv.socket = env_socket;
  } else {
    inv.socket = std::string(kDefaultSocket);
  }
  if (timeout->count() != 0) {
    if (Problem p = timeout_value(timeout_, inv.timeout)) return usage(*p);
  }
  auto format = parse_format(format_);
  if (!format) return usage(format.error().field + ": " + format.error().message);
  inv.format = format.value();
  inv.columns = columns_;

  for (const Leaf& leaf : leaves_) {
    if (!leaf.app->parsed()) continue;
    if (Problem p = leaf.build(inv)) return usage(*p);
    break;
  }
  if (inv.requests.empty()) return usage("no command given; run with --help");  // require_subcommand prevents it

  const Op op = inv.requests.front().op;
  if (op == Op::kStats && inv.format == Format::kValue) return usage("-f: stats prints table, json or yaml");
  const std::vector<std::string> known = known_columns(op);
  for (const std::string& column : inv.columns) {
    if (std::find(known.begin(), known.end(), column) == known.end()) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      return usage("-c: unknown column " + in_quotes(column) + "; known columns: " + list);
    }
  }
  for (const Request& request : inv.requests) {
    const std::size_t bytes = encode_request({}, request).size();
    if (request_too_long(bytes)) {
      return usage("the request is " + std::to_string(bytes) + " bytes; taasd takes at most " +
                   std::to_string(kMaxRequestBytes));
    }
  }
  return {std::move(inv), kExitOk};
}

}  // namespace

CommandLine parse_command_line(int argc, const char* const* argv, const char* env_socket, std::ostream& out,
                               std::ostream& err) {
  Parser parser;
  return parser.parse(argc, argv, env_socket, out, err);
}

CommandLine parse_command_line(const std::vector<std::string>& args, const char* env_socket, std::ostream& out,
                               std::ostream& err) {
  std::vector<const char*> argv{"taasctl"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data(), env_socket, out, err);
}

}  // namespace taas::ctl::cli
