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

}  // namespace
}  // namespace taas::dp
