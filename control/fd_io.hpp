#pragma once
// Non-blocking socket writes for the control thread's servers (the control
// socket, the Neutron API): one place that knows EINTR, EAGAIN and peers
// that went away.

#include <sys/socket.h>

#include <cerrno>
#include <string>

namespace taas::ctl {

/// Sends as much of `out` as the socket takes now and erases what was sent.
/// Returns false when the peer is gone (the caller drops `out` and closes);
/// true otherwise, also when the rest must wait for the next POLLOUT.
inline bool send_pending(int fd, std::string& out) {
  while (!out.empty()) {
    const ssize_t n = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    out.erase(0, static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace taas::ctl
