#include "taasctl/client.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

namespace taas::ctl::cli {
namespace {

using Clock = std::chrono::steady_clock;

/// Closes a descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

Exchange fail(TransportFailure kind, std::string message) { return {{}, {kind, std::move(message)}}; }

std::string errno_text(int err) { return std::strerror(err); }

/// Waits until `fd` is ready for `events` or the deadline passes. Returns 0
/// when ready, ETIMEDOUT, or the errno of poll.
int wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    // Rounded up, so that poll never wakes before the deadline.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return ETIMEDOUT;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30)));
    if (n > 0) return 0;  // readable, writable, or an error/hangup the next call reports
    if (n < 0 && errno != EINTR) return errno;
  }
}

std::string seconds_text(std::chrono::milliseconds timeout) {
  const auto ms = timeout.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

}  // namespace

Exchange round_trip(const std::string& path, std::string_view line, std::chrono::milliseconds timeout,
                    std::size_t max_reply) {
  const auto deadline = Clock::now() + timeout;
  const std::string where = "cannot connect to " + path + ": ";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return fail(TransportFailure::kUnreachable, where + errno_text(path.empty() ? ENOENT : ENAMETOOLONG));
  }
  std::memcpy(addr.sun_path, path.data(), path.size());

  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return fail(TransportFailure::kUnreachable, where + errno_text(errno));
  // A blocking connect bounded by SO_SNDTIMEO: it waits only when taasd's
  // listen backlog is full. Everything after it is non-blocking with poll.
  const auto ms = timeout.count() > 0 ? timeout.count() : 1;
  const timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno == EAGAIN || errno == EINPROGRESS ? ETIMEDOUT : errno;
    return fail(TransportFailure::kUnreachable, where + errno_text(err));
  }
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);

  const std::string prefix = path + ": ";
  std::string out(line);
  out += '\n';
  int send_error = 0;  // taasd may reply to a bad request and close before reading it all
  for (std::size_t sent = 0; sent < out.size() && send_error == 0;) {
    const ssize_t n = ::send(fd.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EAGAIN) {
      const int w = wait_for(fd.get(), POLLOUT, deadline);
      if (w == ETIMEDOUT) return fail(TransportFailure::kProtocol, prefix + "no reply within " + seconds_text(timeout));
      send_error = w;
    } else if (n < 0 && errno != EINTR) {
      send_error = errno;
    }
  }

  std::string reply;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n > 0) {
      const std::string_view chunk(buf, static_cast<std::size_t>(n));
      const std::size_t nl = chunk.find('\n');
      reply.append(chunk.substr(0, nl));
      if (reply.size() > max_reply) {
        return fail(TransportFailure::kProtocol,
                    prefix + "reply longer than " + std::to_string(max_reply) + " bytes");
      }
      if (nl != std::string_view::npos) return {std::move(reply), {}};
      continue;
    }
    if (n == 0 || (n < 0 && send_error != 0 && errno != EAGAIN && errno != EINTR)) {
      if (send_error != 0 && reply.empty()) {
        return fail(TransportFailure::kProtocol, prefix + "sending the request: " + errno_text(send_error));
      }
      return fail(TransportFailure::kProtocol,
                  prefix + (reply.empty() ? "connection closed without a reply" : "connection closed inside the reply"));
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      const int w = wait_for(fd.get(), POLLIN, deadline);
      if (w == ETIMEDOUT) return fail(TransportFailure::kProtocol, prefix + "no reply within " + seconds_text(timeout));
      if (w != 0) return fail(TransportFailure::kProtocol, prefix + "reading the reply: " + errno_text(w));
      continue;
    }
    return fail(TransportFailure::kProtocol, prefix + "reading the reply: " + errno_text(errno));
  }
}

}  // namespace taas::ctl::cli
