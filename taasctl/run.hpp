#pragma once
// taasctl from command line to exit code: parse, send each request over the
// control socket, print each result. Exit codes in taasctl/render.hpp.
// Control path only; one call at a time per output stream.

#include <ostream>

#include "taasctl/command_line.hpp"

namespace taas::ctl::cli {

/// Sends inv.requests in order, one connection each, printing each result
/// to `out`; stops at the first failure, printing one "taasctl: ..." line
/// to `err`. Returns the exit code. With inv.top set, runs the live view
/// instead (taasctl/top.hpp), on the terminal when `out` is std::cout and
/// that is a terminal.
int run(const Invocation& inv, std::ostream& out, std::ostream& err);

/// The whole program: parse_command_line, then run. `env_socket` is
/// $TAASD_SOCKET or nullptr.
int taasctl_main(int argc, const char* const* argv, const char* env_socket, std::ostream& out, std::ostream& err);

}  // namespace taas::ctl::cli
