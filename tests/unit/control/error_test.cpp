// Error::to_string: "file:line:col: field: message", empty parts left out.

#include <gtest/gtest.h>

#include "control/result.hpp"

namespace taas::ctl {
namespace {

TEST(ErrorToString, AllParts) {
  const Error e{"intent.yaml", 12, 5, "tap_flows[2].direction", "bad"};
  EXPECT_EQ(e.to_string(), "intent.yaml:12:5: tap_flows[2].direction: bad");
}

TEST(ErrorToString, LeavesOutEmptyParts) {
  EXPECT_EQ((Error{"f.yaml", 0, 0, "", "no such file"}).to_string(), "f.yaml: no such file");
  EXPECT_EQ((Error{"f.yaml", 3, 0, "", "m"}).to_string(), "f.yaml:3: m");
  EXPECT_EQ((Error{"", 3, 7, "ports", "m"}).to_string(), "3:7: ports: m");
  EXPECT_EQ((Error{"", 0, 0, "ports[0].role", "m"}).to_string(), "ports[0].role: m");
  EXPECT_EQ((Error{"", 0, 0, "", "m"}).to_string(), "m");
}

}  // namespace
}  // namespace taas::ctl
