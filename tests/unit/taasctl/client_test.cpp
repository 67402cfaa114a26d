// taasctl's socket I/O (taasctl/client.hpp) against a fake taasd: one line
// out, one line back, and every way that can fail.

#include "taasctl/client.hpp"

#include <string>

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "tests/unit/taasctl/fake_server.hpp"

namespace taas::ctl::cli {
namespace {

using test::FakeServer;
using test::Step;
using namespace std::chrono_literals;

TEST(TaasctlClient, SendsOneLineAndReadsOneLine) {
  FakeServer server({{R"({"v":1,"id":null,"ok":true,"result":null})"
                      "\n"}});
  const Exchange e = round_trip(server.path(), R"({"v":1,"op":"health"})", 5s);
  ASSERT_TRUE(e.ok()) << e.error.message;
  EXPECT_EQ(e.reply, R"({"v":1,"id":null,"ok":true,"result":null})");
  EXPECT_EQ(server.requests(), std::vector<std::string>{R"({"v":1,"op":"health"})"});
}

TEST(TaasctlClient, IgnoresWhatFollowsTheFirstLine) {
  FakeServer server({{"first\nsecond\n"}});
  const Exchange e = round_trip(server.path(), "x", 5s);
  ASSERT_TRUE(e.ok()) << e.error.message;
  EXPECT_EQ(e.reply, "first");
}

TEST(TaasctlClient, ReadsAReplyLargerThanOneBuffer) {
  const std::string big(300000, 'a');
  FakeServer server({{big + "\n"}});
  const Exchange e = round_trip(server.path(), "x", 5s);
  ASSERT_TRUE(e.ok()) << e.error.message;
  EXPECT_EQ(e.reply, big);
}

TEST(TaasctlClient, SendsARequestLargerThanTheSocketBuffer) {
  const std::string big(1 << 20, 'r');
  FakeServer server({{"ok\n"}});
  const Exchange e = round_trip(server.path(), big, 5s);
  ASSERT_TRUE(e.ok()) << e.error.message;
  EXPECT_EQ(server.requests(), std::vector<std::string>{big});
}

TEST(TaasctlClient, ReadsAnEarlyReplyToARequestTheServerStoppedReading) {
  // taasd answers an over-long line with a 400 and closes without reading it all.
  FakeServer server({{"rejected\n", false, true}});
  const Exchange e = round_trip(server.path(), std::string(8 << 20, 'r'), 5s);
  ASSERT_TRUE(e.ok()) << e.error.message;
  EXPECT_EQ(e.reply, "rejected");
}

TEST(TaasctlClient, CapsTheReplySize) {
  FakeServer server({{std::string(17, 'a') + "\n"}});
  const Exchange e = round_trip(server.path(), "x", 5s, 16);
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.error.kind, TransportFailure::kProtocol);
  EXPECT_EQ(e.error.message, server.path() + ": reply longer than 16 bytes");
}

TEST(TaasctlClient, AReplyOfExactlyTheCapIsFine) {
  FakeServer server({{std::string(16, 'a') + "\n"}});
  const Exchange e = round_trip(server.path(), "x", 5s, 16);
  ASSERT_TRUE(e.ok()) << e.error.message;
  EXPECT_EQ(e.reply, std::string(16, 'a'));
}

TEST(TaasctlClient, ConnectionClosedWithoutAReply) {
  FakeServer server({{""}});
  const Exchange e = round_trip(server.path(), "x", 5s);
  EXPECT_EQ(e.error.kind, TransportFailure::kProtocol);
  EXPECT_EQ(e.error.message, server.path() + ": connection closed without a reply");
}

TEST(TaasctlClient, ConnectionClosedInsideTheReply) {
  FakeServer server({{R"({"v":1,"ok":)"}});
  const Exchange e = round_trip(server.path(), "x", 5s);
  EXPECT_EQ(e.error.kind, TransportFailure::kProtocol);
  EXPECT_EQ(e.error.message, server.path() + ": connection closed inside the reply");
}

TEST(TaasctlClient, GivesUpAfterTheTimeout) {
  FakeServer server({{"", true}});
  const auto start = std::chrono::steady_clock::now();
  const Exchange e = round_trip(server.path(), "x", 200ms);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.error.kind, TransportFailure::kProtocol);
  EXPECT_EQ(e.error.message, server.path() + ": no reply within 200 ms");
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 3s);
  EXPECT_EQ(server.requests(), std::vector<std::string>{"x"});
}

TEST(TaasctlClient, TimeoutInWholeSecondsSaysSeconds) {
  FakeServer server({{"", true}});
  const Exchange e = round_trip(server.path(), "x", 1s);
  EXPECT_EQ(e.error.message, server.path() + ": no reply within 1 s");
}

TEST(TaasctlClient, NoSocketIsUnreachable) {
  const Exchange e = round_trip("/tmp/taasctl-no-such-dir/taasd.sock", "x", 1s);
  EXPECT_EQ(e.error.kind, TransportFailure::kUnreachable);
  EXPECT_EQ(e.error.message, "cannot connect to /tmp/taasctl-no-such-dir/taasd.sock: No such file or directory");
}

TEST(TaasctlClient, NothingListeningIsUnreachable) {
  FakeServer server({});
  // A socket file that nobody listens on any more: taasd died.
  const std::string stale = server.path() + ".stale";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, stale.c_str(), stale.size() + 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);
  const Exchange e = round_trip(stale, "x", 1s);
  ::unlink(stale.c_str());
  EXPECT_EQ(e.error.kind, TransportFailure::kUnreachable);
  EXPECT_EQ(e.error.message, "cannot connect to " + stale + ": Connection refused");
}

TEST(TaasctlClient, PathTooLongForAUnixSocket) {
  const std::string path = "/tmp/" + std::string(200, 'p');
  const Exchange e = round_trip(path, "x", 1s);
  EXPECT_EQ(e.error.kind, TransportFailure::kUnreachable);
  EXPECT_EQ(e.error.message, "cannot connect to " + path + ": File name too long");
}

}  // namespace
}  // namespace taas::ctl::cli
