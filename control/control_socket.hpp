#pragma once
// The control socket (DESIGN.md §6): a Unix stream socket speaking
// newline-delimited requests and replies (protocol.hpp). This is the I/O
// only: accepting, checking peers, framing lines, buffering replies. What a
// line means is the handler's business. Control thread only; nothing here
// blocks longer than the poll timeout.
//
// Peers are checked with SO_PEERCRED when they connect: root, taasd's own
// user, or a member (primary or supplementary group) of the socket's group.
// Anyone else gets one error line (code 403) and is disconnected. The socket
// file is created with mode 0660 (and the group given, if any); a stale
// socket file left by a dead taasd is replaced, a live one is an error.
//
// Limits: a request line longer than kMaxRequestBytes gets a 400 reply and
// the connection is closed; at most kMaxClients connections at once (the
// next one gets a 503 line and is closed); a peer that does not read its
// replies is disconnected once kMaxPendingReply bytes wait for it; each peer
// process is answered at most set_request_rate() requests per second
// (peer_rate.hpp: beyond that its connections are not read until a token is
// due, so a flood slows down instead of failing and other peers are not
// held up). Each connection gets at most kLinesPerTurn lines answered per
// turn of the loop, round robin, so that a peer whose requests are expensive
// (a pipelined flood of exports) cannot hold the loop for its whole burst.

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "control/peer_rate.hpp"
#include "control/result.hpp"

namespace taas::ctl {

class ControlSocket {
 public:
  static constexpr std::size_t kMaxClients = 64;
  static constexpr std::size_t kMaxPendingReply = std::size_t{256} << 20;
  static constexpr unsigned kLinesPerTurn = 16;

  /// Creates the directory of `path` if missing (mode 0755), binds and
  /// listens. `group` empty keeps taasd's group, otherwise the socket file is
  /// given that group (a name or a numeric id). Errors name the path.
  static Result<std::unique_ptr<ControlSocket>> open(const std::string& path, const std::string& group);

  /// Closes every connection and removes the socket file.
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  /// Maps one request line (without '\n') to its reply line (without '\n').
  using Handler = std::function<std::string(std::string_view line)>;

  /// Waits up to `timeout_ms` for activity, then accepts, reads, answers
  /// every complete line (in order, per connection) and writes what it can.
  void poll_once(int timeout_ms, const Handler& handler);

  /// Requests per second per peer process, `burst` at once; 0: no limit.
  void set_request_rate(std::uint32_t per_second, std::uint32_t burst) noexcept { rate_.configure(per_second, burst); }

  const std::string& path() const noexcept { return path_; }
  std::size_t clients() const noexcept { return clients_.size(); }

 private:
  struct Client {
    int fd = -1;
    std::string in;
    std::string out;
    pid_t pid = 0;         // the peer process (SO_PEERCRED)
    bool closing = false;  // close once `out` is written
    bool throttled = false;  // out of tokens: complete lines wait in `in`
    bool backlog = false;    // its turn ended with complete lines left in `in`
  };
  ControlSocket(int fd, std::string path, gid_t group) : fd_(fd), path_(std::move(path)), group_(group) {}
  void accept_all();
  std::size_t open_clients() const;
  bool peer_allowed(int fd, pid_t& pid) const;
  void read_client(Client& c, const Handler& handler);
  /// Answers the complete lines in `c.in` while the peer has tokens, at
  /// most kLinesPerTurn.
  void answer_lines(Client& c, const Handler& handler, std::uint64_t now_ns);
  /// Milliseconds until a throttled client may go on (-1: none is).
  int throttle_wait_ms(std::uint64_t now_ns) const;
  void write_client(Client& c);

  int fd_ = -1;
  std::string path_;
  gid_t group_ = 0;
  std::vector<std::unique_ptr<Client>> clients_;
  PeerRate rate_;
};

}  // namespace taas::ctl
