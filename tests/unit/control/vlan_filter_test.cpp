// The TaaS vlan_filter syntax, accepted and rejected.

#include "control/vlan_filter.hpp"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace taas::ctl {
namespace {

using ::testing::HasSubstr;

std::vector<unsigned> members(const VlanSet& set) {
  std::vector<unsigned> out;
  for (unsigned vid = 0; vid < set.size(); ++vid) {
    if (set.test(vid)) out.push_back(vid);
  }
  return out;
}

std::vector<unsigned> range(unsigned lo, unsigned hi) {
  std::vector<unsigned> out;
  for (unsigned v = lo; v <= hi; ++v) out.push_back(v);
  return out;
}

struct Accept {
  const char* text;
  std::vector<unsigned> vlans;
};

TEST(VlanFilter, Accepts) {
  std::vector<unsigned> taas_example = {9, 18};
  for (unsigned v = 27; v <= 36; ++v) taas_example.push_back(v);
  const Accept cases[] = {
      {"9,18,27-36", taas_example},
      {"100", {100}},
      {"0", {0}},
      {"4095", {4095}},
      {"0-4095", range(0, 4095)},
      {"5-5", {5}},
      {" 9 , 18 ", {9, 18}},
      {"27 - 29", {27, 28, 29}},
      {"18,9,9", {9, 18}},  // order and repeats do not matter
      {"1-3,2-4", {1, 2, 3, 4}},
      {"007", {7}},
  };
  for (const Accept& c : cases) {
    const auto result = parse_vlan_filter(c.text);
    ASSERT_TRUE(result.ok()) << c.text << ": " << result.error().message;
    EXPECT_EQ(members(result.value()), c.vlans) << c.text;
  }
}

struct Reject {
  const char* text;
  const char* fragment;
};

TEST(VlanFilter, Rejects) {
  const Reject cases[] = {
      {"", "empty item"},
      {" ", "empty item"},
      {"9,,18", "empty item"},
      {"9,", "empty item"},
      {",9", "empty item"},
      {"4096", "bad item '4096'"},
      {"10000", "not a VLAN id"},
      {"-1", "bad item '-1'"},
      {"a", "bad item 'a'"},
      {"9;18", "bad item '9;18'"},
      {"1 0", "bad item '1 0'"},
      {"36-27", "range start is above its end"},
      {"1-", "range bounds"},
      {"-", "range bounds"},
      {"1-2-3", "range bounds"},
      {"1-4096", "range bounds"},
      {"0x10", "not a VLAN id"},
      {"+5", "not a VLAN id"},
  };
  for (const Reject& c : cases) {
    const auto result = parse_vlan_filter(c.text);
    ASSERT_FALSE(result.ok()) << "accepted '" << c.text << "'";
    EXPECT_THAT(result.error().message, HasSubstr(c.fragment)) << c.text;
    EXPECT_THAT(result.error().message, HasSubstr("27-36")) << "message shows the syntax";
  }
}

}  // namespace
}  // namespace taas::ctl
