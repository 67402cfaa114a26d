#pragma once
// Strict JSON reading for the control socket (DESIGN.md §6), on top of
// yaml-cpp: JSON is YAML 1.2 flow syntax, but YAML accepts far more (plain
// words, single quotes, anchors, tags, '~', comments, trailing commas) and
// yaml-cpp 0.7 can loop forever on some stray tokens. So the text is first
// checked against the JSON grammar here, with the nesting depth capped,
// and only then handed to yaml-cpp to build nodes. In the nodes, JSON kinds
// stay distinguishable: strings are quoted scalars (tag "!"), numbers and
// true/false are plain scalars (tag "?"), null is a Null node.
//
// Everything here is errors as values; nothing throws. Control thread only.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "control/json_writer.hpp"
#include "control/result.hpp"
#include "control/yaml_reader.hpp"

namespace taas::ctl {

/// Deepest nesting of arrays and objects accepted. Requests nest three
/// levels (envelope, args, args.erspan) and replies a few more; the cap
/// keeps hostile input away from yaml-cpp's recursion.
inline constexpr int kMaxJsonDepth = 64;

/// Checks `text` against the JSON grammar (RFC 8259: one value, strings of
/// valid UTF-8 without raw control characters, JSON escapes only, numbers
/// without leading zeros, nesting at most `max_depth`). On success returns
/// the text as yaml-cpp should read it: whitespace as spaces and surrogate
/// pairs (\ud83d\ude00) as \U0001f600, which yaml-cpp cannot otherwise
/// decode. Errors carry the line and column and say what was expected.
Result<std::string> check_json_syntax(std::string_view text, int max_depth = kMaxJsonDepth);

/// Parses one JSON value (any kind at the top level). Errors: syntax (field
/// ""), a key twice in one object (field = path of the key).
Result<YAML::Node> load_json(std::string_view text);

enum class JsonKind : std::uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

/// The JSON kind of a node from load_json.
JsonKind json_kind(const YAML::Node& node);

/// "a string \"5\"", "the number 5", "true", "null", "an object", "an
/// array" — for "got ..." messages.
std::string describe_json(const YAML::Node& node);

/// The value of a JSON number that is an integer within int64 (no fraction,
/// no exponent); nullopt for anything else.
std::optional<std::int64_t> json_integer(const YAML::Node& node);

/// Writes a node from load_json back as JSON (kinds preserved, numbers
/// verbatim, object members in their order).
void write_json_node(JsonWriter& writer, const YAML::Node& node);

/// "parent.key", or "key" when parent is empty (same as join_path).
std::string json_path(std::string_view parent, std::string_view key);

/// An object whose keys were checked against a fixed set.
struct JsonObject {
  std::string path;  // "" for the top level, else e.g. "args.erspan"
  std::vector<std::pair<std::string, YAML::Node>> members;

  /// The value of `key`, or nullptr when absent.
  const YAML::Node* find(std::string_view key) const;
};

/// Typed, strict access to a decoded JSON document. Keeps the first error;
/// every call after it is a no-op returning false (or nullopt). Fields are
/// named by their path ("args.name") in errors. An optional field given as
/// null counts as absent.
class JsonReader {
 public:
  bool ok() const noexcept { return !error_.has_value(); }

  /// Records an error (field path, message) unless one is recorded; returns
  /// false so that callers can `return reader.fail(...)`.
  bool fail(std::string field, std::string message);

  /// The recorded error. Only valid when !ok().
  const Error& error() const { return *error_; }

  /// Opens `node` (named `path`) as an object whose keys must be among
  /// `allowed`. An unknown key fails naming it; `unknown_note`, when not
  /// empty, replaces the default "expected one of ..." explanation.
  std::optional<JsonObject> object(const YAML::Node& node, const std::string& path,
                                   std::initializer_list<std::string_view> allowed,
                                   std::string_view unknown_note = {});

  /// Opens member `key` of `parent` as an object; nullopt when absent (null
  /// or missing, `present` false) or on error (`present` true, !ok()).
  std::optional<JsonObject> member_object(const JsonObject& parent, std::string_view key,
                                          std::initializer_list<std::string_view> allowed, bool& present);

  /// A JSON string. Empty strings are rejected unless `allow_empty`.
  bool string(const JsonObject& obj, std::string_view key, Need need, std::optional<std::string>& out,
              bool allow_empty = false);
  /// A JSON integer in [lo, hi] (not 5.0, not "5").
  bool integer(const JsonObject& obj, std::string_view key, Need need, std::int64_t lo, std::int64_t hi,
               std::optional<std::int64_t>& out);
  /// true or false (not "true").
  bool boolean(const JsonObject& obj, std::string_view key, Need need, std::optional<bool>& out);
  /// A string out of `choices` (ASCII case-insensitive when `any_case`);
  /// stores the index of the match.
  bool choice(const JsonObject& obj, std::string_view key, Need need,
              const std::vector<std::string_view>& choices, bool any_case, std::optional<std::size_t>& out);

  /// choice() into an enum: `table` pairs each accepted word with its value.
  template <class E>
  bool enumeration(const JsonObject& obj, std::string_view key, Need need,
                   std::initializer_list<std::pair<std::string_view, E>> table, bool any_case,
                   std::optional<E>& out) {
    std::vector<std::string_view> words;
    for (const auto& entry : table) words.push_back(entry.first);
    std::optional<std::size_t> index;
    if (!choice(obj, key, need, words, any_case, index)) return false;
    if (index) out = std::data(table)[*index].second;
    return true;
  }

 private:
  /// The value to read for `key`, or nullptr (absent or null; a failure when
  /// required, reflected in ok()).
  const YAML::Node* lookup(const JsonObject& obj, std::string_view key, Need need, std::string_view expected);

  std::optional<Error> error_;
};

}  // namespace taas::ctl
