#include "control/yaml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>

namespace taas::ctl {

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}


/// Edit distance, for "did you mean" hints on misspelt keys.
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t substitute = diagonal + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// Shared prologue of the scalar readers: handles an absent key or a key
/// with no value. Returns the item to read, or nullptr when there is nothing
/// to read (`done` then holds the result to return).
const Item* lookup(Reader& reader, const Map& map, std::string_view key, Need need,
                   std::string_view hint, bool& done) {
  const Item* item = map.find(key);
  done = true;
  if (item == nullptr) {
    if (need == Need::kRequired) map.missing(reader, key, hint);
    return nullptr;
  }
  if (item->value.IsNull()) {
    if (need == Need::kRequired) {
      reader.fail(item->value_mark, item->path, "no value given; expected " + std::string(hint));
    }
    return nullptr;
  }
  done = false;
  return item;
}

}  // namespace

std::string quote(const std::string& s) { return "'" + s + "'"; }

bool equal_any_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string join_words(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i != 0) out += ", ";
    out += words[i];
  }
  return out;
}

Mark mark_of(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "no value";
}

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out += '.';
  out += key;
  return out;
}

std::string index_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + '[' + std::to_string(index) + ']';
}

bool Reader::fail(Mark at, std::string field, std::string message, int code) {
  if (!error_) error_ = Error{file_, at.line, at.column, std::move(field), std::move(message), code};
  return false;
}

std::optional<Map> Map::open(Reader& reader, const YAML::Node& node, std::string path, Mark fallback,
                             std::initializer_list<std::string_view> allowed) {
  const Mark at = mark_of(node).line > 0 ? mark_of(node) : fallback;
  const std::vector<std::string_view> names(allowed);
  if (!node.IsMap()) {
    reader.fail(at, path, "expected a mapping with fields " + join_words(names) + ", got " + describe(node));
    return std::nullopt;
  }
  Map map;
  map.path_ = std::move(path);
  map.mark_ = at;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;  // copies: `it->` yields a temporary
    const Mark key_mark = mark_of(key);
    if (!key.IsScalar()) {
      reader.fail(key_mark, map.path_, "field names must be plain words, got " + describe(key) + " as a key");
      return std::nullopt;
    }
    const std::string& name = key.Scalar();
    std::string item_path = join_path(map.path_, name);
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      std::string message = "unknown field '" + name + "'";
      const auto closest = std::min_element(names.begin(), names.end(), [&](auto a, auto b) {
        return distance(name, a) < distance(name, b);
      });
      if (closest != names.end() && distance(name, *closest) <= 2 &&
          distance(name, *closest) < name.size()) {
        message += " (did you mean '" + std::string(*closest) + "'?)";
      }
      message += "; allowed here: " + join_words(names);
      reader.fail(key_mark, std::move(item_path), std::move(message));
      return std::nullopt;
    }
    if (const Item* first = map.find(name)) {
      reader.fail(key_mark, std::move(item_path),
                  "field '" + name + "' is given twice (first at line " +
                      std::to_string(first->key_mark.line) + ")");
      return std::nullopt;
    }
    const YAML::Node value = it->second;
    const Mark value_mark = value.IsNull() || mark_of(value).line == 0 ? key_mark : mark_of(value);
    map.items_.push_back(Item{value, name, std::move(item_path), key_mark, value_mark});
  }
  return map;
}

const Item* Map::find(std::string_view key) const {
  for (const Item& item : items_) {
    if (item.key == key) return &item;
  }
  return nullptr;
}

bool Map::missing(Reader& reader, std::string_view key, std::string_view hint) const {
  std::string message = "missing required field '" + std::string(key) + "'";
  if (!hint.empty()) message += " (" + std::string(hint) + ")";
  return reader.fail(mark_, join_path(path_, key), std::move(message));
}

bool read_string(Reader& reader, const Map& map, std::string_view key, Need need,
                 Field<std::string>& out, bool allow_empty) {
  bool done = false;
  const Item* item = lookup(reader, map, key, need, "a string", done);
  if (done) return reader.ok();
  if (!item->value.IsScalar()) {
    return reader.fail(item->value_mark, item->path, "expected a string, got " + describe(item->value));
  }
  if (item->value.Scalar().empty() && !allow_empty) {
    return reader.fail(item->value_mark, item->path, "must not be empty");
  }
  out = {item->value.Scalar(), item->value_mark, true};
  return true;
}

bool read_uint(Reader& reader, const Map& map, std::string_view key, Need need, std::uint32_t lo,
               std::uint32_t hi, Field<std::uint32_t>& out) {
  const std::string range = std::to_string(lo) + ".." + std::to_string(hi);
  const std::string expected = "expected an integer in " + range;
  bool done = false;
  const Item* item = lookup(reader, map, key, need, "an integer in " + range, done);
  if (done) return reader.ok();
  if (!item->value.IsScalar()) {
    return reader.fail(item->value_mark, item->path, expected + ", got " + describe(item->value));
  }
  std::string_view text = item->value.Scalar();
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (!is_digits(text)) {
    if (text.size() > 1 && text.front() == '-' && is_digits(text.substr(1))) {
      return reader.fail(item->value_mark, item->path,
                         "must not be negative; " + expected + ", got " + item->value.Scalar());
    }
    return reader.fail(item->value_mark, item->path, expected + ", got " + describe(item->value));
  }
  std::uint64_t value = 0;
  for (char c : text) {
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > hi) break;  // also stops before the accumulator overflows
  }
  if (value < lo || value > hi) {
    return reader.fail(item->value_mark, item->path,
                       "out of range; " + expected + ", got " + item->value.Scalar());
  }
  out = {static_cast<std::uint32_t>(value), item->value_mark, true};
  return true;
}

bool read_bool(Reader& reader, const Map& map, std::string_view key, Need need, Field<bool>& out) {
  Field<std::size_t> index;
  if (!read_choice(reader, map, key, need, {"false", "true"}, true, index)) return false;
  if (index.present) out = {index.value == 1, index.mark, true};
  return true;
}

bool read_choice(Reader& reader, const Map& map, std::string_view key, Need need,
                 const std::vector<std::string_view>& choices, bool any_case, Field<std::size_t>& out) {
  const std::string allowed = join_words(choices);
  bool done = false;
  const Item* item = lookup(reader, map, key, need, "one of " + allowed, done);
  if (done) return reader.ok();
  if (!item->value.IsScalar()) {
    return reader.fail(item->value_mark, item->path,
                       "expected one of " + allowed + ", got " + describe(item->value));
  }
  const std::string& text = item->value.Scalar();
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (any_case ? equal_any_case(text, choices[i]) : text == choices[i]) {
      out = {i, item->value_mark, true};
      return true;
    }
  }
  return reader.fail(item->value_mark, item->path,
                     "unknown value '" + text + "'; allowed: " + allowed +
                         (any_case ? " (any case)" : ""));
}

bool read_string_list(Reader& reader, const Map& map, std::string_view key,
                      std::vector<std::string>& out) {
  const auto list = read_list(reader, map, key);
  if (!list) return false;
  const Item* item = map.find(key);
  for (std::size_t i = 0; i < list->size(); ++i) {
    const YAML::Node& element = (*list)[i];
    if (!element.IsScalar()) {
      const Mark at = mark_of(element).line > 0 ? mark_of(element) : item->value_mark;
      return reader.fail(at, index_path(item->path, i), "expected a string, got " + describe(element));
    }
    out.push_back(element.Scalar());
  }
  return true;
}

std::optional<std::vector<YAML::Node>> read_list(Reader& reader, const Map& map, std::string_view key) {
  const Item* item = map.find(key);
  std::vector<YAML::Node> out;
  if (item == nullptr || item->value.IsNull()) return out;
  if (!item->value.IsSequence()) {
    reader.fail(item->value_mark, item->path, "expected a list, got " + describe(item->value));
    return std::nullopt;
  }
  for (const YAML::Node& element : item->value) out.push_back(element);
  return out;
}

}  // namespace taas::ctl
