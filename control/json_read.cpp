#include "control/json_read.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <set>

#include "control/yaml_load.hpp"
#include "control/yaml_reader.hpp"

namespace taas::ctl {

namespace {

/// Recursive descent over the JSON grammar. Recursion is bounded by the
/// depth cap, checked before descending.
class SyntaxCheck {
 public:
  SyntaxCheck(std::string_view in, int max_depth) : in_(in), max_depth_(max_depth) { out_.reserve(in.size()); }

  Result<std::string> run() {
    skip_space();
    if (at_end()) return error("empty input; expected a JSON value");
    if (!value(0)) return std::move(*error_);
    skip_space();
    if (!at_end()) {
      fail("unexpected " + here() + " after the JSON value");
      return std::move(*error_);
    }
    return std::move(out_);
  }

 private:
  bool at_end() const noexcept { return pos_ >= in_.size(); }
  char peek() const noexcept { return at_end() ? '\0' : in_[pos_]; }

  /// The current character for messages: "'x'", "byte 0x01" or "end of input".
  std::string here() const {
    if (at_end()) return "end of input";
    const auto c = static_cast<unsigned char>(in_[pos_]);
    if (c < 0x20 || c >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 0xf];
    }
    return "'" + std::string(1, static_cast<char>(c)) + "'";
  }

  Error error(std::string message) const {
    int line = 1;
    int column = 1;
    for (std::size_t i = 0; i < pos_ && i < in_.size(); ++i) {
      if (in_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    const std::string where =
        line == 1 ? " (at column " + std::to_string(column) + ")"
                  : " (at line " + std::to_string(line) + ", column " + std::to_string(column) + ")";
    return Error{"", line, column, "", "not valid JSON: " + message + where};
  }

  bool fail(std::string message) {
    if (!error_) error_ = error(std::move(message));
    return false;
  }

  void skip_space() {
    while (!at_end()) {
      const char c = in_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      out_ += ' ';
      ++pos_;
    }
  }

  bool expect(char c) {
    if (peek() != c) return fail(std::string("expected '") + c + "', got " + here());
    out_ += c;
    ++pos_;
    return true;
  }

  bool value(int depth) {
    const char c = peek();
    if (c == '{' || c == '[') {
      if (depth + 1 > max_depth_) {
        return fail("arrays and objects nested deeper than " + std::to_string(max_depth_) + " levels");
      }
      return c == '{' ? object(depth + 1) : array(depth + 1);
    }
    if (c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == 'n') return literal("null");
    if (at_end()) return fail("unexpected end of input; expected a value");
    if (c == '\'') return fail("strings take double quotes, got '");
    return fail("expected a value (object, array, string, number, true, false or null), got " + here());
  }

  bool object(int depth) {
    expect('{');
    skip_space();
    if (peek() == '}') return expect('}');
    for (;;) {
      skip_space();
      if (peek() != '"') return fail("expected a member name in double quotes, got " + here());
      if (!string()) return false;
      skip_space();
      if (!expect(':')) return false;
      skip_space();
      if (!value(depth)) return false;
      skip_space();
      if (peek() == '}') return expect('}');
      if (peek() != ',') return fail("expected ',' or '}' in an object, got " + here());
      expect(',');
      skip_space();
      if (peek() == '}') return fail("a trailing ',' before '}'");
    }
  }

  bool array(int depth) {
    expect('[');
    skip_space();
    if (peek() == ']') return expect(']');
    for (;;) {
      skip_space();
      if (!value(depth)) return false;
      skip_space();
      if (peek() == ']') return expect(']');
      if (peek() != ',') return fail("expected ',' or ']' in an array, got " + here());
      expect(',');
      skip_space();
      if (peek() == ']') return fail("a trailing ',' before ']'");
    }
  }

  bool literal(std::string_view word) {
    if (in_.substr(pos_, word.size()) != word) {
      return fail("expected a value (object, array, string, number, true, false or null), got " + here());
    }
    out_.append(word);
    pos_ += word.size();
    const char c = peek();
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_') {
      return fail("unexpected " + here() + " after '" + std::string(word) + "'");
    }
    return true;
  }

  bool digits() {
    const std::size_t start = pos_;
    while (!at_end() && in_[pos_] >= '0' && in_[pos_] <= '9') out_ += in_[pos_++];
    return pos_ > start;
  }

  bool number() {
    if (peek() == '-') out_ += in_[pos_++];
    if (peek() == '0') {
      out_ += in_[pos_++];
      if (peek() >= '0' && peek() <= '9') return fail("numbers take no leading zeros");
    } else if (!digits()) {
      return fail("expected a digit, got " + here());
    }
    if (peek() == '.') {
      out_ += in_[pos_++];
      if (!digits()) return fail("expected a digit after '.', got " + here());
    }
    if (peek() == 'e' || peek() == 'E') {
      out_ += in_[pos_++];
      if (peek() == '+' || peek() == '-') out_ += in_[pos_++];
      if (!digits()) return fail("expected a digit in the exponent, got " + here());
    }
    const char c = peek();
    if (std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.') {
      return fail("unexpected " + here() + " in a number");
    }
    return true;
  }

  /// Four hex digits after "\u"; -1 when malformed.
  long hex4(std::size_t at) const {
    if (at > in_.size() || in_.size() - at < 4) return -1;
    long v = 0;
    for (std::size_t i = at; i < at + 4; ++i) {
      const char c = in_[i];
      int d = 0;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return -1;
      }
      v = v * 16 + d;
    }
    return v;
  }

  bool escape() {
    // in_[pos_] is the backslash.
    const char c = pos_ + 1 < in_.size() ? in_[pos_ + 1] : '\0';
    if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
      out_.append(in_.substr(pos_, 2));
      pos_ += 2;
      return true;
    }
    if (c != 'u') {
      ++pos_;
      return fail("unknown escape \\" + (at_end() ? std::string() : std::string(1, c)) +
                  " (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
    }
    const long unit = hex4(pos_ + 2);
    if (unit < 0) return fail("expected four hex digits after \\u");
    if (unit >= 0xdc00 && unit <= 0xdfff) return fail("a lone low surrogate \\u escape");
    if (unit < 0xd800 || unit > 0xdbff) {
      out_.append(in_.substr(pos_, 6));
      pos_ += 6;
      return true;
    }
    const long low = in_.substr(pos_ + 6, 2) == "\\u" ? hex4(pos_ + 8) : -1;
    if (low < 0xdc00 || low > 0xdfff) return fail("a high surrogate \\u escape without its low half");
    const long cp = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
    static constexpr char kHex[] = "0123456789abcdef";
    out_ += "\\U";
    for (int shift = 28; shift >= 0; shift -= 4) out_ += kHex[(cp >> shift) & 0xf];
    pos_ += 12;
    return true;
  }

  bool string() {
    out_ += '"';
    ++pos_;
    for (;;) {
      if (at_end()) return fail("unterminated string");
      const auto c = static_cast<unsigned char>(in_[pos_]);
      if (c == '"') {
        out_ += '"';
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (!escape()) return false;
      } else if (c < 0x20) {
        return fail("raw control character " + here() + " in a string (escape it)");
      } else if (c >= 0x80) {
        const std::size_t n = utf8_sequence_length(in_, pos_);
        if (n == 0) return fail("invalid UTF-8 " + here() + " in a string");
        out_.append(in_.substr(pos_, n));
        pos_ += n;
      } else {
        out_ += static_cast<char>(c);
        ++pos_;
      }
    }
  }

  std::string_view in_;
  int max_depth_;
  std::size_t pos_ = 0;
  std::string out_;
  std::optional<Error> error_;
};

/// Rejects a key given twice in one object, anywhere in the tree. Depth is
/// bounded by the syntax check.
std::optional<Error> find_duplicate(const YAML::Node& node, const std::string& path) {
  if (node.IsMap()) {
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      const std::string member = json_path(path, key);
      if (!seen.insert(key).second) {
        return Error{"", 0, 0, member, "the key '" + key + "' is given twice"};
      }
      if (auto e = find_duplicate(it->second, member)) return e;
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (auto e = find_duplicate(node[i], index_path(path, i))) return e;
    }
  }
  return std::nullopt;
}


}  // namespace

Result<std::string> check_json_syntax(std::string_view text, int max_depth) {
  return SyntaxCheck(text, max_depth).run();
}

Result<YAML::Node> load_json(std::string_view text) {
  auto checked = check_json_syntax(text);
  if (!checked) return checked.error();
  // A document of only `null` is rejected by load_single_document (it is
  // written for intent files); here it is a valid value. After the grammar
  // check, a value starting with 'n' is exactly null.
  const std::size_t first = checked.value().find_first_not_of(' ');
  if (checked.value()[first] == 'n') return YAML::Node(YAML::NodeType::Null);
  // One pass of yaml-cpp: text that passed the grammar check is exactly one
  // document with no stray token, so load_single_document's first pass
  // (counting documents, and stopping yaml-cpp 0.7 where it would loop) has
  // nothing to find; skipping it halves the cost of every control request.
  YAML::Node node;
  try {
    node = YAML::Load(checked.value());
  } catch (const std::exception& e) {
    // The grammar check passed, so yaml-cpp disagreeing is our bug, not the
    // peer's; still an error value, never a crash.
    return Error{"", 0, 0, "", std::string("not readable as JSON: ") + e.what()};
  }
  if (auto dup = find_duplicate(node, "")) return *dup;
  return node;
}

JsonKind json_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return JsonKind::kObject;
    case YAML::NodeType::Sequence:
      return JsonKind::kArray;
    case YAML::NodeType::Scalar:
      if (node.Tag() == "!") return JsonKind::kString;
      if (node.Scalar() == "true" || node.Scalar() == "false") return JsonKind::kBool;
      return JsonKind::kNumber;
    default:
      return JsonKind::kNull;
  }
}

std::string describe_json(const YAML::Node& node) {
  switch (json_kind(node)) {
    case JsonKind::kNull:
      return "null";
    case JsonKind::kBool:
      return node.Scalar();
    case JsonKind::kNumber:
      return "the number " + node.Scalar();
    case JsonKind::kString: {
      const std::string& s = node.Scalar();
      return "the string " + json_quote(s.size() > 64 ? s.substr(0, 64) + "..." : s);
    }
    case JsonKind::kArray:
      return "an array";
    case JsonKind::kObject:
      return "an object";
  }
  return "a value";
}

std::optional<std::int64_t> json_integer(const YAML::Node& node) {
  if (json_kind(node) != JsonKind::kNumber) return std::nullopt;
  const std::string& text = node.Scalar();
  const std::size_t start = (!text.empty() && text[0] == '-') ? 1 : 0;
  if (text.size() == start ||
      !std::all_of(text.begin() + static_cast<std::ptrdiff_t>(start), text.end(),
                   [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return std::nullopt;
  }
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno == ERANGE || end != text.c_str() + text.size()) return std::nullopt;
  return static_cast<std::int64_t>(v);
}

void write_json_node(JsonWriter& writer, const YAML::Node& node) {
  switch (json_kind(node)) {
    case JsonKind::kNull:
      writer.null();
      return;
    case JsonKind::kBool:
      writer.boolean(node.Scalar() == "true");
      return;
    case JsonKind::kNumber:
      writer.raw_number(node.Scalar());
      return;
    case JsonKind::kString:
      writer.string(node.Scalar());
      return;
    case JsonKind::kArray:
      writer.begin_array();
      for (const auto& element : node) write_json_node(writer, element);
      writer.end_array();
      return;
    case JsonKind::kObject:
      writer.begin_object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        writer.key(it->first.Scalar());
        write_json_node(writer, it->second);
      }
      writer.end_object();
      return;
  }
}

std::string json_path(std::string_view parent, std::string_view key) { return join_path(parent, key); }

const YAML::Node* JsonObject::find(std::string_view key) const {
  for (const auto& [name, value] : members) {
    if (name == key) return &value;
  }
  return nullptr;
}

bool JsonReader::fail(std::string field, std::string message) {
  if (!error_) error_ = Error{"", 0, 0, std::move(field), std::move(message)};
  return false;
}

std::optional<JsonObject> JsonReader::object(const YAML::Node& node, const std::string& path,
                                             std::initializer_list<std::string_view> allowed,
                                             std::string_view unknown_note) {
  if (!ok()) return std::nullopt;
  if (json_kind(node) != JsonKind::kObject) {
    fail(path, "expected an object, got " + describe_json(node));
    return std::nullopt;
  }
  JsonObject out{path, {}};
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string key = it->first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string message = "unknown field '" + key + "'; ";
      if (!unknown_note.empty()) {
        message += unknown_note;
      } else if (allowed.size() == 0) {
        message += "this takes no fields";
      } else {
        message += "expected one of " + join_words(std::vector<std::string_view>(allowed));
      }
      fail(json_path(path, key), std::move(message));
      return std::nullopt;
    }
    out.members.emplace_back(std::move(key), it->second);
  }
  return out;
}

std::optional<JsonObject> JsonReader::member_object(const JsonObject& parent, std::string_view key,
                                                    std::initializer_list<std::string_view> allowed,
                                                    bool& present) {
  present = false;
  const YAML::Node* node = lookup(parent, key, Need::kOptional, "an object");
  if (node == nullptr) return std::nullopt;
  present = true;
  return object(*node, json_path(parent.path, key), allowed);
}

const YAML::Node* JsonReader::lookup(const JsonObject& obj, std::string_view key, Need need,
                                     std::string_view expected) {
  if (!ok()) return nullptr;
  const YAML::Node* node = obj.find(key);
  if (node != nullptr && json_kind(*node) != JsonKind::kNull) return node;
  if (need == Need::kRequired) {
    fail(json_path(obj.path, key), std::string(node == nullptr ? "missing required field" : "null given") +
                                       "; expected " + std::string(expected));
  }
  return nullptr;
}

bool JsonReader::string(const JsonObject& obj, std::string_view key, Need need, std::optional<std::string>& out,
                        bool allow_empty) {
  const YAML::Node* node = lookup(obj, key, need, "a string");
  if (node == nullptr) return ok();
  if (json_kind(*node) != JsonKind::kString) {
    return fail(json_path(obj.path, key), "expected a string, got " + describe_json(*node));
  }
  if (!allow_empty && node->Scalar().empty()) {
    return fail(json_path(obj.path, key), "must not be empty");
  }
  out = node->Scalar();
  return true;
}

bool JsonReader::integer(const JsonObject& obj, std::string_view key, Need need, std::int64_t lo,
                         std::int64_t hi, std::optional<std::int64_t>& out) {
  const std::string range = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  const YAML::Node* node = lookup(obj, key, need, range);
  if (node == nullptr) return ok();
  const auto value = json_integer(*node);
  if (!value || *value < lo || *value > hi) {
    return fail(json_path(obj.path, key), "expected " + range + ", got " + describe_json(*node));
  }
  out = *value;
  return true;
}

bool JsonReader::boolean(const JsonObject& obj, std::string_view key, Need need, std::optional<bool>& out) {
  const YAML::Node* node = lookup(obj, key, need, "true or false");
  if (node == nullptr) return ok();
  if (json_kind(*node) != JsonKind::kBool) {
    return fail(json_path(obj.path, key), "expected true or false, got " + describe_json(*node));
  }
  out = node->Scalar() == "true";
  return true;
}

bool JsonReader::choice(const JsonObject& obj, std::string_view key, Need need,
                        const std::vector<std::string_view>& choices, bool any_case,
                        std::optional<std::size_t>& out) {
  const std::string expected = "one of " + join_words(choices);
  const YAML::Node* node = lookup(obj, key, need, expected);
  if (node == nullptr) return ok();
  if (json_kind(*node) == JsonKind::kString) {
    for (std::size_t i = 0; i < choices.size(); ++i) {
      if (any_case ? equal_any_case(node->Scalar(), choices[i]) : node->Scalar() == choices[i]) {
        out = i;
        return true;
      }
    }
  }
  return fail(json_path(obj.path, key), "expected " + expected + ", got " + describe_json(*node));
}

}  // namespace taas::ctl
