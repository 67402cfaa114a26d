#pragma once
// A stand-in for taasd's control socket: a Unix socket in a fresh temporary
// directory and a thread that serves one scripted connection per Step, in
// order, recording each request line. Test-only.

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace taas::ctl::cli::test {

/// What the server does on one connection.
struct Step {
  /// Written verbatim after the request line was read (include the '\n').
  std::string reply;
  /// Instead of replying, wait until the client hangs up (for timeouts).
  bool hang = false;
  /// Reply without reading the request first, then close.
  bool skip_read = false;
};

class FakeServer {
 public:
  explicit FakeServer(std::vector<Step> steps) : steps_(std::move(steps)) {
    char dir[] = "/tmp/taasctl-test-XXXXXX";
    EXPECT_NE(::mkdtemp(dir), nullptr) << std::strerror(errno);
    dir_ = dir;
    path_ = dir_ + "/taasd.sock";
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0) << std::strerror(errno);
    EXPECT_EQ(::listen(listen_fd_, 8), 0) << std::strerror(errno);
    thread_ = std::thread([this] { serve(); });
  }

  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  ~FakeServer() {
    join();
    ::close(listen_fd_);
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }

  const std::string& path() const { return path_; }

  /// The request lines received (without '\n'), once every step ran or
  /// timed out waiting for a connection.
  const std::vector<std::string>& requests() {
    join();
    return requests_;
  }

 private:
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  /// Waits up to 5 s for `fd` to become readable.
  static bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 5000) > 0;
  }

  void serve() {
    for (const Step& step : steps_) {
      if (!readable(listen_fd_)) return;  // the client stopped early
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      if (!step.skip_read) {
        std::string line;
        char buf[65536];
        ssize_t n = 0;
        while (line.find('\n') == std::string::npos && readable(fd) && (n = ::read(fd, buf, sizeof(buf))) > 0) {
          line.append(buf, static_cast<std::size_t>(n));
        }
        requests_.push_back(line.substr(0, line.find('\n')));
      }
      if (step.hang) {
        char buf[256];
        while (readable(fd) && ::read(fd, buf, sizeof(buf)) > 0) {
        }
      } else {
        for (std::size_t sent = 0; sent < step.reply.size();) {
          const ssize_t n = ::send(fd, step.reply.data() + sent, step.reply.size() - sent, MSG_NOSIGNAL);
          if (n <= 0) break;
          sent += static_cast<std::size_t>(n);
        }
      }
      ::close(fd);
    }
  }

  std::vector<Step> steps_;
  std::string dir_;
  std::string path_;
  int listen_fd_ = -1;
  std::thread thread_;
  std::vector<std::string> requests_;
};

}  // namespace taas::ctl::cli::test
