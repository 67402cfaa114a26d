#include "control/cli_format.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <regex>

#include "control/json_writer.hpp"
#include "control/yaml_quote.hpp"

namespace taas::ctl {
namespace {

// ---- text helpers ---------------------------------------------------------

/// Copies valid UTF-8; each invalid byte becomes U+FFFD (as JsonWriter does).
std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

/// Display width in code points (the text is valid UTF-8).
std::size_t width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += sep;
    out += items[i];
  }
  return out;
}

/// The human-readable text cliff prints in table and value output.
std::string human(const Cell& cell) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "None"; }
    std::string operator()(const std::string& s) const { return valid_utf8(s); }
    std::string operator()(std::int64_t n) const { return std::to_string(n); }
    std::string operator()(bool b) const { return b ? "True" : "False"; }
    std::string operator()(const std::vector<std::string>& v) const { return valid_utf8(join(v, ", ")); }
  };
  return std::visit(Visitor{}, cell.value);
}

// ---- column selection -----------------------------------------------------

/// Indexes into `known` for the wanted columns (all when `wanted` is empty).
Result<std::vector<std::size_t>> select_columns(const std::vector<std::string>& known,
                                                const std::vector<std::string>& wanted) {
  std::vector<std::size_t> picked;
  if (wanted.empty()) {
    for (std::size_t i = 0; i < known.size(); ++i) picked.push_back(i);
    return picked;
  }
  for (const std::string& name : wanted) {
    const auto it = std::find(known.begin(), known.end(), name);
    if (it == known.end()) {
      return Error{"", 0, 0, "-c", "unknown column \"" + name + "\"; known columns: " + join(known, ", ")};
    }
    const auto index = static_cast<std::size_t>(it - known.begin());
    if (std::find(picked.begin(), picked.end(), index) == picked.end()) picked.push_back(index);
  }
  return picked;
}

// ---- table (prettytable as cliff configures it) ---------------------------

/// cliff's _format_row: "\r\n" -> "\n", lone "\r" -> " "; then one entry per
/// line.
std::vector<std::string> cell_lines(std::string text) {
  std::string clean;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') continue;
      clean += ' ';
    } else {
      clean += text[i];
    }
  }
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (;;) {
    const std::size_t nl = clean.find('\n', start);
    lines.push_back(clean.substr(start, nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return lines;
}

/// Borders "+---+", one space of padding, every column as wide as its widest
/// line, each row as tall as its tallest cell (top-aligned), headers justified
/// like their column. `right[i]`: column i is right-aligned.
std::string render_table(const std::vector<std::string>& headers, const std::vector<bool>& right,
                         const std::vector<std::vector<std::string>>& rows) {
  if (headers.empty() || rows.empty()) return "";
  const std::size_t n = headers.size();
  std::vector<std::vector<std::vector<std::string>>> split;  // row, column, line
  split.push_back({});
  for (const std::string& h : headers) split.back().push_back(cell_lines(h));
  for (const auto& row : rows) {
    split.push_back({});
    for (const std::string& cell : row) split.back().push_back(cell_lines(cell));
  }
  std::vector<std::size_t> widths(n, 0);
  for (const auto& row : split) {
    for (std::size_t c = 0; c < n; ++c) {
      for (const std::string& line : row[c]) widths[c] = std::max(widths[c], width(line));
    }
  }
  std::string border = "+";
  for (std::size_t w : widths) border += std::string(w + 2, '-') + "+";
  border += '\n';

  std::string out = border;
  for (std::size_t r = 0; r < split.size(); ++r) {
    std::size_t height = 0;
    for (const auto& lines : split[r]) height = std::max(height, lines.size());
    for (std::size_t k = 0; k < height; ++k) {
      out += '|';
      for (std::size_t c = 0; c < n; ++c) {
        const std::string line = k < split[r][c].size() ? split[r][c][k] : "";
        const std::string pad(widths[c] - width(line), ' ');
        out += ' ';
        out += right[c] ? pad + line : line + pad;
        out += " |";
      }
      out += '\n';
    }
    if (r == 0) out += border;  // under the header
  }
  out += border;
  return out;
}

// ---- json (Python json.dumps, indent=2) -----------------------------------

void json_value(std::string& out, const Cell& cell, const std::string& indent) {
  struct Visitor {
    std::string& out;
    const std::string& indent;
    void operator()(std::monostate) const { out += "null"; }
    void operator()(const std::string& s) const { out += json_quote(s); }
    void operator()(std::int64_t n) const { out += std::to_string(n); }
    void operator()(bool b) const { out += b ? "true" : "false"; }
    void operator()(const std::vector<std::string>& v) const {
      if (v.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      for (std::size_t i = 0; i < v.size(); ++i) {
        out += indent + "  " + json_quote(v[i]);
        out += i + 1 < v.size() ? ",\n" : "\n";
      }
      out += indent + "]";
    }
  };
  std::visit(Visitor{out, indent}, cell.value);
}

/// One object, its '{' already placed by the caller at `indent`.
void json_object(std::string& out, const std::vector<const std::string*>& keys, const std::vector<const Cell*>& cells,
                 const std::string& indent) {
  if (keys.empty()) {
    out += "{}";
    return;
  }
  out += "{\n";
  const std::string inner = indent + "  ";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    out += inner + json_quote(*keys[i]) + ": ";
    json_value(out, *cells[i], inner);
    out += i + 1 < keys.size() ? ",\n" : "\n";
  }
  out += indent + "}";
}

// ---- yaml (PyYAML safe_dump, default_flow_style=False) ---------------------

/// True when a plain scalar with this text would be read as something other
/// than a string by a YAML 1.1 or 1.2 loader: null, bool, int, float,
/// timestamp, the 1.1 value/merge keys.
bool resolves_to_non_string(const std::string& text) {
  static const std::regex kImplicit(
      "^(?:~|null|Null|NULL"
      "|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
      "|[-+]?(?:0b[01_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*|[1-9][0-9_]*(?::[0-5]?[0-9])+)"
      "|[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
      "|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
      "|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*"
      "|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)"
      "|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*"
      "|=|<<)$");
  return std::regex_match(text, kImplicit);
}

/// Control characters, DEL, and the Unicode line breaks and BOM YAML treats
/// specially: these need a double-quoted scalar with escapes.
bool needs_escapes(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return true;
  }
  return s.find("\xC2\x85") != std::string_view::npos || s.find("\xE2\x80\xA8") != std::string_view::npos ||
         s.find("\xE2\x80\xA9") != std::string_view::npos || s.find("\xEF\xBB\xBF") != std::string_view::npos;
}

bool plain_is_safe(const std::string& s) {
  if (s.empty() || resolves_to_non_string(s)) return false;
  static constexpr std::string_view kIndicators = "-?:,[]{}#&*!|>'\"%@`";
  if (kIndicators.find(s.front()) != std::string_view::npos) return false;
  if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') return false;
  if (s.starts_with("...")) return false;  // document end marker at a line start
  return s.find(": ") == std::string::npos && s.find(" #") == std::string::npos;
}

/// The value after "key:" (with its leading space or newline), or a sequence
/// item after "- ". `indent` is the column of the key.
void yaml_value(std::string& out, const Cell& cell, const std::string& indent) {
  struct Visitor {
    std::string& out;
    const std::string& indent;
    void operator()(std::monostate) const { out += " null\n"; }
    void operator()(const std::string& s) const { out += " " + yaml_scalar(s) + "\n"; }
    void operator()(std::int64_t n) const { out += " " + std::to_string(n) + "\n"; }
    void operator()(bool b) const { out += b ? " true\n" : " false\n"; }
    void operator()(const std::vector<std::string>& v) const {
      if (v.empty()) {
        out += " []\n";
        return;
      }
      out += '\n';
      // PyYAML does not indent a sequence under its mapping key.
      for (const std::string& item : v) out += indent + "- " + yaml_scalar(item) + "\n";
    }
  };
  std::visit(Visitor{out, indent}, cell.value);
}

/// A block mapping; the first key follows `first_prefix`, the others
/// `indent` (so a row of a sequence starts with "- ").
void yaml_mapping(std::string& out, const std::vector<const std::string*>& keys,
                  const std::vector<const Cell*>& cells, const std::string& first_prefix, const std::string& indent) {
  if (keys.empty()) {
    out += first_prefix + "{}\n";
    return;
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    out += (i == 0 ? first_prefix : indent) + yaml_scalar(*keys[i]) + ":";
    yaml_value(out, *cells[i], indent);
  }
}

}  // namespace

std::string yaml_scalar(std::string_view text) {
  const std::string s = valid_utf8(text);
  if (needs_escapes(s)) return yaml_quote(s);
  if (plain_is_safe(s)) return s;
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

Result<Format> parse_format(std::string_view text) {
  if (text == "table") return Format::kTable;
  if (text == "json") return Format::kJson;
  if (text == "yaml") return Format::kYaml;
  if (text == "value") return Format::kValue;
  return Error{"", 0, 0, "-f",
               "unknown format \"" + valid_utf8(text) + "\"; choose one of table, json, yaml, value"};
}

Result<std::string> format_show(const Record& record, Format format, const std::vector<std::string>& columns) {
  std::vector<std::string> known;
  for (const auto& field : record.fields) known.push_back(field.first);
  auto picked = select_columns(known, columns);
  if (!picked) return picked.error();
  std::vector<const std::string*> keys;
  std::vector<const Cell*> cells;
  for (std::size_t i : picked.value()) {
    keys.push_back(&record.fields[i].first);
    cells.push_back(&record.fields[i].second);
  }

  std::string out;
  switch (format) {
    case Format::kTable: {
      std::vector<std::vector<std::string>> rows;
      for (std::size_t i = 0; i < keys.size(); ++i) rows.push_back({valid_utf8(*keys[i]), human(*cells[i])});
      return render_table({"Field", "Value"}, {false, false}, rows);  // cliff: all left-aligned
    }
    case Format::kJson:
      json_object(out, keys, cells, "");
      return out + "\n";
    case Format::kYaml:
      yaml_mapping(out, keys, cells, "", "");
      return out;
    case Format::kValue:
      for (const Cell* cell : cells) out += human(*cell) + "\n";
      return out;
  }
  return out;
}

Result<std::string> format_list(const Table& table, Format format, const std::vector<std::string>& columns) {
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    if (table.rows[r].size() != table.columns.size()) {
      return Error{"", 0, 0, "rows[" + std::to_string(r) + "]",
                   "has " + std::to_string(table.rows[r].size()) + " cells for " +
                       std::to_string(table.columns.size()) + " columns"};
    }
  }
  auto picked = select_columns(table.columns, columns);
  if (!picked) return picked.error();
  const std::vector<std::size_t>& idx = picked.value();
  std::vector<const std::string*> keys;
  for (std::size_t i : idx) keys.push_back(&table.columns[i]);
  const auto row_cells = [&](const std::vector<Cell>& row) {
    std::vector<const Cell*> cells;
    for (std::size_t i : idx) cells.push_back(&row[i]);
    return cells;
  };

  std::string out;
  switch (format) {
    case Format::kTable: {
      std::vector<std::string> headers;
      std::vector<bool> right;
      for (std::size_t i : idx) {
        headers.push_back(valid_utf8(table.columns[i]));
        // cliff aligns a column right when its cell in the first row is an int.
        right.push_back(!table.rows.empty() && std::holds_alternative<std::int64_t>(table.rows[0][i].value));
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& row : table.rows) {
        rows.emplace_back();
        for (std::size_t i : idx) rows.back().push_back(human(row[i]));
      }
      return render_table(headers, right, rows);
    }
    case Format::kJson:
      if (table.rows.empty()) return std::string("[]\n");
      out += "[\n";
      for (std::size_t r = 0; r < table.rows.size(); ++r) {
        out += "  ";
        json_object(out, keys, row_cells(table.rows[r]), "  ");
        out += r + 1 < table.rows.size() ? ",\n" : "\n";
      }
      return out + "]\n";
    case Format::kYaml:
      if (table.rows.empty()) return std::string("[]\n");
      for (const auto& row : table.rows) yaml_mapping(out, keys, row_cells(row), "- ", "  ");
      return out;
    case Format::kValue:
      for (const auto& row : table.rows) {
        for (std::size_t k = 0; k < idx.size(); ++k) {
          if (k != 0) out += ' ';
          out += human(row[idx[k]]);
        }
        out += '\n';
      }
      return out;
  }
  return out;
}

}  // namespace taas::ctl
