// JsonWriter output against literal expected text, and the strict JSON
// reader (json_read.hpp) that reads it back: grammar, kinds, typed fields.

#include "control/json_writer.hpp"

#include <string>

#include <gtest/gtest.h>

#include "control/json_read.hpp"

namespace taas::ctl {
namespace {

std::string written_string(std::string_view text) {
  JsonWriter w;
  w.string(text);
  EXPECT_TRUE(w.complete());
  return w.str();
}

/// Parses `json` as one string value and returns it.
std::string read_back(const std::string& json) {
  auto node = load_json(json);
  EXPECT_TRUE(node.ok()) << json << ": " << (node.ok() ? "" : node.error().to_string());
  if (!node.ok()) return "<error>";
  EXPECT_EQ(json_kind(node.value()), JsonKind::kString) << json;
  return node.value().Scalar();
}

TEST(JsonWriter, EscapesQuotesBackslashAndShortForms) {
  EXPECT_EQ(written_string("a\"b"), R"("a\"b")");
  EXPECT_EQ(written_string("a\\b"), R"("a\\b")");
  EXPECT_EQ(written_string("l1\nl2\tx\r\b\f"), R"("l1\nl2\tx\r\b\f")");
  EXPECT_EQ(written_string("/"), R"("/")");
  EXPECT_EQ(written_string(""), R"("")");
}

TEST(JsonWriter, EscapesOtherControlCharactersAsU00XX) {
  EXPECT_EQ(written_string(std::string("\x01\x1f", 2)), R"("\u0001\u001f")");
  EXPECT_EQ(written_string(std::string("a\0b", 3)), R"("a\u0000b")");
  EXPECT_EQ(written_string("\x1b[0m"), R"("\u001b[0m")");
  EXPECT_EQ(written_string("\x7f"), "\"\x7f\"");  // DEL needs no escape in JSON
}

TEST(JsonWriter, KeepsUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(written_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(written_string("a\xff"
                           "b"),
            "\"a\xef\xbf\xbd"
            "b\"");
  EXPECT_EQ(written_string("\xc3"), "\"\xef\xbf\xbd\"");                     // truncated
  EXPECT_EQ(written_string("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");     // overlong '/'
  EXPECT_EQ(written_string("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // surrogate
}

TEST(JsonWriter, EscapedStringsReadBackUnchanged) {
  for (const std::string& text : {std::string("plain"), std::string("q\"b\\s/"), std::string("\n\t\r\b\f"),
                                 std::string("\x01\x02\x1f", 3), std::string("nul\0in", 6),
                                 std::string("caf\xc3\xa9 \xf0\x9f\x98\x80"), std::string("# not: a comment"),
                                 std::string("&anchor *alias !tag ~"), std::string("  spaces  "), std::string()}) {
    EXPECT_EQ(read_back(written_string(text)), text);
  }
}

TEST(JsonWriter, WritesCompactNestedValuesWithCommas) {
  JsonWriter w;
  w.begin_object()
      .field("name", "ts_0")
      .field_uint("vni", 5000)
      .key("neg")
      .signed_int(-42)
      .key("min")
      .signed_int(INT64_MIN)
      .key("max")
      .unsigned_int(UINT64_MAX)
      .field_bool("up", true)
      .key("down")
      .boolean(false)
      .key("none")
      .null()
      .key("list")
      .begin_array()
      .unsigned_int(1)
      .begin_object()
      .end_object()
      .begin_array()
      .end_array()
      .string("x")
      .end_array()
      .key("")
      .raw_number("1.5e3")
      .end_object();
  EXPECT_TRUE(w.complete());
  EXPECT_EQ(w.str(),
            R"({"name":"ts_0","vni":5000,"neg":-42,"min":-9223372036854775808,"max":18446744073709551615,)"
            R"("up":true,"down":false,"none":null,"list":[1,{},[],"x"],"":1.5e3})");
  EXPECT_EQ(w.take().back(), '}');  // no trailing newline
  EXPECT_TRUE(w.str().empty());
}

TEST(JsonWriter, EscapesKeys) {
  JsonWriter w;
  w.begin_object().field("a\"\n", "v").end_object();
  EXPECT_EQ(w.str(), R"({"a\"\n":"v"})");
}

TEST(JsonWriter, IncompleteUntilClosed) {
  JsonWriter w;
  EXPECT_FALSE(w.complete());
  w.begin_array();
  EXPECT_FALSE(w.complete());
  w.end_array();
  EXPECT_TRUE(w.complete());
}

TEST(JsonRead, RoundTripsWriterOutputKeepingKinds) {
  const std::string text =
      R"({"s":"5","n":5,"neg":-1,"f":-2.5e-3,"t":true,"fa":false,"nu":null,"a":[1,"1",[]],"o":{"k":{}}})";
  auto node = load_json(text);
  ASSERT_TRUE(node.ok()) << node.error().to_string();
  EXPECT_EQ(json_kind(node.value()["s"]), JsonKind::kString);
  EXPECT_EQ(json_kind(node.value()["n"]), JsonKind::kNumber);
  EXPECT_EQ(json_kind(node.value()["t"]), JsonKind::kBool);
  EXPECT_EQ(json_kind(node.value()["nu"]), JsonKind::kNull);
  EXPECT_EQ(json_kind(node.value()["a"]), JsonKind::kArray);
  EXPECT_EQ(json_kind(node.value()["o"]), JsonKind::kObject);
  EXPECT_EQ(json_integer(node.value()["neg"]), -1);
  EXPECT_EQ(json_integer(node.value()["f"]), std::nullopt);
  EXPECT_EQ(json_integer(node.value()["s"]), std::nullopt);
  JsonWriter w;
  write_json_node(w, node.value());
  EXPECT_EQ(w.str(), text);
}

TEST(JsonRead, AcceptsJsonWhitespaceAndScalarsAtTopLevel) {
  for (const char* text : {" {\t\"a\" :\r\n 1 } ", "[]", "\"x\"", "0", "-0.5E+2", "true", "false", "null",
                           "{\"a\":[{\"b\":[1]}]}"}) {
    auto node = load_json(text);
    EXPECT_TRUE(node.ok()) << text << ": " << (node.ok() ? "" : node.error().to_string());
  }
  EXPECT_EQ(json_kind(load_json("null").value()), JsonKind::kNull);
}

TEST(JsonRead, DecodesEscapesIncludingSurrogatePairs) {
  EXPECT_EQ(read_back(R"("\"\\\/\b\f\n\r\t")"), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(read_back(R"("\u00e9\u20AC\u0000")"), std::string("\xc3\xa9\xe2\x82\xac\0", 6));
  EXPECT_EQ(read_back(R"("\ud83d\ude00!")"), "\xf0\x9f\x98\x80!");
}

TEST(JsonRead, RejectsWhatJsonDoesNotAllow) {
  for (const char* text : {
           "",                      // empty
           "   ",                   // only spaces
           "{a: 1}",                // unquoted key
           "{\"a\": word}",         // unquoted word
           "{'a': 1}",              // single quotes
           "{\"a\": ~}",            // YAML null
           "{\"a\": &x 1}",         // anchor
           "{\"a\": !!int 1}",      // tag
           "{\"a\": 1} # c",        // comment
           "{\"a\": 1,}",           // trailing comma
           "[1,]",                  // trailing comma
           ",{}",                   // yaml-cpp stray comma (endless documents)
           "{},",                   // junk after the value
           "{} {}",                 // two values
           "{\"a\" 1}",             // missing colon
           "{\"a\": 01}",           // leading zero
           "{\"a\": 1.}",           // no fraction digits
           "{\"a\": .5}",           // no integer part
           "{\"a\": +1}",           // plus sign
           "{\"a\": 0x10}",         // hex
           "{\"a\": 1e}",           // empty exponent
           "{\"a\": NaN}",          // not a number
           "{\"a\": True}",         // capitalised literal
           "{\"a\": nulls}",        // longer word
           "{\"a\": \"x\ty\"}",     // raw tab in a string
           "{\"a\": \"\\x41\"}",    // YAML escape
           "{\"a\": \"\\u12\"}",    // short \u
           "{\"a\": \"\\ud83d\"}",  // lone high surrogate
           "{\"a\": \"\\ude00\"}",  // lone low surrogate
           "{\"a\": \"open",        // unterminated
           "{\"a\": \"\xff\"}",     // invalid UTF-8
           "\xef\xbb\xbf{}",        // BOM
           "- 1",                   // block sequence
           "a: 1",                  // block mapping
           "--- {}",                // document marker
           "[1 2]",                 // missing comma
       }) {
    auto node = load_json(text);
    EXPECT_FALSE(node.ok()) << "accepted: " << text;
    if (!node.ok()) {
      EXPECT_EQ(node.error().field, "") << text;
      EXPECT_NE(node.error().message.find("not valid JSON"), std::string::npos) << node.error().message;
    }
  }
}

TEST(JsonRead, ErrorsSayWhereAndWhat) {
  auto node = load_json(R"({"a": 1,, "b": 2})");
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.error().line, 1);
  EXPECT_EQ(node.error().column, 9);
  EXPECT_NE(node.error().message.find("at column 9"), std::string::npos) << node.error().message;
  EXPECT_NE(node.error().message.find("','"), std::string::npos) << node.error().message;
}

TEST(JsonRead, RejectsDuplicateKeysNamingThePath) {
  auto node = load_json(R"({"args": {"x": [ {"k": 1, "k": 2} ]}})");
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.error().field, "args.x[0].k");
}

TEST(JsonRead, CapsNestingDepthWithoutCrashing) {
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  auto node = load_json(deep);
  ASSERT_FALSE(node.ok());
  EXPECT_NE(node.error().message.find("deeper than 64"), std::string::npos) << node.error().message;
  const std::string objects = [] {
    std::string s;
    for (int i = 0; i < 10000; ++i) s += "{\"a\":";
    return s + "1" + std::string(10000, '}');
  }();
  EXPECT_FALSE(load_json(objects).ok());
  // Exactly at the cap is fine; one more level is not.
  EXPECT_TRUE(load_json(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']')).ok());
  EXPECT_FALSE(load_json(std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']')).ok());
}

TEST(JsonReader, ReadsTypedFieldsStrictly) {
  auto node = load_json(R"({"s":"x","e":"","n":7,"q":"7","b":true,"bs":"true","f":1.0,"c":"BoTh","z":null})");
  ASSERT_TRUE(node.ok());
  JsonReader r;
  const auto o = r.object(node.value(), "args", {"s", "e", "n", "q", "b", "bs", "f", "c", "z"});
  ASSERT_TRUE(o.has_value());
  std::optional<std::string> s;
  std::optional<std::int64_t> n;
  std::optional<bool> b;
  std::optional<std::size_t> c;
  EXPECT_TRUE(r.string(*o, "s", Need::kRequired, s));
  EXPECT_EQ(s, "x");
  EXPECT_TRUE(r.integer(*o, "n", Need::kRequired, 0, 10, n));
  EXPECT_EQ(n, 7);
  EXPECT_TRUE(r.boolean(*o, "b", Need::kRequired, b));
  EXPECT_EQ(b, true);
  EXPECT_TRUE(r.choice(*o, "c", Need::kRequired, {"IN", "OUT", "BOTH"}, true, c));
  EXPECT_EQ(c, 2u);
  std::optional<std::string> z;
  EXPECT_TRUE(r.string(*o, "z", Need::kOptional, z));  // null = absent
  EXPECT_FALSE(z.has_value());

  const auto fails = [&](auto&& call, const std::string& field, const std::string& needle) {
    JsonReader fresh;
    const auto obj = fresh.object(node.value(), "args", {"s", "e", "n", "q", "b", "bs", "f", "c", "z"});
    ASSERT_TRUE(obj.has_value());
    EXPECT_FALSE(call(fresh, *obj));
    ASSERT_FALSE(fresh.ok());
    EXPECT_EQ(fresh.error().field, field);
    EXPECT_NE(fresh.error().message.find(needle), std::string::npos) << fresh.error().message;
  };
  std::optional<std::string> so;
  std::optional<std::int64_t> io;
  std::optional<bool> bo;
  fails([&](JsonReader& rr, const JsonObject& obj) { return rr.string(obj, "n", Need::kRequired, so); }, "args.n",
        "the number 7");
  fails([&](JsonReader& rr, const JsonObject& obj) { return rr.integer(obj, "q", Need::kRequired, 0, 9, io); },
        "args.q", "the string \"7\"");
  fails([&](JsonReader& rr, const JsonObject& obj) { return rr.integer(obj, "f", Need::kRequired, 0, 9, io); },
        "args.f", "the number 1.0");
  fails([&](JsonReader& rr, const JsonObject& obj) { return rr.integer(obj, "n", Need::kRequired, 0, 6, io); },
        "args.n", "[0, 6]");
  fails([&](JsonReader& rr, const JsonObject& obj) { return rr.boolean(obj, "bs", Need::kRequired, bo); },
        "args.bs", "the string \"true\"");
  fails([&](JsonReader& rr, const JsonObject& obj) { return rr.string(obj, "e", Need::kRequired, so); }, "args.e",
        "empty");
  fails([&](JsonReader& rr, const JsonObject& obj) { return rr.string(obj, "gone", Need::kRequired, so); },
        "args.gone", "missing");
  fails([&](JsonReader& rr, const JsonObject& obj) { return rr.string(obj, "z", Need::kRequired, so); }, "args.z",
        "null");
}

TEST(JsonReader, RejectsUnknownKeysAndKeepsFirstError) {
  auto node = load_json(R"({"name":"x","colour":"red"})");
  ASSERT_TRUE(node.ok());
  JsonReader r;
  EXPECT_FALSE(r.object(node.value(), "args", {"name", "color"}).has_value());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "args.colour");
  EXPECT_NE(r.error().message.find("name, color"), std::string::npos) << r.error().message;
  r.fail("other", "later");
  EXPECT_EQ(r.error().field, "args.colour");
}

}  // namespace
}  // namespace taas::ctl
