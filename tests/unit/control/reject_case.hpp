#pragma once
// A table row of the intent rejection tests (intent_reject_test.cpp,
// intent_remote_test.cpp) and the check every row gets: the intent is
// rejected, and the error names the file, the field's YAML path, its line
// (and column, when the row gives one) and what is wrong.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "control/intent.hpp"

namespace taas::ctl::test {

struct RejectCase {
  const char* name;
  std::string yaml;
  std::string field;
  int line;
  std::string fragment;
  int column = 0;  // 0: not checked
};

inline void expect_rejected(const RejectCase& c) {
  const auto result = compile_intent(c.yaml, "bad.yaml");
  ASSERT_FALSE(result.ok()) << "accepted:\n" << c.yaml;
  const Error& e = result.error();
  EXPECT_EQ(e.file, "bad.yaml");
  EXPECT_EQ(e.field, c.field) << e.to_string() << "\n" << c.yaml;
  EXPECT_EQ(e.line, c.line) << e.to_string() << "\n" << c.yaml;
  if (c.column != 0) {
    EXPECT_EQ(e.column, c.column) << e.to_string();
  }
  EXPECT_GT(e.column, 0) << e.to_string();
  EXPECT_THAT(e.message, ::testing::HasSubstr(c.fragment)) << e.to_string();
}

/// Names each instantiated row after its `name`.
inline std::string reject_case_name(const ::testing::TestParamInfo<RejectCase>& info) {
  return info.param.name;
}

}  // namespace taas::ctl::test
