// The learning table alone, with time driven by the test.

#include "dataplane/mac_table.hpp"

#include <gtest/gtest.h>

#include <array>

namespace taas::dp {
namespace {

using Mac = std::array<std::uint8_t, 6>;
constexpr Mac kA{0x02, 0, 0, 0, 0, 0x0a};
constexpr Mac kB{0x02, 0, 0, 0, 0, 0x0b};
constexpr std::uint64_t kAge = 1000;

TEST(MacTable, UnknownUntilLearned) {
  MacTable t(64, kAge);
  EXPECT_EQ(t.lookup(0, kA.data(), 0), kNone);
  t.learn(0, kA.data(), 3, 10);
  EXPECT_EQ(t.lookup(0, kA.data(), 11), 3);
  EXPECT_EQ(t.lookup(0, kB.data(), 11), kNone);
}

TEST(MacTable, NetworksAreSeparate) {
  MacTable t(64, kAge);
  t.learn(0, kA.data(), 1, 0);
  t.learn(1, kA.data(), 2, 0);
  EXPECT_EQ(t.lookup(0, kA.data(), 1), 1);
  EXPECT_EQ(t.lookup(1, kA.data(), 1), 2);
  EXPECT_EQ(t.lookup(2, kA.data(), 1), kNone);
}

TEST(MacTable, EntriesAgeOutAndRefreshKeepsThemAlive) {
  MacTable t(64, kAge);
  t.learn(0, kA.data(), 1, 0);
  t.learn(0, kB.data(), 2, 0);
  EXPECT_EQ(t.lookup(0, kA.data(), kAge - 1), 1);
  t.learn(0, kB.data(), 2, 900);  // B is seen again
  EXPECT_EQ(t.lookup(0, kA.data(), kAge), kNone);  // A aged out
  EXPECT_EQ(t.lookup(0, kB.data(), kAge), 2);
  EXPECT_EQ(t.lookup(0, kB.data(), 900 + kAge), kNone);
  EXPECT_EQ(t.live_entries(kAge), 1u);  // A expired, B refreshed at 900
}

TEST(MacTable, HostMoveUpdatesThePort) {
  MacTable t(64, kAge);
  t.learn(0, kA.data(), 1, 0);
  t.learn(0, kA.data(), 4, 5);
  EXPECT_EQ(t.lookup(0, kA.data(), 6), 4);
  EXPECT_EQ(t.live_entries(6), 1u);
}

TEST(MacTable, FullTableReplacesTheOldestInTheProbeWindow) {
  MacTable t(MacTable::kProbe, 1'000'000);  // one probe window: kProbe slots
  Mac m = kA;
  for (std::uint8_t i = 0; i < MacTable::kProbe; ++i) {
    m[5] = i;
    t.learn(0, m.data(), i, 100 + i);
  }
  EXPECT_EQ(t.live_entries(200), MacTable::kProbe);
  m[5] = 0xee;
  t.learn(0, m.data(), 9, 300);  // evicts the oldest (i = 0)
  EXPECT_EQ(t.lookup(0, m.data(), 301), 9);
  Mac oldest = kA;
  oldest[5] = 0;
  EXPECT_EQ(t.lookup(0, oldest.data(), 301), kNone);
  Mac second = kA;
  second[5] = 1;
  EXPECT_EQ(t.lookup(0, second.data(), 301), 1);
}

// The one-entry memos of learn and lookup must never answer differently
// from the table itself.
TEST(MacTable, RememberedHitFollowsAHostMove) {
  MacTable t(64, kAge);
  t.learn(0, kA.data(), 1, 0);
  EXPECT_EQ(t.lookup(0, kA.data(), 1), 1);  // remembered
  t.learn(0, kA.data(), 2, 2);              // moved before a re-stamp was due
  EXPECT_EQ(t.lookup(0, kA.data(), 3), 2);
  t.learn(0, kA.data(), 1, 4);  // and back
  EXPECT_EQ(t.lookup(0, kA.data(), 5), 1);
}

TEST(MacTable, RememberedHitAgesOut) {
  MacTable t(64, kAge);
  t.learn(0, kA.data(), 1, 0);
  EXPECT_EQ(t.lookup(0, kA.data(), 10), 1);
  EXPECT_EQ(t.lookup(0, kA.data(), kAge), kNone);
}

TEST(MacTable, RepeatedLearnStillRefreshes) {
  MacTable t(64, kAge);
  // A seen every 10 ticks for 3 ages: it never expires, though most of
  // these learns are skipped.
  for (std::uint64_t now = 0; now <= 3 * kAge; now += 10) {
    t.learn(0, kA.data(), 1, now);
    ASSERT_EQ(t.lookup(0, kA.data(), now), 1) << "at " << now;
  }
  EXPECT_EQ(t.lookup(0, kA.data(), 3 * kAge + kAge - kAge / 16), 1);
}

TEST(MacTable, RememberedEntriesEvictedAreForgotten) {
  MacTable t(MacTable::kProbe, 1'000'000);
  Mac m = kA;
  for (std::uint8_t i = 0; i < MacTable::kProbe; ++i) {
    m[5] = i;
    t.learn(0, m.data(), i, 100 + i);
  }
  Mac oldest = kA;
  oldest[5] = 0;
  EXPECT_EQ(t.lookup(0, oldest.data(), 200), 0);  // remembered
  m[5] = 0xee;
  t.learn(0, m.data(), 9, 300);  // evicts it
  EXPECT_EQ(t.lookup(0, oldest.data(), 301), kNone);
  t.learn(0, oldest.data(), 5, 302);  // learned again: evicts the next oldest
  EXPECT_EQ(t.lookup(0, oldest.data(), 303), 5);
  Mac second = kA;
  second[5] = 1;
  EXPECT_EQ(t.lookup(0, second.data(), 303), kNone);
  t.learn(0, second.data(), 7, 304);  // the last learn was another MAC: no skip
  EXPECT_EQ(t.lookup(0, second.data(), 305), 7);
}

}  // namespace
}  // namespace taas::dp
