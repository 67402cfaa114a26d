// HttpServer (control/http_server.hpp): request framing, replies, listen
// addresses, and a real listener on 127.0.0.1 driven by poll_once.

#include "control/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace taas::ctl {
namespace {

using State = RequestHead::State;

TEST(HttpHead, ParsesRequestLineHeadersAndLength) {
  const std::string text =
      "POST /v2.0/taas/tap_flows?name=a%20b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nX-Auth-Token:  t \r\n\r\n{}";
  const RequestHead h = parse_request_head(text);
  ASSERT_EQ(h.state, State::kComplete) << h.error_message;
  EXPECT_EQ(h.request.method, "POST");
  EXPECT_EQ(h.request.path, "/v2.0/taas/tap_flows");
  EXPECT_EQ(h.request.query, "name=a%20b");
  EXPECT_EQ(h.head_bytes, text.size() - 2);
  EXPECT_EQ(h.body_bytes, 2u);
  EXPECT_TRUE(h.keep_alive);
  ASSERT_NE(h.request.header("x-auth-token"), nullptr);
  EXPECT_EQ(*h.request.header("x-auth-token"), "t");
  EXPECT_EQ(h.request.header("X-Auth-Token"), nullptr);  // names are lowercased
}

TEST(HttpHead, IncompleteUntilTheBlankLine) {
  EXPECT_EQ(parse_request_head("GET / HTTP/1.1\r\nHost: h\r\n").state, State::kIncomplete);
  EXPECT_EQ(parse_request_head("").state, State::kIncomplete);
  EXPECT_EQ(parse_request_head("\r\n\r\nGET / HTTP/1.1\n\n").state, State::kComplete);  // bare LF, leading CRLF
}

TEST(HttpHead, KeepAliveFollowsTheVersionAndConnection) {
  EXPECT_FALSE(parse_request_head("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse_request_head("GET / HTTP/1.0\r\n\r\n").keep_alive);
  EXPECT_TRUE(parse_request_head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
  EXPECT_TRUE(parse_request_head("GET http://h:1/v2.0 HTTP/1.1\r\n\r\n").keep_alive);
  EXPECT_EQ(parse_request_head("GET http://h:1/v2.0 HTTP/1.1\r\n\r\n").request.path, "/v2.0");
}

TEST(HttpHead, Refusals) {
  const struct {
    const char* text;
    int status;
  } cases[] = {
      {"GET /\r\n\r\n", 400},
      {"GET  / HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/2.0\r\n\r\n", 505},
      {"GET / FTP/1.0\r\n\r\n", 400},
      {"GET nopath HTTP/1.1\r\n\r\n", 400},
      {"G(T / HTTP/1.1\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411},
      {"POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n", 413},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nBad Name: b\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nExpect: magic\r\n\r\n", 417},
  };
  for (const auto& c : cases) {
    const RequestHead h = parse_request_head(c.text);
    EXPECT_EQ(h.state, State::kError) << c.text;
    EXPECT_EQ(h.error_status, c.status) << c.text << ": " << h.error_message;
  }
  const std::string huge = "GET / HTTP/1.1\r\nX: " + std::string(HttpServer::kMaxHeaderBytes, 'a');
  EXPECT_EQ(parse_request_head(huge).error_status, 431);
  EXPECT_EQ(parse_request_head(huge + "\r\n\r\n").error_status, 431);
  EXPECT_EQ(parse_request_head("POST / HTTP/1.1\r\nContent-Length: 1048576\r\n\r\n").state, State::kComplete);
}

TEST(HttpReply, LengthAndBody) {
  EXPECT_EQ(serialize_response({200, "application/json", {}, "{}"}, true, false),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(serialize_response({204, "application/json", {{"X-A", "1"}}, ""}, false, false),
            "HTTP/1.1 204 No Content\r\nX-A: 1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(serialize_response({200, "text/plain", {}, "abc"}, true, true),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n");
}

TEST(ListenAddress, Forms) {
  auto v4 = parse_listen_address("127.0.0.1:9696", "--neutron-api");
  ASSERT_TRUE(v4.ok());
  EXPECT_TRUE(v4.value().loopback);
  EXPECT_EQ(v4.value().addr.ss_family, AF_INET);
  EXPECT_TRUE(parse_listen_address("127.1.2.3:1", "o").value().loopback);
  EXPECT_TRUE(parse_listen_address("localhost:0", "o").value().loopback);
  EXPECT_TRUE(parse_listen_address("[::1]:9696", "o").value().loopback);
  EXPECT_TRUE(parse_listen_address("[::ffff:127.0.0.1]:9696", "o").value().loopback);
  EXPECT_FALSE(parse_listen_address("0.0.0.0:9696", "o").value().loopback);
  EXPECT_FALSE(parse_listen_address("[::]:9696", "o").value().loopback);
  EXPECT_FALSE(parse_listen_address("192.0.2.1:9696", "o").value().loopback);
  for (const char* bad : {"9696", ":9696", "127.0.0.1:", "127.0.0.1:65536", "::1:9696", "[::1:9696", "host:1",
                          "127.0.0.1:x"}) {
    auto r = parse_listen_address(bad, "--neutron-api");
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().field, "--neutron-api");
    }
  }
}

/// A listener on 127.0.0.1:<any> and blocking-free clients, pumped by hand.
class Live : public ::testing::Test {
 protected:
  void SetUp() override {
    auto address = parse_listen_address("127.0.0.1:0", "test");
    ASSERT_TRUE(address.ok());
    auto opened = HttpServer::open(address.value(), "test");
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    server_ = std::move(opened).value();
    ASSERT_NE(server_->port(), 0);
  }
  void TearDown() override {
    for (const int fd : fds_) ::close(fd);
  }

  int connect_client() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(server_->port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);  // EINPROGRESS on loopback is fine
    fds_.push_back(fd);
    return fd;
  }

  static void send_all(int fd, const std::string& text) {
    std::size_t sent = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (sent < text.size() && std::chrono::steady_clock::now() < deadline) {
      const ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<std::size_t>(n);
    }
  }

  /// Pumps the server until `fd` has received `until` (or closed, or 3 s).
  std::string pump(int fd, const std::string& until, bool* closed = nullptr) {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < deadline) {
      server_->poll_once(1, handler_);
      char buf[65536];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) got.append(buf, static_cast<std::size_t>(n));
      if (n == 0) {
        if (closed != nullptr) *closed = true;
        return got;
      }
      if (!until.empty() && got.find(until) != std::string::npos && closed == nullptr) return got;
    }
    return got;
  }

  std::unique_ptr<HttpServer> server_;
  std::vector<int> fds_;
  std::vector<HttpRequest> seen_;
  HttpServer::Handler handler_ = [this](const HttpRequest& r) {
    seen_.push_back(r);
    return HttpResponse{200, "text/plain", {}, r.method + " " + r.target + " [" + r.body + "]"};
  };
};

TEST_F(Live, KeepAliveAndPipelining) {
  const int fd = connect_client();
  send_all(fd, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(pump(fd, "[]").find("GET /a []"), std::string::npos);
  // Two requests in one write, the second with a body: answered in order.
  send_all(fd, "GET /b HTTP/1.1\r\n\r\nPUT /c HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz");
  const std::string got = pump(fd, "[xyz]");
  ASSERT_NE(got.find("GET /b []"), std::string::npos) << got;
  EXPECT_LT(got.find("GET /b []"), got.find("PUT /c [xyz]"));
  ASSERT_EQ(seen_.size(), 3u);
  EXPECT_EQ(server_->clients(), 1u);
}

TEST_F(Live, BodyInPiecesAndContinue) {
  const int fd = connect_client();
  send_all(fd, "POST /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  EXPECT_EQ(pump(fd, "\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  send_all(fd, "ab");
  server_->poll_once(5, handler_);
  EXPECT_TRUE(seen_.empty());
  send_all(fd, "cd");
  EXPECT_NE(pump(fd, "[abcd]").find("POST /p [abcd]"), std::string::npos);
}

TEST_F(Live, ConnectionCloseIsHonoured) {
  const int fd = connect_client();
  send_all(fd, "GET /x HTTP/1.1\r\nConnection: close\r\n\r\n");
  bool closed = false;
  const std::string got = pump(fd, "", &closed);
  EXPECT_TRUE(closed);
  EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(got.find("GET /x []"), std::string::npos);
}

TEST_F(Live, ChunkedBodyGets411AndTheErrorBodyHook) {
  server_->set_error_body([](int status, const std::string& message) {
    return HttpResponse{status, "application/json", {}, "{\"e\":\"" + message.substr(0, 17) + "\"}"};
  });
  const int fd = connect_client();
  send_all(fd, "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  bool closed = false;
  const std::string got = pump(fd, "", &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 411 Length Required\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("{\"e\":\"Transfer-Encoding\"}"), std::string::npos) << got;
  EXPECT_TRUE(seen_.empty());
}

TEST_F(Live, OversizedBodyGets413) {
  const int fd = connect_client();
  send_all(fd, "PUT /p HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n");
  bool closed = false;
  EXPECT_EQ(pump(fd, "", &closed).rfind("HTTP/1.1 413 ", 0), 0u);
  EXPECT_TRUE(closed);
}

TEST_F(Live, HeadGetsNoBody) {
  const int fd = connect_client();
  send_all(fd, "HEAD /h HTTP/1.1\r\n\r\nGET /g HTTP/1.1\r\n\r\n");
  const std::string got = pump(fd, "GET /g []");
  EXPECT_NE(got.find("Content-Length: 10\r\n\r\nHTTP/1.1 200 OK"), std::string::npos) << got;
  EXPECT_EQ(got.find("HEAD /h"), std::string::npos);
}

TEST_F(Live, TheConnectionOverTheLimitGets503) {
  std::vector<int> held;
  for (std::size_t i = 0; i < HttpServer::kMaxClients; ++i) held.push_back(connect_client());
  for (int i = 0; i < 50 && server_->clients() < HttpServer::kMaxClients; ++i) server_->poll_once(2, handler_);
  ASSERT_EQ(server_->clients(), HttpServer::kMaxClients);
  const int extra = connect_client();
  bool closed = false;
  EXPECT_EQ(pump(extra, "", &closed).rfind("HTTP/1.1 503 ", 0), 0u);
  EXPECT_TRUE(closed);
  // The ones admitted still work.
  send_all(held.front(), "GET /ok HTTP/1.1\r\n\r\n");
  EXPECT_NE(pump(held.front(), "[]").find("GET /ok []"), std::string::npos);
}

TEST_F(Live, MalformedRequestGets400AndClose) {
  const int fd = connect_client();
  send_all(fd, "NOT A REQUEST LINE\r\n\r\n");
  bool closed = false;
  EXPECT_EQ(pump(fd, "", &closed).rfind("HTTP/1.1 400 ", 0), 0u);
  EXPECT_TRUE(closed);
}

}  // namespace
}  // namespace taas::ctl
