#pragma once
// taasctl's socket I/O: one request line out, one reply line back, over the
// control socket (a Unix stream socket, DESIGN.md §6). Blocking calls with
// a deadline; no threads. Control path only; any thread may call it.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "control/result.hpp"

namespace taas::ctl::cli {

/// Where taasctl looks for taasd when neither --socket nor TAASD_SOCKET says.
inline constexpr std::string_view kDefaultSocket = "/run/taasd/taasd.sock";

/// Longest reply line accepted, without its '\n'. A stats or export result
/// of a large deployment fits many times over; a peer sending more is not
/// taasd.
inline constexpr std::size_t kMaxReplyBytes = std::size_t{64} << 20;

/// Why a round trip failed.
enum class TransportFailure {
  kUnreachable,  // no socket, refused, permission: taasd is not there
  kProtocol,     // connected, but no proper reply line (closed, too long, timeout)
};

struct TransportError {
  TransportFailure kind = TransportFailure::kUnreachable;
  /// One line without a trailing newline naming the path, e.g.
  /// "cannot connect to /run/taasd/taasd.sock: No such file or directory".
  std::string message;
};

/// The reply line (without '\n') or why there is none.
struct Exchange {
  bool ok() const noexcept { return error.message.empty(); }
  std::string reply;
  TransportError error;
};

/// Connects to the Unix socket `path`, writes `line` + '\n', and reads up to
/// the first '\n' (bytes after it are ignored), all within `timeout`. A
/// reply longer than `max_reply` bytes, a connection closed before the '\n'
/// and the timeout are kProtocol failures. Never raises SIGPIPE. The
/// caller owns nothing afterwards: the connection is closed on return.
Exchange round_trip(const std::string& path, std::string_view line, std::chrono::milliseconds timeout,
                    std::size_t max_reply = kMaxReplyBytes);

}  // namespace taas::ctl::cli
