// HttpServer (http_server.hpp): a poll(2)-driven HTTP/1.1 server for the
// control thread, built like the control socket (control_socket.cpp).

#include "control/http_server.hpp"
#include "control/fd_io.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace taas::ctl {
namespace {

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

/// RFC 9110 token characters (method and header names).
bool token_char(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) noexcept { return !s.empty() && std::all_of(s.begin(), s.end(), token_char); }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

RequestHead fail(RequestHead head, int status, std::string message) {
  head.state = RequestHead::State::kError;
  head.error_status = status;
  head.error_message = std::move(message);
  return head;
}

/// Whether a comma-separated header value holds `token` (any case).
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

/// Splits the request line "METHOD SP target SP HTTP/1.x" into `head`.
bool request_line(std::string_view line, RequestHead& head) {
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    head = fail(std::move(head), 400, "malformed request line: expected METHOD TARGET HTTP/1.1");
    return false;
  }
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method)) {
    head = fail(std::move(head), 400, "malformed request line: bad method");
    return false;
  }
  if (version == "HTTP/1.1" || version == "HTTP/1.0") {
    head.request.minor_version = version.back() - '0';
  } else {
    const bool http = version.size() == 8 && version.substr(0, 5) == "HTTP/";
    head = fail(std::move(head), http ? 505 : 400,
                http ? "HTTP version not supported: only HTTP/1.0 and HTTP/1.1" : "malformed request line: bad version");
    return false;
  }
  // absolute-form (a proxy's request): keep the path.
  if (target.size() > 7 && (iequals(target.substr(0, 7), "http://") || iequals(target.substr(0, 8), "https://"))) {
    const std::size_t slash = target.find('/', target.find("//") + 2);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  if (target.empty() || (target.front() != '/' && target != "*")) {
    head = fail(std::move(head), 400, "malformed request target: expected a path starting with '/'");
    return false;
  }
  for (const char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      head = fail(std::move(head), 400, "malformed request target: control character or blank");
      return false;
    }
  }
  head.request.method = std::string(method);
  head.request.target = std::string(target);
  const std::size_t q = target.find('?');
  head.request.path = std::string(target.substr(0, q));
  head.request.query = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
  return true;
}

/// Content-Length, Transfer-Encoding, Connection, Expect.
RequestHead framing(RequestHead head) {
  bool has_length = false;
  bool close = head.request.minor_version == 0;
  for (const auto& [name, value] : head.request.headers) {
    if (name == "transfer-encoding") {
      return fail(std::move(head), 411,
                  "Transfer-Encoding is not supported for request bodies: send the body with Content-Length");
    }
    if (name == "content-length") {
      if (value.empty() || value.size() > 12 || value.find_first_not_of("0123456789") != std::string::npos)
        return fail(std::move(head), 400, "malformed Content-Length: " + value);
      const std::size_t n = std::stoull(value);
      if (has_length && n != head.body_bytes) return fail(std::move(head), 400, "conflicting Content-Length headers");
      has_length = true;
      head.body_bytes = n;
    } else if (name == "connection") {
      if (has_token(value, "close")) close = true;
      if (has_token(value, "keep-alive")) close = false;
    } else if (name == "expect") {
      if (!iequals(value, "100-continue")) return fail(std::move(head), 417, "only 'Expect: 100-continue' is supported");
      head.expect_continue = head.request.minor_version == 1;
    }
  }
  if (head.body_bytes > HttpServer::kMaxBodyBytes) {
    return fail(std::move(head), 413,
                "request body of " + std::to_string(head.body_bytes) + " bytes; at most " +
                    std::to_string(HttpServer::kMaxBodyBytes) + " are accepted");
  }
  head.keep_alive = !close;
  head.state = RequestHead::State::kComplete;
  return head;
}

}  // namespace

const std::string* HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (key == name) return &value;
  return nullptr;
}

std::string_view http_reason(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 300: return "Multiple Choices";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string serialize_response(const HttpResponse& r, bool keep_alive, bool head) {
  const bool no_body = r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200);
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + std::string(http_reason(r.status)) + "\r\n";
  if (!no_body) {
    if (!r.body.empty()) out += "Content-Type: " + r.content_type + "\r\n";
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  }
  for (const auto& [name, value] : r.headers) out += name + ": " + value + "\r\n";
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  if (!no_body && !head) out += r.body;
  return out;
}

RequestHead parse_request_head(std::string_view buffer) {
  RequestHead head;
  std::size_t start = 0;
  while (start < buffer.size() && (buffer[start] == '\r' || buffer[start] == '\n')) ++start;
  std::size_t pos = start;
  bool first = true;
  for (;;) {
    const std::size_t nl = buffer.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (buffer.size() - start > HttpServer::kMaxHeaderBytes)
        return fail(std::move(head), 431, "request line and headers longer than 65536 bytes");
      return head;  // incomplete
    }
    if (nl + 1 - start > HttpServer::kMaxHeaderBytes)
      return fail(std::move(head), 431, "request line and headers longer than 65536 bytes");
    std::string_view line = buffer.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (first) {
      if (!request_line(line, head)) return head;
      first = false;
      continue;
    }
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') return fail(std::move(head), 400, "folded header lines are not accepted");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
      return fail(std::move(head), 400, "malformed header line");
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), lower);
    head.request.headers.emplace_back(std::move(name), std::string(trim(line.substr(colon + 1))));
  }
  head.head_bytes = pos;
  return framing(std::move(head));
}

Result<ListenAddress> parse_listen_address(const std::string& text, const std::string& option) {
  auto bad = [&](const std::string& why) { return Error{"", 0, 0, option, "'" + text + "': " + why}; };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad("expected ADDRESS:PORT, e.g. 127.0.0.1:9696");
  const std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535) {
    return bad("the port must be a number from 0 to 65535");
  }
  ListenAddress out;
  out.text = text;
  const auto port_n = htons(static_cast<std::uint16_t>(std::stoul(port)));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = port_n;
    if (::inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a.sin6_addr) != 1)
      return bad("not an IPv6 address in brackets");
    const std::uint8_t* b = a.sin6_addr.s6_addr;
    out.loopback = IN6_IS_ADDR_LOOPBACK(&a.sin6_addr) || (IN6_IS_ADDR_V4MAPPED(&a.sin6_addr) && b[12] == 127);
    std::memcpy(&out.addr, &a, sizeof a);
    out.len = sizeof a;
    return out;
  }
  if (host.find(':') != std::string::npos) return bad("write an IPv6 address in brackets, e.g. [::1]:9696");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = port_n;
  if (::inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host.c_str(), &a.sin_addr) != 1)
    return bad("expected an IPv4 address, [IPv6] or localhost before the port");
  out.loopback = (ntohl(a.sin_addr.s_addr) >> 24) == 127;
  std::memcpy(&out.addr, &a, sizeof a);
  out.len = sizeof a;
  return out;
}

Result<std::unique_ptr<HttpServer>> HttpServer::open(const ListenAddress& address, const std::string& option) {
  auto error = [&](const std::string& what) {
    return Error{"", 0, 0, option, "cannot " + what + " " + address.text + ": " + std::strerror(errno)};
  };
  const int fd = ::socket(address.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return error("create a socket for");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address.addr), address.len) != 0 || ::listen(fd, 64) != 0) {
    Error e = error("listen on");
    ::close(fd);
    return e;
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  std::uint16_t port = 0;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port
                                             : reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  }
  return std::unique_ptr<HttpServer>(new HttpServer(fd, port));
}

std::string HttpServer::error_reply(int status, const std::string& message) const {
  const HttpResponse r = error_body_ != nullptr ? error_body_(status, message)
                                                : HttpResponse{status, "text/plain; charset=utf-8", {}, message + "\n"};
  return serialize_response(r, false, false);
}

HttpServer::~HttpServer() {
  for (const auto& c : clients_) ::close(c->fd);
  if (fd_ >= 0) ::close(fd_);
}

std::size_t HttpServer::open_clients() const {
  std::size_t n = 0;
  for (const auto& c : clients_) n += c->closing ? 0 : 1;
  return n;
}

void HttpServer::accept_all() {
  for (;;) {
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;  // EAGAIN, or an error the next poll reports again
    auto c = std::make_unique<Client>();
    c->fd = fd;
    c->last_active = std::chrono::steady_clock::now();
    if (open_clients() >= kMaxClients) {
      c->out = error_reply(503, "too many connections (" + std::to_string(kMaxClients) + "); try again");
      c->closing = true;
    }
    clients_.push_back(std::move(c));
  }
}

void HttpServer::serve_buffered(Client& c, const Handler& handler) {
  while (!c.closing) {
    RequestHead head = parse_request_head(c.in);
    if (head.state == RequestHead::State::kIncomplete) return;
    if (head.state == RequestHead::State::kError) {
      c.out += error_reply(head.error_status, head.error_message);
      c.in.clear();
      c.closing = true;
      return;
    }
    if (c.in.size() - head.head_bytes < head.body_bytes) {
      if (head.expect_continue && !c.continued) {
        c.out += "HTTP/1.1 100 Continue\r\n\r\n";
        c.continued = true;
      }
      return;
    }
    HttpRequest request = std::move(head.request);
    request.body = c.in.substr(head.head_bytes, head.body_bytes);
    c.in.erase(0, head.head_bytes + head.body_bytes);
    c.continued = false;
    const HttpResponse response = handler(request);
    c.out += serialize_response(response, head.keep_alive, request.method == "HEAD");
    if (!head.keep_alive) {
      c.in.clear();
      c.closing = true;
    }
  }
}

void HttpServer::read_client(Client& c, const Handler& handler) {
  // A bounded number of reads per poll: one busy peer cannot hold the loop.
  char buf[65536];
  for (int reads = 0; reads < 16 && !c.closing; ++reads) {
    const ssize_t n = ::read(c.fd, buf, sizeof buf);
    if (n == 0) {  // the peer is done sending: answer what is complete, then close
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
      return;
    }
    c.last_active = std::chrono::steady_clock::now();
    c.in.append(buf, static_cast<std::size_t>(n));
    serve_buffered(c, handler);
    if (c.out.size() > kMaxPendingReply) {  // it does not read what it asked for
      c.out.clear();
      c.closing = true;
      return;
    }
  }
}

void HttpServer::write_client(Client& c) {
  const std::size_t before = c.out.size();
  if (!send_pending(c.fd, c.out)) {
    c.out.clear();
    c.closing = true;
    return;
  }
  if (c.out.size() != before) c.last_active = std::chrono::steady_clock::now();
}

void HttpServer::reap() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = clients_.begin(); it != clients_.end();) {
    Client& c = **it;
    if ((c.closing && c.out.empty()) || now - c.last_active > kIdleTimeout) {
      ::close(c.fd);
      it = clients_.erase(it);
    } else {
      ++it;
    }
  }
}

void HttpServer::poll_once(int timeout_ms, const Handler& handler) {
  std::vector<pollfd> fds;
  fds.push_back({fd_, POLLIN, 0});
  for (const auto& c : clients_) {
    short events = c->closing ? 0 : POLLIN;
    if (!c->out.empty()) events |= POLLOUT;
    fds.push_back({c->fd, events, 0});
  }
  if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) {
    reap();  // idle timeouts
    return;
  }
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
  reap();
  const std::size_t before = clients_.size();
  if ((fds[0].revents & POLLIN) != 0) accept_all();
  for (std::size_t i = before; i < clients_.size(); ++i) write_client(*clients_[i]);
  reap();
}

}  // namespace taas::ctl
