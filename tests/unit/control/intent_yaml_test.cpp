// Malformed YAML, odd documents and files: always an Error with a location
// where one exists, never an exception or a crash.

#include <cstdio>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "control/intent.hpp"

namespace taas::ctl {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Error reject(const std::string& yaml) {
  const auto result = compile_intent(yaml, "x.yaml");
  EXPECT_FALSE(result.ok()) << "accepted:\n" << yaml;
  return result.ok() ? Error{} : result.error();
}

TEST(IntentYaml, SyntaxErrorHasLine) {
  const Error e = reject("version: 1\nnetworks: [{name: a, vlan: 1}\nports: []\n");
  EXPECT_EQ(e.file, "x.yaml");
  EXPECT_EQ(e.line, 3);
  EXPECT_GT(e.column, 0);
  EXPECT_THAT(e.message, HasSubstr("YAML syntax error"));
  EXPECT_THAT(e.to_string(), StartsWith("x.yaml:3:"));
}

TEST(IntentYaml, IllegalMapValue) {
  const Error e = reject("version: 1\nports: a: b\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_THAT(e.message, HasSubstr("YAML syntax error"));
}

TEST(IntentYaml, UnterminatedQuote) {
  const Error e = reject("version: 1\nports:\n  - {name: \"vm1, device: d}\n");
  EXPECT_GE(e.line, 3);
  EXPECT_THAT(e.message, HasSubstr("YAML syntax error"));
}

TEST(IntentYaml, UndefinedAlias) {
  const Error e = reject("version: 1\nports: *nothing\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_THAT(e.message, HasSubstr("anchor"));
}

TEST(IntentYaml, EmptyDocuments) {
  for (const char* text : {"", "   \n\n", "# only a comment\n", "---\n", "~\n"}) {
    const Error e = reject(text);
    EXPECT_THAT(e.message, HasSubstr("the intent is empty")) << "'" << text << "'";
    EXPECT_EQ(e.file, "x.yaml");
  }
}

TEST(IntentYaml, DocumentMustBeAMapping) {
  Error e = reject("- version: 1\n");
  EXPECT_EQ(e.line, 1);
  EXPECT_THAT(e.message, HasSubstr("expected a mapping"));
  EXPECT_THAT(e.message, HasSubstr("got a list"));
  e = reject("hello\n");
  EXPECT_THAT(e.message, HasSubstr("got 'hello'"));
}

TEST(IntentYaml, OneDocumentOnly) {
  const Error e = reject("version: 1\n---\nversion: 1\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_THAT(e.message, HasSubstr("expected one YAML document, found 2"));
}

TEST(IntentYaml, StrayCommaIsASyntaxErrorNotAnEndlessLoop) {
  // yaml-cpp 0.7's LoadAll loops forever, allocating, on these.
  Error e = reject(",\n");
  EXPECT_EQ(e.line, 1);
  EXPECT_THAT(e.message, HasSubstr("YAML syntax error: unexpected ','"));
  e = reject(",version: 1\nnetworks: []\n");
  EXPECT_EQ(e.line, 1);
  EXPECT_THAT(e.message, HasSubstr("unexpected ','"));
  e = reject("version: 1\n---\n,\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_THAT(e.message, HasSubstr("unexpected ','"));
}

TEST(IntentYaml, DeepNestingIsAnErrorNotACrash) {
  const Error e = reject("version: 1\nports: " + std::string(100000, '[') + "\n");
  EXPECT_FALSE(e.message.empty());
}

TEST(IntentYaml, BinaryGarbageIsAnError) {
  std::string garbage = "version: 1\n";
  for (int i = 0; i < 256; ++i) garbage += static_cast<char>(i);
  const auto result = compile_intent(garbage, "x.yaml");
  EXPECT_FALSE(result.ok());
}

TEST(IntentYaml, MergeKeysAreNotSupportedAndSaySo) {
  // yaml-cpp 0.7 does not implement '<<'; it must not be silently ignored.
  const Error e = reject("version: 1\nnetworks:\n  - &n {name: a, vlan: 1}\n  - {<<: *n, name: b}\n");
  EXPECT_EQ(e.field, "networks[1].<<");
  EXPECT_EQ(e.line, 4);
  EXPECT_THAT(e.message, HasSubstr("unknown field '<<'"));
}

TEST(IntentYaml, AnchorsAndAliasesWork) {
  const auto result = compile_intent(
      "version: 1\ndataplane: {eal: &args [--no-huge]}\nnetworks: [{name: a, vlan: &v 7}]\n", "x.yaml");
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result.value().networks[0].vlan, 7);
}

TEST(IntentYaml, MissingFileNamesTheFile) {
  const std::string path = ::testing::TempDir() + "/no-such-dir/intent.yaml";
  const auto result = load_intent_file(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().file, path);
  EXPECT_THAT(result.error().to_string(), HasSubstr(path));
  EXPECT_THAT(result.error().message, HasSubstr("No such file"));
}

TEST(IntentYaml, LoadsAFileAndLabelsErrorsWithItsName) {
  const std::string path = ::testing::TempDir() + "/taas-intent-test.yaml";
  {
    std::ofstream out(path);
    out << "version: 1\nnetworks: [{name: a, vlan: 1}]\n";
  }
  const auto ok = load_intent_file(path);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok.value().source, path);
  {
    std::ofstream out(path);
    out << "version: 1\nnetworks: [{name: a, vlan: 5000}]\n";
  }
  const auto bad = load_intent_file(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().to_string(),
            path + ":2:28: networks[0].vlan: out of range; expected an integer in 1..4094, got 5000");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace taas::ctl
