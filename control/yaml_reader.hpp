#pragma once
// Strict, located reading of YAML nodes for the intent parser: every value is
// type- and range-checked, unknown and duplicate keys are errors, and every
// error carries the node's line and column and its YAML path. Nothing here
// throws; the first error is kept in the Reader and everything after it is a
// no-op returning false. Control thread only.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "control/result.hpp"

namespace taas::ctl {

/// A position in the intent file, 1-based; 0 when unknown.
struct Mark {
  int line = 0;
  int column = 0;
};

/// A value read from the intent, with where it was written.
template <class T>
struct Field {
  T value{};
  Mark mark;             // of the value (of its key when the value is empty)
  bool present = false;  // false: the key was absent or had no value
};

/// The 1-based position of `node`; {0, 0} when yaml-cpp does not know it.
Mark mark_of(const YAML::Node& node);

/// "a list", "a mapping", "no value" or "'text'" — for "got ..." messages.
std::string describe(const YAML::Node& node);

/// `s` in single quotes, for messages: 'vm1'.
std::string quote(const std::string& s);

/// ASCII case-insensitive equality.
bool equal_any_case(std::string_view a, std::string_view b);

/// "a, b, c".
std::string join_words(const std::vector<std::string_view>& words);

/// "parent.key" or "key" at the top level.
std::string join_path(std::string_view parent, std::string_view key);

/// "parent[index]".
std::string index_path(std::string_view parent, std::size_t index);

/// Holds the first error of a parse.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  bool ok() const noexcept { return !error_.has_value(); }

  /// Records an error unless one is already recorded. Always returns false
  /// so that callers can `return reader.fail(...)`. `code`: Error::code.
  bool fail(Mark at, std::string field, std::string message, int code = 0);

  /// The recorded error. Only valid when !ok().
  Error take_error() { return std::move(*error_); }

  const std::string& file() const noexcept { return file_; }

 private:
  std::string file_;
  std::optional<Error> error_;
};

/// One `key: value` pair of a mapping.
struct Item {
  YAML::Node value;
  std::string key;
  std::string path;  // YAML path of the value
  Mark key_mark;
  Mark value_mark;   // the key's mark when the value is empty (yaml-cpp
                     // marks an empty value at the next token)
};

/// A mapping whose keys were checked against a fixed set of field names:
/// no unknown keys, no key twice, only scalar keys.
class Map {
 public:
  /// Checks `node` and returns the view, or records an error and returns
  /// nullopt. `path` names the node in messages; `fallback` is used when the
  /// node has no mark of its own.
  static std::optional<Map> open(Reader& reader, const YAML::Node& node, std::string path,
                                 Mark fallback, std::initializer_list<std::string_view> allowed);

  const std::string& path() const noexcept { return path_; }
  Mark mark() const noexcept { return mark_; }

  /// The pair for `key`, or nullptr when the key is absent.
  const Item* find(std::string_view key) const;

  /// Records "missing required field" for `key` at this mapping and returns
  /// false. `hint` (may be empty) says what the field should hold.
  bool missing(Reader& reader, std::string_view key, std::string_view hint) const;

 private:
  std::string path_;
  Mark mark_;
  std::vector<Item> items_;
};

enum class Need : std::uint8_t { kOptional, kRequired };

/// Reads a scalar string. A key with no value counts as absent (an error when
/// required). Empty strings are rejected unless `allow_empty`.
bool read_string(Reader& reader, const Map& map, std::string_view key, Need need,
                 Field<std::string>& out, bool allow_empty = false);

/// Reads a decimal integer in [lo, hi].
bool read_uint(Reader& reader, const Map& map, std::string_view key, Need need,
               std::uint32_t lo, std::uint32_t hi, Field<std::uint32_t>& out);

/// Reads `true` or `false`.
bool read_bool(Reader& reader, const Map& map, std::string_view key, Need need, Field<bool>& out);

/// Reads a list of scalar strings.
bool read_string_list(Reader& reader, const Map& map, std::string_view key,
                      std::vector<std::string>& out);

/// Reads one word out of `choices`, ASCII case-insensitive when `any_case`,
/// and stores its position in `choices` into `out`.
bool read_choice(Reader& reader, const Map& map, std::string_view key, Need need,
                 const std::vector<std::string_view>& choices, bool any_case,
                 Field<std::size_t>& out);

/// The elements of the list under `key`; an absent key or one with no value
/// is an empty list. Anything but a list is an error (nullopt).
std::optional<std::vector<YAML::Node>> read_list(Reader& reader, const Map& map,
                                                 std::string_view key);

/// read_choice into an enum: `table` pairs each accepted word with its value.
template <class E>
bool read_enum(Reader& reader, const Map& map, std::string_view key, Need need,
               std::initializer_list<std::pair<std::string_view, E>> table, bool any_case,
               Field<E>& out) {
  std::vector<std::string_view> words;
  for (const auto& entry : table) words.push_back(entry.first);
  Field<std::size_t> index;
  if (!read_choice(reader, map, key, need, words, any_case, index)) return false;
  if (index.present) out = {std::data(table)[index.value].second, index.mark, true};
  return true;
}

}  // namespace taas::ctl
