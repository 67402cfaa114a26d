#pragma once
// Errors as values for the control path (STYLE.md rule 8): every rejection of
// user input carries the file, line, column and the field it names.

#include <string>
#include <utility>
#include <variant>

namespace taas::ctl {

struct Error {
  std::string file;     // intent file name ("" for a request without a file)
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based; 0 when unknown
  std::string field;    // YAML path, e.g. "tap_flows[0].direction"
  std::string message;  // what is wrong and what is allowed
  /// Control-socket code when the producer knows it: 404 an unknown name or
  /// id, 409 a conflict; 0 = unclassified (the caller decides).
  int code = 0;

  /// "file:line:col: field: message", leaving out the parts that are empty.
  std::string to_string() const;
};

/// A value or an Error. Control thread only.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}      // NOLINT
  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace taas::ctl
