#pragma once
// taasctl's command line (CLI11), shaped like `openstack tap service|flow
// create|list|show|update|delete`: it becomes the protocol Requests to send
// (control/protocol.hpp) and how to print their results. No I/O besides
// printing help and usage errors and reading the file `apply` names.
// Control path only; any thread may call it.
//
//   taasctl [--socket PATH] [--timeout SECONDS] COMMAND ...
//     tap service create|list|show|update|delete
//     tap flow    create|list|show|update|delete
//     port list|show
//     apply FILE | apply --file FILE      (FILE "-" reads stdin)
//     export | stats | health
//     top [--interval SECONDS] [--iterations N]   (a live view: taasctl/top.hpp)
//   -f/--format table|json|yaml|value, -c/--column NAME on every command
//   that prints a record or a list; -f on stats (table, json or yaml).
//   --socket and --timeout are also accepted after the command.

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "control/cli_format.hpp"
#include "control/protocol.hpp"

namespace taas::ctl::cli {

/// `taasctl top`: poll `stats` every `interval`, draw `iterations` frames
/// (0: until q or Ctrl-C). Each frame needs two samples, so N frames take
/// N + 1 requests.
struct TopOptions {
  std::chrono::milliseconds interval{1000};
  std::uint32_t iterations = 0;
};

/// What one command line asks taasctl to do.
struct Invocation {
  std::string socket;  // --socket, else $TAASD_SOCKET, else kDefaultSocket
  std::chrono::milliseconds timeout{10000};  // per request
  Format format = Format::kTable;
  std::vector<std::string> columns;  // -c, checked against known_columns()
  /// Sent in order, one connection each, stopping at the first failure
  /// (several only for delete of several refs). Never empty.
  std::vector<Request> requests;
  /// Set for `top`: requests is then the one `stats` request, sent again
  /// every interval (taasctl/top.hpp) rather than once.
  std::optional<TopOptions> top;
};

/// An Invocation to run, or (invocation empty) the exit code of a command
/// line that is already dealt with: 0 after printing --help to `out`, 2
/// after printing the usage error to `err` ("taasctl: ..." lines).
struct CommandLine {
  std::optional<Invocation> invocation;
  int exit_code = 0;
};

/// Parses argv[1..argc). `env_socket` is $TAASD_SOCKET (nullptr or empty
/// when unset). Reads the intent file of `apply` (a file that cannot be
/// read is a usage error).
CommandLine parse_command_line(int argc, const char* const* argv, const char* env_socket, std::ostream& out,
                               std::ostream& err);

/// The same for a list of arguments without the program name (tests).
CommandLine parse_command_line(const std::vector<std::string>& args, const char* env_socket, std::ostream& out,
                               std::ostream& err);

}  // namespace taas::ctl::cli
