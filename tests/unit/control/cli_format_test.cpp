// taasctl output formats (-f table|json|yaml|value, -c COLUMN): exact text
// like cliff / python-openstackclient, JSON and YAML read back by yaml-cpp.

#include "control/cli_format.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "control/json_read.hpp"

namespace taas::ctl {
namespace {

using Strings = std::vector<std::string>;

Record service() {
  return Record{{{"id", "6c3f0a"},
                 {"name", "ts_0"},
                 {"description", ""},
                 {"vni", 5000},
                 {"enabled", true},
                 {"remote_ip", nullptr},
                 {"tags", Strings{"a", "b"}}}};
}

Table flows() {
  return Table{{"ID", "Name", "Vlans", "Active", "Note"},
               {{"a1", "tf_0", Strings{"9", "18"}, true, nullptr},
                {"b2", "tf_1", Strings{}, false, "line1\nline two"}}};
}

std::string show(const Record& r, Format f, const Strings& columns = {}) {
  auto out = format_show(r, f, columns);
  EXPECT_TRUE(out.ok()) << out.error().to_string();
  return out.ok() ? out.value() : "";
}

std::string list(const Table& t, Format f, const Strings& columns = {}) {
  auto out = format_list(t, f, columns);
  EXPECT_TRUE(out.ok()) << out.error().to_string();
  return out.ok() ? out.value() : "";
}

TEST(CliFormat, ParseFormatAcceptsTheFourNames) {
  EXPECT_EQ(parse_format("table").value(), Format::kTable);
  EXPECT_EQ(parse_format("json").value(), Format::kJson);
  EXPECT_EQ(parse_format("yaml").value(), Format::kYaml);
  EXPECT_EQ(parse_format("value").value(), Format::kValue);
}

TEST(CliFormat, ParseFormatRejectsOthersListingTheChoices) {
  for (const char* bad : {"xml", "", "JSON", "csv"}) {
    const auto r = parse_format(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().field, "-f");
    EXPECT_EQ(r.error().message,
              std::string("unknown format \"") + bad + "\"; choose one of table, json, yaml, value");
  }
}

TEST(CliFormat, ShowTable) {
  EXPECT_EQ(show(service(), Format::kTable),
            "+-------------+--------+\n"
            "| Field       | Value  |\n"
            "+-------------+--------+\n"
            "| id          | 6c3f0a |\n"
            "| name        | ts_0   |\n"
            "| description |        |\n"
            "| vni         | 5000   |\n"
            "| enabled     | True   |\n"
            "| remote_ip   | None   |\n"
            "| tags        | a, b   |\n"
            "+-------------+--------+\n");
}

TEST(CliFormat, ShowJson) {
  EXPECT_EQ(show(service(), Format::kJson),
            "{\n"
            "  \"id\": \"6c3f0a\",\n"
            "  \"name\": \"ts_0\",\n"
            "  \"description\": \"\",\n"
            "  \"vni\": 5000,\n"
            "  \"enabled\": true,\n"
            "  \"remote_ip\": null,\n"
            "  \"tags\": [\n"
            "    \"a\",\n"
            "    \"b\"\n"
            "  ]\n"
            "}\n");
}

TEST(CliFormat, ShowYaml) {
  EXPECT_EQ(show(service(), Format::kYaml),
            "id: 6c3f0a\n"
            "name: ts_0\n"
            "description: ''\n"
            "vni: 5000\n"
            "enabled: true\n"
            "remote_ip: null\n"
            "tags:\n"
            "- a\n"
            "- b\n");
}

TEST(CliFormat, ShowValue) {
  EXPECT_EQ(show(service(), Format::kValue), "6c3f0a\nts_0\n\n5000\nTrue\nNone\na, b\n");
}

TEST(CliFormat, ListTableSplitsMultiLineCells) {
  EXPECT_EQ(list(flows(), Format::kTable),
            "+----+------+-------+--------+----------+\n"
            "| ID | Name | Vlans | Active | Note     |\n"
            "+----+------+-------+--------+----------+\n"
            "| a1 | tf_0 | 9, 18 | True   | None     |\n"
            "| b2 | tf_1 |       | False  | line1    |\n"
            "|    |      |       |        | line two |\n"
            "+----+------+-------+--------+----------+\n");
}

TEST(CliFormat, ListTableCountsCodePointsAndRightAlignsIntegerColumns) {
  const Table t{{"Name", "Port"}, {{"café", 1}, {"日本", 22}, {"x\r\ny\rz", "n/a"}}};
  EXPECT_EQ(list(t, Format::kTable),
            "+------+------+\n"
            "| Name | Port |\n"
            "+------+------+\n"
            "| café |    1 |\n"
            "| 日本   |   22 |\n"  // 2 code points, though a terminal shows 4 columns
            "| x    |  n/a |\n"
            "| y z  |      |\n"
            "+------+------+\n");
}

TEST(CliFormat, ListJson) {
  EXPECT_EQ(list(flows(), Format::kJson),
            "[\n"
            "  {\n"
            "    \"ID\": \"a1\",\n"
            "    \"Name\": \"tf_0\",\n"
            "    \"Vlans\": [\n"
            "      \"9\",\n"
            "      \"18\"\n"
            "    ],\n"
            "    \"Active\": true,\n"
            "    \"Note\": null\n"
            "  },\n"
            "  {\n"
            "    \"ID\": \"b2\",\n"
            "    \"Name\": \"tf_1\",\n"
            "    \"Vlans\": [],\n"
            "    \"Active\": false,\n"
            "    \"Note\": \"line1\\nline two\"\n"
            "  }\n"
            "]\n");
}

TEST(CliFormat, ListYaml) {
  EXPECT_EQ(list(flows(), Format::kYaml),
            "- ID: a1\n"
            "  Name: tf_0\n"
            "  Vlans:\n"
            "  - '9'\n"
            "  - '18'\n"
            "  Active: true\n"
            "  Note: null\n"
            "- ID: b2\n"
            "  Name: tf_1\n"
            "  Vlans: []\n"
            "  Active: false\n"
            "  Note: \"line1\\nline two\"\n");
}

TEST(CliFormat, ListValue) {
  EXPECT_EQ(list(flows(), Format::kValue), "a1 tf_0 9, 18 True None\nb2 tf_1  False line1\nline two\n");
}

TEST(CliFormat, EmptyResults) {
  const Table none{{"ID", "Name"}, {}};
  EXPECT_EQ(list(none, Format::kTable), "");  // cliff: print_empty=False
  EXPECT_EQ(list(none, Format::kJson), "[]\n");
  EXPECT_EQ(list(none, Format::kYaml), "[]\n");
  EXPECT_EQ(list(none, Format::kValue), "");
  const Record nothing;
  EXPECT_EQ(show(nothing, Format::kTable), "");
  EXPECT_EQ(show(nothing, Format::kJson), "{}\n");
  EXPECT_EQ(show(nothing, Format::kYaml), "{}\n");
  EXPECT_EQ(show(nothing, Format::kValue), "");
}

TEST(CliFormat, ColumnsSelectAndOrderShowFields) {
  EXPECT_EQ(show(service(), Format::kTable, {"vni", "name"}),
            "+-------+-------+\n"
            "| Field | Value |\n"
            "+-------+-------+\n"
            "| vni   | 5000  |\n"
            "| name  | ts_0  |\n"
            "+-------+-------+\n");
  EXPECT_EQ(show(service(), Format::kValue, {"enabled", "id"}), "True\n6c3f0a\n");
  EXPECT_EQ(show(service(), Format::kJson, {"name"}), "{\n  \"name\": \"ts_0\"\n}\n");
  EXPECT_EQ(show(service(), Format::kYaml, {"tags", "vni"}), "tags:\n- a\n- b\nvni: 5000\n");
}

TEST(CliFormat, ColumnsSelectAndOrderListColumns) {
  EXPECT_EQ(list(flows(), Format::kValue, {"Active", "ID"}), "True a1\nFalse b2\n");
  EXPECT_EQ(list(flows(), Format::kValue, {"ID", "ID"}), "a1\nb2\n");  // shown once
  EXPECT_EQ(list(flows(), Format::kTable, {"Name", "ID"}),
            "+------+----+\n"
            "| Name | ID |\n"
            "+------+----+\n"
            "| tf_0 | a1 |\n"
            "| tf_1 | b2 |\n"
            "+------+----+\n");
  EXPECT_EQ(list(flows(), Format::kYaml, {"Name", "ID"}), "- Name: tf_0\n  ID: a1\n- Name: tf_1\n  ID: b2\n");
  EXPECT_EQ(list(flows(), Format::kJson, {"Active"}),
            "[\n  {\n    \"Active\": true\n  },\n  {\n    \"Active\": false\n  }\n]\n");
}

TEST(CliFormat, UnknownColumnIsAnErrorNamingItAndTheKnownOnes) {
  const auto l = format_list(flows(), Format::kTable, {"ID", "Bogus"});
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().field, "-c");
  EXPECT_EQ(l.error().message, "unknown column \"Bogus\"; known columns: ID, Name, Vlans, Active, Note");
  const auto s = format_show(service(), Format::kJson, {"Name"});  // case matters, as in cliff
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "-c");
  EXPECT_EQ(s.error().message,
            "unknown column \"Name\"; known columns: id, name, description, vni, enabled, remote_ip, tags");
}

TEST(CliFormat, RaggedRowIsAnError) {
  const Table t{{"A", "B"}, {{"1", "2"}, {"3"}}};
  const auto r = format_list(t, Format::kValue, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "rows[1]");
  EXPECT_EQ(r.error().message, "has 1 cells for 2 columns");
}

TEST(CliFormat, YamlScalarQuotesOnlyWhatYamlWouldMisread) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"plain words", "plain words"}, {"a:b", "a:b"}, {"a#b", "a#b"}, {"it's", "it's"},
      {"10.0.0.1", "10.0.0.1"}, {"6c3f0a", "6c3f0a"}, {"café", "café"}, {"back\\slash", "back\\slash"},
      {"", "''"}, {"a: b", "'a: b'"}, {"a #b", "'a #b'"}, {"#x", "'#x'"}, {"c:", "'c:'"},
      {"-x", "'-x'"}, {"- x", "'- x'"}, {"---", "'---'"}, {"...", "'...'"}, {"*ref", "'*ref'"},
      {"{a}", "'{a}'"}, {"[1]", "'[1]'"}, {"'q'", "'''q'''"}, {"\"q\"", "'\"q\"'"}, {" lead", "' lead'"},
      {"trail ", "'trail '"}, {"yes", "'yes'"}, {"No", "'No'"}, {"on", "'on'"}, {"OFF", "'OFF'"},
      {"y", "'y'"}, {"true", "'true'"}, {"null", "'null'"}, {"~", "'~'"}, {"123", "'123'"},
      {"-7", "'-7'"}, {"0x1F", "'0x1F'"}, {"0o17", "'0o17'"}, {"017", "'017'"}, {"1_000", "'1_000'"},
      {"1.5", "'1.5'"}, {"1e3", "'1e3'"}, {".5", "'.5'"}, {".inf", "'.inf'"}, {"-.Inf", "'-.Inf'"},
      {".NaN", "'.NaN'"}, {"1:30", "'1:30'"}, {"2024-01-02", "'2024-01-02'"}, {"=", "'='"}, {"<<", "'<<'"},
      {"tab\there", "\"tab\\there\""}, {"two\nlines", "\"two\\nlines\""}, {"\x01", "\"\\x01\""},
      {"say \"hi\"\n", "\"say \\\"hi\\\"\\n\""}, {"nel\xC2\x85", "\"nel\\u0085\""}, {"bad\xFF", "bad\xEF\xBF\xBD"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(yaml_scalar(in), want) << "input: " << in;
}

// Every string comes back from yaml-cpp as the same string, and the ones a
// plain scalar would turn into another type are not plain (tag "!").
TEST(CliFormat, YamlStringsReadBackAsTheSameStrings) {
  const Strings tricky = {"a: b",  "a #b", "#x",  "-x",     "- x",   "yes",   "No",         "on",
                          "null",  "~",    "123", "-7",     "1.5",   "1e3",   "2024-01-02", "",
                          "'q'",   "\"q\"", " lead", "trail ", "tab\there", "two\nlines", "c:", "a:b",
                          "10.0.0.1", "日本", "back\\slash", "{a}", "[1]", "*ref", "&a", "!tag", "%x", "@x",
                          "`x", "|x", ">x", "?x", "? x", ",x", "...", "---", "x\r\ny"};
  Record r;
  for (std::size_t i = 0; i < tricky.size(); ++i) r.fields.emplace_back("k" + std::to_string(i), tricky[i]);
  const std::string text = show(r, Format::kYaml);
  const YAML::Node doc = YAML::Load(text);
  ASSERT_TRUE(doc.IsMap()) << text;
  for (std::size_t i = 0; i < tricky.size(); ++i) {
    const YAML::Node n = doc["k" + std::to_string(i)];
    ASSERT_TRUE(n.IsScalar()) << tricky[i] << "\n" << text;
    EXPECT_EQ(n.as<std::string>(), tricky[i]);
  }
  for (const std::string key : {"k5", "k6", "k7", "k8", "k9", "k10", "k11", "k12", "k13", "k14", "k15"}) {
    EXPECT_EQ(doc[key].Tag(), "!") << key << " is plain: " << doc[key].as<std::string>();
  }
  EXPECT_EQ(doc["k24"].Tag(), "?");  // 10.0.0.1 stays plain
}

TEST(CliFormat, YamlListReadsBackWithTypesAndColumnOrder) {
  const YAML::Node doc = YAML::Load(list(flows(), Format::kYaml));
  ASSERT_TRUE(doc.IsSequence());
  ASSERT_EQ(doc.size(), 2u);
  const Strings order = {"ID", "Name", "Vlans", "Active", "Note"};
  for (const YAML::Node& row : doc) {
    Strings keys;
    for (const auto& kv : row) keys.push_back(kv.first.as<std::string>());
    EXPECT_EQ(keys, order);
  }
  EXPECT_EQ(doc[0]["Vlans"].as<Strings>(), (Strings{"9", "18"}));
  EXPECT_EQ(doc[0]["Vlans"][0].Tag(), "!");  // "9" is a string, not an int
  EXPECT_TRUE(doc[0]["Active"].as<bool>());
  EXPECT_TRUE(doc[0]["Note"].IsNull());
  EXPECT_EQ(doc[1]["Vlans"].size(), 0u);
  EXPECT_TRUE(doc[1]["Vlans"].IsSequence());
  EXPECT_FALSE(doc[1]["Active"].as<bool>());
  EXPECT_EQ(doc[1]["Note"].as<std::string>(), "line1\nline two");
  const YAML::Node one = YAML::Load(show(service(), Format::kYaml));
  EXPECT_EQ(one["vni"].as<std::int64_t>(), 5000);
  EXPECT_EQ(one["description"].as<std::string>(), "");
  EXPECT_TRUE(one["remote_ip"].IsNull());
}

TEST(CliFormat, JsonReadsBackStrictlyWithKindsAndOrder) {
  Table t = flows();
  t.rows.push_back({"c\"3\\", "日本\t", Strings{"x"}, true, -42});
  const auto doc = load_json(list(t, Format::kJson));
  ASSERT_TRUE(doc.ok()) << doc.error().to_string();
  const YAML::Node& arr = doc.value();
  ASSERT_EQ(json_kind(arr), JsonKind::kArray);
  ASSERT_EQ(arr.size(), 3u);
  EXPECT_EQ(json_kind(arr[0]["Active"]), JsonKind::kBool);
  EXPECT_EQ(json_kind(arr[0]["Note"]), JsonKind::kNull);
  EXPECT_EQ(json_kind(arr[0]["Vlans"][1]), JsonKind::kString);
  EXPECT_EQ(arr[0]["Vlans"][1].as<std::string>(), "18");
  EXPECT_EQ(json_kind(arr[1]["Vlans"]), JsonKind::kArray);
  EXPECT_EQ(arr[1]["Note"].as<std::string>(), "line1\nline two");
  EXPECT_EQ(arr[2]["ID"].as<std::string>(), "c\"3\\");
  EXPECT_EQ(arr[2]["Name"].as<std::string>(), "日本\t");
  EXPECT_EQ(json_integer(arr[2]["Note"]), -42);
  Strings keys;
  for (const auto& kv : arr[2]) keys.push_back(kv.first.as<std::string>());
  EXPECT_EQ(keys, (Strings{"ID", "Name", "Vlans", "Active", "Note"}));

  const auto one = load_json(show(service(), Format::kJson));
  ASSERT_TRUE(one.ok()) << one.error().to_string();
  EXPECT_EQ(json_integer(one.value()["vni"]), 5000);
  EXPECT_EQ(json_kind(one.value()["description"]), JsonKind::kString);
  EXPECT_EQ(json_kind(one.value()["remote_ip"]), JsonKind::kNull);
}

}  // namespace
}  // namespace taas::ctl
