#include "taasctl/run.hpp"

#include <unistd.h>

#include <iostream>
#include <string>

#include "control/protocol.hpp"
#include "taasctl/client.hpp"
#include "taasctl/render.hpp"
#include "taasctl/top.hpp"

namespace taas::ctl::cli {

int run(const Invocation& inv, std::ostream& out, std::ostream& err) {
  if (inv.top) {
    // The live view redraws in place only on the process's own terminal;
    // anything else (a pipe, a file, a test's stream) gets plain frames.
    const bool terminal = &out == &std::cout && ::isatty(STDOUT_FILENO) != 0;
    return run_top(inv, out, err, terminal, system_top_clock());
  }
  for (const Request& request : inv.requests) {
    // No request id: one request per connection leaves nothing to match.
    const Exchange exchange = round_trip(inv.socket, encode_request({}, request), inv.timeout);
    if (!exchange.ok()) {
      err << "taasctl: " << exchange.error.message << '\n';
      return kExitTransport;
    }
    const Result<Reply> reply = parse_reply(exchange.reply);
    if (!reply) {
      const Error& e = reply.error();
      err << "taasctl: " << inv.socket << ": not a taasd reply: " << (e.field.empty() ? "" : e.field + ": ")
          << e.message << '\n';
      return kExitTransport;
    }
    if (!reply.value().ok) {
      err << "taasctl: " << server_error_line(reply.value()) << '\n';
      return kExitServerError;
    }
    const Rendered rendered = render_result(request.op, reply.value().result, inv.format, inv.columns);
    if (rendered.exit_code != kExitOk) {
      err << "taasctl: " << rendered.text << '\n';
      return rendered.exit_code;
    }
    out << rendered.text;
  }
  out.flush();
  return kExitOk;
}

int taasctl_main(int argc, const char* const* argv, const char* env_socket, std::ostream& out, std::ostream& err) {
  const CommandLine command_line = parse_command_line(argc, argv, env_socket, out, err);
  if (!command_line.invocation) return command_line.exit_code;
  return run(*command_line.invocation, out, err);
}

}  // namespace taas::ctl::cli
