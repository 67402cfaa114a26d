// PeerRate (control/peer_rate.hpp): the token bucket per peer, on a clock
// the test moves by hand.

#include "control/peer_rate.hpp"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace taas::ctl {
namespace {

constexpr std::uint64_t kMs = 1'000'000;
constexpr std::uint64_t kT0 = 5'000 * kMs;

unsigned take_all(PeerRate& r, pid_t peer, std::uint64_t now, unsigned up_to = 100000) {
  unsigned n = 0;
  while (n < up_to && r.take(peer, now)) ++n;
  return n;
}

TEST(PeerRate, NoLimitAtRateZero) {
  PeerRate r(0, 0);
  EXPECT_EQ(take_all(r, 7, kT0, 5000), 5000u);
  EXPECT_EQ(r.wait_ns(7, kT0), 0u);
  EXPECT_EQ(r.peers(), 0u);
}

TEST(PeerRate, BurstThenRate) {
  PeerRate r(100, 10);  // 100/s: one token every 10 ms
  EXPECT_EQ(take_all(r, 7, kT0), 10u);
  EXPECT_FALSE(r.take(7, kT0 + 9 * kMs));
  EXPECT_EQ(r.wait_ns(7, kT0 + 9 * kMs), 1 * kMs);
  EXPECT_TRUE(r.take(7, kT0 + 10 * kMs));
  EXPECT_FALSE(r.take(7, kT0 + 10 * kMs));
  // 50 ms later: 5 tokens, not more.
  EXPECT_EQ(take_all(r, 7, kT0 + 60 * kMs), 5u);
  // A long pause fills the bucket to the burst only.
  EXPECT_EQ(take_all(r, 7, kT0 + 3'600'000 * kMs), 10u);
}

TEST(PeerRate, SustainedRateOverOneSecond) {
  PeerRate r(250, 250);
  unsigned answered = take_all(r, 1, kT0);
  for (std::uint64_t t = 1; t <= 1000; ++t) answered += take_all(r, 1, kT0 + t * kMs);
  EXPECT_EQ(answered, 500u);  // the burst, then 250 in the second
}

TEST(PeerRate, PeersHaveTheirOwnBuckets) {
  PeerRate r(10, 3);
  EXPECT_EQ(take_all(r, 1, kT0), 3u);
  EXPECT_EQ(take_all(r, 2, kT0), 3u);
  EXPECT_GT(r.wait_ns(1, kT0), 0u);
  EXPECT_EQ(r.wait_ns(3, kT0), 0u);  // unknown peer: a full bucket
  EXPECT_EQ(r.peers(), 2u);
}

TEST(PeerRate, WaitIsWhenTheNextTokenIsDue) {
  PeerRate r(3, 1);  // one token every 333,333,334 ns
  ASSERT_TRUE(r.take(9, kT0));
  const std::uint64_t wait = r.wait_ns(9, kT0);
  EXPECT_GE(wait, 333'333'333u);
  EXPECT_LE(wait, 333'333'334u);
  EXPECT_FALSE(r.take(9, kT0 + wait - 1));
  EXPECT_TRUE(r.take(9, kT0 + wait));
}

TEST(PeerRate, PruneKeepsConnectedAndUnrefilledPeers) {
  PeerRate r(10, 2);
  ASSERT_EQ(take_all(r, 1, kT0), 2u);
  ASSERT_EQ(take_all(r, 2, kT0), 2u);
  // Peer 2 is gone but has not refilled: reconnecting must not reset it.
  r.prune(std::vector<pid_t>{1}, kT0 + 50 * kMs);
  EXPECT_EQ(r.peers(), 2u);
  EXPECT_EQ(take_all(r, 2, kT0 + 50 * kMs), 0u);
  // Once full again (200 ms), only the connected peer is kept.
  r.prune(std::vector<pid_t>{1}, kT0 + 300 * kMs);
  EXPECT_EQ(r.peers(), 1u);
  r.prune(std::vector<pid_t>{}, kT0 + 300 * kMs);
  EXPECT_EQ(r.peers(), 0u);
}

TEST(PeerRate, ClockGoingBackwardsEarnsNothing) {
  PeerRate r(1000, 1);
  ASSERT_TRUE(r.take(4, kT0));
  EXPECT_FALSE(r.take(4, kT0 - 500 * kMs));
  EXPECT_TRUE(r.take(4, kT0 + 1 * kMs));
}

TEST(PeerRate, HighRatesDoNotOverflow) {
  PeerRate r(1'000'000, 1'000'000);
  EXPECT_EQ(take_all(r, 4, kT0, 2'000'000), 1'000'000u);
  EXPECT_EQ(take_all(r, 4, kT0 + 1000 * kMs * 3600 * 24 * 365, 2'000'000), 1'000'000u);
}

}  // namespace
}  // namespace taas::ctl
