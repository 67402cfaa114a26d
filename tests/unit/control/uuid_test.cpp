#include "control/uuid.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace taas::ctl {
namespace {

TEST(Uuid, AcceptsCanonicalFormInAnyCase) {
  EXPECT_TRUE(is_uuid("0f576381-e461-4807-bb11-5d57624b30a0"));
  EXPECT_TRUE(is_uuid("0F576381-E461-4807-BB11-5D57624B30A0"));
  EXPECT_TRUE(is_uuid("00000000-0000-0000-0000-000000000000"));
}

TEST(Uuid, RejectsOtherForms) {
  for (const char* bad : {"", "0f576381e4614807bb115d57624b30a0", "0f576381-e461-4807-bb11-5d57624b30a",
                          "0f576381-e461-4807-bb11-5d57624b30a00", "{0f576381-e461-4807-bb11-5d57624b30a0}",
                          "0f576381-e461-4807-bb11_5d57624b30a0", "0f576381-e461-4807-bb11-5d57624b30ag",
                          "0f57638-1e461-4807-bb11-5d57624b30a0", " 0f576381-e461-4807-bb11-5d57624b30a"}) {
    EXPECT_FALSE(is_uuid(bad)) << bad;
  }
}

TEST(Uuid, NormalizesToLowercase) {
  EXPECT_EQ(normalize_uuid("0F576381-E461-4807-BB11-5D57624B30A0"), "0f576381-e461-4807-bb11-5d57624b30a0");
}

TEST(Uuid, GeneratesDistinctVersion4) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string uuid = generate_uuid_v4();
    ASSERT_TRUE(is_uuid(uuid)) << uuid;
    EXPECT_EQ(uuid, normalize_uuid(uuid));
    EXPECT_EQ(uuid[14], '4') << uuid;                                  // version
    EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos);  // variant 10xx
    seen.insert(uuid);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace taas::ctl
