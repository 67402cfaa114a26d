#pragma once
// A small HTTP/1.1 server for the control thread (issue 7: the Neutron
// Tap-as-a-Service API). This is the I/O and the framing only: a
// non-blocking TCP listener driven by poll(2), like the control socket
// (control_socket.hpp). What a request means is the handler's business.
//
// What it speaks: a request line, headers and a body of Content-Length
// bytes (a request with Transfer-Encoding gets 411 and the connection is
// closed: no chunked request bodies); persistent connections (HTTP/1.1
// unless "Connection: close", HTTP/1.0 only with "Connection: keep-alive");
// pipelined requests answered in order; "Expect: 100-continue" answered
// with 100 before the body is read. Every reply carries Content-Length
// (none on 204, whose body is empty); a HEAD request gets the headers of
// the reply its handler gave, without the body.
//
// Limits: kMaxHeaderBytes of request line and headers (431, then close),
// kMaxBodyBytes of body (413, then close), kMaxClients connections (the
// next one gets a 503 and is closed), a connection idle for kIdleTimeout
// is closed, a peer that does not read its replies is disconnected once
// kMaxPendingReply bytes wait for it. Malformed requests get 400 (505 for
// an HTTP version other than 1.0 and 1.1) and the connection is closed.
//
// Control thread only; poll_once never blocks longer than its timeout.

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "control/result.hpp"

namespace taas::ctl {

/// One request as received. Header names are lowercased; values have their
/// surrounding blanks removed.
struct HttpRequest {
  std::string method;  // as sent, e.g. "GET"
  std::string target;  // the request-target as sent, e.g. "/v2.0/ports?name=vm1"
  std::string path;    // target up to '?', not decoded
  std::string query;   // after '?', not decoded ("" when none)
  int minor_version = 1;  // HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// The value of the first header named `name` (lowercase), or nullptr.
  const std::string* header(std::string_view name) const;
};

/// A reply. The server adds the status line, Content-Length and Connection.
struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";  // not sent when the body is empty
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones
  std::string body;
};

/// "OK", "Not Found", ... ("Unknown" for a code it does not know).
std::string_view http_reason(int status) noexcept;

/// An address to listen on: "HOST:PORT" with HOST an IPv4 address, an IPv6
/// address in brackets ("[::1]:9696") or "localhost" (127.0.0.1); PORT 0 to
/// 65535 (0: any free port).
struct ListenAddress {
  sockaddr_storage addr{};
  socklen_t len = 0;
  bool loopback = false;  // 127.0.0.0/8, ::1, or IPv4-mapped 127.0.0.0/8
  std::string text;       // as given
};

/// Parses `text` (see ListenAddress). Errors say what was expected; their
/// field is `option` (e.g. "--neutron-api").
Result<ListenAddress> parse_listen_address(const std::string& text, const std::string& option);

class HttpServer {
 public:
  static constexpr std::size_t kMaxClients = 64;
  static constexpr std::size_t kMaxHeaderBytes = std::size_t{64} << 10;
  static constexpr std::size_t kMaxBodyBytes = std::size_t{1} << 20;
  static constexpr std::size_t kMaxPendingReply = std::size_t{64} << 20;
  static constexpr std::chrono::seconds kIdleTimeout{120};

  /// Binds and listens on `address` (SO_REUSEADDR). Errors name the address
  /// and the reason; their field is the address's option.
  static Result<std::unique_ptr<HttpServer>> open(const ListenAddress& address, const std::string& option);

  /// Closes every connection and the listener.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Maps one complete request to its reply. Must not throw.
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  /// Builds the reply for an error the server answers itself (400, 411,
  /// 413, 431, 503, ...): the API's error shape. Default: plain text.
  using ErrorBody = HttpResponse (*)(int status, const std::string& message);
  void set_error_body(ErrorBody error_body) noexcept { error_body_ = error_body; }

  /// Waits up to `timeout_ms` for activity, then accepts, reads, answers
  /// every complete request (in order, per connection), writes what it can
  /// and closes idle or finished connections.
  void poll_once(int timeout_ms, const Handler& handler);

  /// The TCP port actually bound (the one chosen when 0 was asked for).
  std::uint16_t port() const noexcept { return port_; }
  std::size_t clients() const noexcept { return clients_.size(); }

 private:
  struct Client {
    int fd = -1;
    std::string in;
    std::string out;
    bool closing = false;     // close once `out` is written
    bool continued = false;   // "100 Continue" sent for the request being read
    std::chrono::steady_clock::time_point last_active;
  };
  HttpServer(int fd, std::uint16_t port) : fd_(fd), port_(port) {}
  void accept_all();
  std::size_t open_clients() const;
  void read_client(Client& c, const Handler& handler);
  /// Answers the complete requests at the front of c.in; stops at a partial
  /// one (sending 100 Continue when asked) or when the connection closes.
  void serve_buffered(Client& c, const Handler& handler);
  void write_client(Client& c);
  void reap();
  /// The reply text for an error the server answers itself; it closes.
  std::string error_reply(int status, const std::string& message) const;

  int fd_ = -1;
  ErrorBody error_body_ = nullptr;
  std::uint16_t port_ = 0;
  std::vector<std::unique_ptr<Client>> clients_;
};

/// The reply text for `response` (status line, headers, body). `keep_alive`
/// false adds "Connection: close"; `head` leaves the body out.
std::string serialize_response(const HttpResponse& response, bool keep_alive, bool head);

/// What parse_request_head found at the front of a buffer.
struct RequestHead {
  enum class State : std::uint8_t { kIncomplete, kComplete, kError };
  State state = State::kIncomplete;
  HttpRequest request;           // without the body
  std::size_t head_bytes = 0;    // request line + headers + the blank line
  std::size_t body_bytes = 0;    // Content-Length
  bool keep_alive = true;
  bool expect_continue = false;
  int error_status = 0;          // kError: 400, 411, 413, 431, 501 or 505
  std::string error_message;
};

/// Parses the request line and headers at the front of `buffer` (exposed
/// for tests). Leading empty lines are skipped (RFC 9112 §2.2).
RequestHead parse_request_head(std::string_view buffer);

}  // namespace taas::ctl
