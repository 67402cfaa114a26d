#pragma once
// A small JSON writer for the control socket (DESIGN.md §6): compact output,
// commas placed automatically, strings fully escaped. No trailing newline;
// the caller adds the '\n' that ends a protocol line. Control thread only
// (or any thread owning the writer); not for the fast path (it allocates).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace taas::ctl {

/// Builds one JSON text. Every call appends one token; the writer inserts
/// ',' and ':' where they belong. Misuse (a value where a key is due, closing
/// the wrong container) is a programming error caught by assert.
///
///   JsonWriter w;
///   w.begin_object().key("name").string("ts_0").key("vni").unsigned_int(5000).end_object();
///   w.str() == R"({"name":"ts_0","vni":5000})"
class JsonWriter {
 public:
  /// '{' — as a value (top level, array element or after key()).
  JsonWriter& begin_object();
  /// '}'.
  JsonWriter& end_object();
  /// '['.
  JsonWriter& begin_array();
  /// ']'.
  JsonWriter& end_array();
  /// A member name inside an object; the next call writes its value.
  JsonWriter& key(std::string_view name);

  /// A string: '"' and '\\' escaped, \b \f \n \r \t in short form, the other
  /// control characters (below 0x20) as \u00XX, valid UTF-8 copied as is and
  /// each byte of invalid UTF-8 replaced by U+FFFD, so that the output is
  /// always valid JSON.
  JsonWriter& string(std::string_view text);
  JsonWriter& unsigned_int(std::uint64_t value);
  JsonWriter& signed_int(std::int64_t value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  /// A number copied verbatim; `text` must be a JSON number (e.g. from a
  /// parsed document, see write_json_node in json_read.hpp).
  JsonWriter& raw_number(std::string_view text);
  /// One complete JSON value copied verbatim (e.g. the stats document,
  /// which has its own writer); `json` must be valid JSON.
  JsonWriter& raw_value(std::string_view json);

  /// Shorthands for key(name) followed by the value.
  JsonWriter& field(std::string_view name, std::string_view text) { return key(name).string(text); }
  JsonWriter& field(std::string_view name, const char* text) { return key(name).string(text); }
  JsonWriter& field_uint(std::string_view name, std::uint64_t value) { return key(name).unsigned_int(value); }
  JsonWriter& field_bool(std::string_view name, bool value) { return key(name).boolean(value); }

  /// The text so far. Complete once every container is closed.
  const std::string& str() const noexcept { return out_; }
  /// Moves the text out; the writer is empty afterwards.
  std::string take();
  /// True when one complete value has been written and every container is
  /// closed.
  bool complete() const noexcept { return stack_.empty() && values_ == 1; }

 private:
  enum class Frame : std::uint8_t { kObject, kArray };

  /// Writes the separator due before a value and checks a value may come.
  void before_value();

  std::string out_;
  std::vector<Frame> stack_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
  int values_ = 0;           // values written at the top level
};

/// `text` as a JSON string literal with its quotes (JsonWriter::string).
std::string json_quote(std::string_view text);

/// Length of the valid UTF-8 sequence starting at text[i] (1 to 4), or 0 when
/// the bytes there are not valid UTF-8 (overlong forms, surrogates, code
/// points above U+10FFFF and truncated sequences are invalid). i < size.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept;

}  // namespace taas::ctl
