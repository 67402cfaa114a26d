#include "control/control_socket.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "control/fd_io.hpp"
#include "control/protocol.hpp"

namespace taas::ctl {
namespace {

Error sock_error(const std::string& path, const std::string& what) {
  return Error{path, 0, 0, "", what + ": " + std::strerror(errno)};
}

bool fill_addr(const std::string& path, sockaddr_un& addr) {
  addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return true;
}

/// A socket file nobody listens on (a taasd that died) may be replaced.
bool stale(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  fill_addr(path, addr);
  const bool refused = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno == ECONNREFUSED;
  ::close(fd);
  return refused;
}

Result<gid_t> resolve_group(const std::string& path, const std::string& group) {
  if (group.empty()) return getegid();
  if (group.find_first_not_of("0123456789") == std::string::npos && group.size() < 10)
    return static_cast<gid_t>(std::stoul(group));
  const ::group* g = ::getgrnam(group.c_str());
  if (g == nullptr) return Error{path, 0, 0, "--socket-group", "no group named '" + group + "'"};
  return g->gr_gid;
}

/// The supplementary groups of process `pid` (from /proc; empty if gone).
std::vector<gid_t> groups_of(pid_t pid) {
  std::vector<gid_t> out;
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("Groups:", 0) != 0) continue;
    std::istringstream in(line.substr(7));
    unsigned long g = 0;
    while (in >> g) out.push_back(static_cast<gid_t>(g));
  }
  return out;
}

std::uint64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace

Result<std::unique_ptr<ControlSocket>> ControlSocket::open(const std::string& path, const std::string& group) {
  sockaddr_un addr{};
  if (path.empty() || !fill_addr(path, addr))
    return Error{path, 0, 0, "--socket", "a socket path must be 1 to 107 bytes long"};
  auto gid = resolve_group(path, group);
  if (!gid) return gid.error();
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error{path, 0, 0, "--socket", "cannot create the directory " + dir.string() + ": " + ec.message()};
    ::chmod(dir.c_str(), 0755);
  }
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return Error{path, 0, 0, "--socket", "exists and is not a socket; not replacing it"};
    if (!stale(path)) return Error{path, 0, 0, "--socket", "another process (a running taasd?) listens on it"};
    ::unlink(path.c_str());
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return sock_error(path, "cannot create the control socket");
  // Bound with no permissions for anyone, then opened up: no window in
  // which another user could connect.
  const mode_t old = ::umask(0777);
  const int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (bound != 0) {
    Error e = sock_error(path, "cannot bind the control socket");
    ::close(fd);
    return e;
  }
  if ((gid.value() != getegid() && ::chown(path.c_str(), static_cast<uid_t>(-1), gid.value()) != 0) ||
      ::chmod(path.c_str(), 0660) != 0 || ::listen(fd, 64) != 0) {
    Error e = sock_error(path, "cannot set up the control socket");
    ::close(fd);
    ::unlink(path.c_str());
    return e;
  }
  return std::unique_ptr<ControlSocket>(new ControlSocket(fd, path, gid.value()));
}

ControlSocket::~ControlSocket() {
  for (const auto& c : clients_) ::close(c->fd);
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
}

bool ControlSocket::peer_allowed(int fd, pid_t& pid) const {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return false;
  pid = cred.pid;
  if (cred.uid == 0 || cred.uid == ::geteuid() || cred.gid == group_) return true;
  for (const gid_t g : groups_of(cred.pid))
    if (g == group_) return true;
  return false;
}

std::size_t ControlSocket::open_clients() const {
  std::size_t n = 0;
  for (const auto& c : clients_) n += c->closing ? 0 : 1;
  return n;
}

void ControlSocket::accept_all() {
  for (;;) {
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;  // EAGAIN, or an error the next poll reports again
    auto c = std::make_unique<Client>();
    c->fd = fd;
    if (!peer_allowed(fd, c->pid)) {
      c->out = encode_error(std::monostate{}, 403, "",
                            "permission denied: only root and members of the control socket's group may use it") +
               "\n";
      c->closing = true;
    } else if (open_clients() >= kMaxClients) {
      c->out = encode_error(std::monostate{}, 503, "",
                            "too many control connections (" + std::to_string(kMaxClients) + "); try again") +
               "\n";
      c->closing = true;
    }
    clients_.push_back(std::move(c));
  }
}

void ControlSocket::answer_lines(Client& c, const Handler& handler, std::uint64_t now_ns) {
  std::size_t start = 0;
  unsigned answered = 0;
  c.throttled = c.backlog = false;
  for (std::size_t nl; (nl = c.in.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view line(c.in.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (answered == kLinesPerTurn) {
      c.backlog = true;
      break;
    }
    ++answered;
    if (!rate_.take(c.pid, now_ns)) {
      c.throttled = true;
      break;
    }
    c.out += handler(line);
    c.out += '\n';
  }
  c.in.erase(0, start);
}

void ControlSocket::read_client(Client& c, const Handler& handler) {
  char buf[65536];
  while (!c.throttled && !c.backlog) {
    const ssize_t n = ::read(c.fd, buf, sizeof buf);
    if (n == 0) {  // end of the peer's requests: write the replies, then close
      c.in.clear();
      c.closing = true;
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        c.closing = true;
        c.out.clear();
      }
      break;
    }
    c.in.append(buf, static_cast<std::size_t>(n));
    // Answer each complete line (while the peer has tokens); keep the rest.
    answer_lines(c, handler, now_ns());
    const std::size_t last_nl = c.in.rfind('\n');
    const std::size_t partial = last_nl == std::string::npos ? c.in.size() : c.in.size() - last_nl - 1;
    if (request_too_long(partial)) {
      c.out += encode_error(std::monostate{}, kInvalid, "",
                            "request line longer than " + std::to_string(kMaxRequestBytes) +
                                " bytes; closing the connection") +
               "\n";
      c.in.clear();
      c.closing = true;
      return;
    }
    if (c.out.size() > kMaxPendingReply) {  // it does not read what it asked for
      c.out.clear();
      c.closing = true;
      return;
    }
  }
}

int ControlSocket::throttle_wait_ms(std::uint64_t now) const {
  std::uint64_t wait = UINT64_MAX;
  for (const auto& c : clients_)
    if (c->throttled && !c->closing) wait = std::min(wait, rate_.wait_ns(c->pid, now));
  if (wait == UINT64_MAX) return -1;
  return static_cast<int>(std::min<std::uint64_t>((wait + 999'999) / 1'000'000, 1000));
}

void ControlSocket::write_client(Client& c) {
  if (send_pending(c.fd, c.out)) return;
  c.out.clear();
  c.closing = true;
}

void ControlSocket::poll_once(int timeout_ms, const Handler& handler) {
  // Peers with lines left from their last turn, and throttled peers whose
  // token is due, go on with the lines they sent.
  const std::uint64_t now = now_ns();
  bool backlog = false;
  for (const auto& c : clients_) {
    if (c->closing || !(c->backlog || (c->throttled && rate_.wait_ns(c->pid, now) == 0))) continue;
    answer_lines(*c, handler, now);
    write_client(*c);
    backlog = backlog || c->backlog;
  }
  if (backlog) timeout_ms = 0;  // more turns are due at once
  if (const int wait = throttle_wait_ms(now); wait >= 0) timeout_ms = std::min(timeout_ms, wait);
  std::vector<pollfd> fds;
  fds.push_back({fd_, POLLIN, 0});
  for (const auto& c : clients_) {
    const bool waiting = c->throttled || c->backlog;
    short events = c->closing || waiting ? 0 : POLLIN;
    if (!c->out.empty()) events |= POLLOUT;
    // A waiting peer with nothing to write is left out (fd -1), so that its
    // hang-up cannot wake the loop before its turn or its next token.
    fds.push_back({events == 0 && waiting ? -1 : c->fd, events, 0});
  }
  if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) return;
  for (std::size_t i = 1; i < fds.size(); ++i) {
    Client& c = *clients_[i - 1];
    if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !c.closing) read_client(c, handler);
    if ((fds[i].revents & (POLLERR | POLLHUP)) != 0 && (fds[i].revents & POLLIN) == 0) {
      c.out.clear();
      c.closing = true;
    }
    write_client(c);
  }
  // Connections that are done go before new ones are counted.
  auto reap = [this] {
    for (auto it = clients_.begin(); it != clients_.end();) {
      if ((*it)->closing && (*it)->out.empty()) {
        ::close((*it)->fd);
        it = clients_.erase(it);
      } else {
        ++it;
      }
    }
  };
  reap();
  // Newly accepted peers get their refusal written at once.
  const std::size_t before = clients_.size();
  if ((fds[0].revents & POLLIN) != 0) accept_all();
  for (std::size_t i = before; i < clients_.size(); ++i) write_client(*clients_[i]);
  reap();
  if (rate_.peers() > clients_.size()) {  // peers gone: forget their buckets once full
    std::vector<pid_t> connected;
    for (const auto& c : clients_) connected.push_back(c->pid);
    rate_.prune(connected, now_ns());
  }
}

}  // namespace taas::ctl
