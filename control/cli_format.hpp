#pragma once
// Output formats for taasctl: `-f table|json|yaml|value` and `-c COLUMN`
// (repeatable), behaving like python-openstackclient / cliff. Control path
// only (allocates); any thread that owns its arguments may call it.
//
// A "show" result is one Record (ordered field/value pairs); a "list" result
// is a Table (ordered column names, rows of cells). Where we differ from
// cliff, on purpose:
// - table, empty list or record: cliff (print_empty=False) prints nothing but
//   a newline; we return "" (nothing at all).
// - table widths count Unicode code points; prettytable counts East Asian
//   wide characters as 2 columns. Invalid UTF-8 bytes become U+FFFD in every
//   format.
// - json: indent 2 like cliff's default, but non-ASCII text is written as
//   UTF-8 rather than \uXXXX (Python's ensure_ascii). Both parse the same.
// - yaml: keys in column order (PyYAML's safe_dump sorts them), UTF-8 left
//   as is, strings that YAML 1.1 or 1.2 would read as another type quoted.
// - lists of strings: joined with ", " in table and value output, in their
//   own order (osc-lib's format_list sorts; cliff's value format prints the
//   Python repr).
// - -c: an unknown column is an error (cliff ignores it while at least one
//   column is known); a repeated column is shown once.

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "control/result.hpp"

namespace taas::ctl {

/// One value: null, a string, an integer, a boolean or a list of strings.
/// Default-constructed (or from nullptr) it is null.
struct Cell {
  using Value = std::variant<std::monostate, std::string, std::int64_t, bool, std::vector<std::string>>;

  Cell() = default;
  Cell(std::nullptr_t) {}                                      // NOLINT: implicit on purpose
  Cell(std::string text) : value(std::move(text)) {}           // NOLINT
  Cell(std::string_view text) : value(std::string(text)) {}    // NOLINT
  Cell(const char* text) : value(std::string(text)) {}         // NOLINT (not bool)
  Cell(bool flag) : value(flag) {}                             // NOLINT
  /// Any integer type other than bool; values above INT64_MAX wrap.
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Cell(T number) : value(static_cast<std::int64_t>(number)) {}  // NOLINT
  Cell(std::vector<std::string> items) : value(std::move(items)) {}  // NOLINT

  Value value;
};

/// A "show" result: fields in display order.
struct Record {
  std::vector<std::pair<std::string, Cell>> fields;
};

/// A "list" result: every row has exactly one cell per column.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

enum class Format { kTable, kJson, kYaml, kValue };

/// "table", "json", "yaml" or "value" (exact, lower case). Otherwise an Error
/// with field "-f" whose message quotes the text and lists the four formats.
Result<Format> parse_format(std::string_view text);

/// The record in `format`, ending with '\n' (or "" for an empty table).
/// `columns` empty: every field in order; otherwise those fields, in that
/// order. An unknown name is an Error with field "-c" naming it and listing
/// the known fields.
Result<std::string> format_show(const Record& record, Format format, const std::vector<std::string>& columns);

/// The table in `format`, ending with '\n' (or "" for a table without rows).
/// `columns` as for format_show. A row whose cell count differs from the
/// column count is an Error with field "rows[i]".
Result<std::string> format_list(const Table& table, Format format, const std::vector<std::string>& columns);

/// `text` as one YAML scalar: plain when YAML reads it back as the same
/// string, else single-quoted, or double-quoted with escapes when it holds
/// control characters or line breaks. Exposed for tests and for callers that
/// write their own YAML.
std::string yaml_scalar(std::string_view text);

}  // namespace taas::ctl
