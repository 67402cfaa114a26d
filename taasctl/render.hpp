#pragma once
// taasctl's output: the `result` of an ok reply (JSON kinds kept, see
// control/json_read.hpp) turned into what the operator sees. Shows become a
// Record with the fields in the order of control/ops.hpp, lists a Table
// with OpenStack-like headings, both printed by control/cli_format.hpp;
// apply, export and stats have their own text. Pure functions, no I/O;
// control path only (allocates), any thread owning its arguments.

#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "control/cli_format.hpp"
#include "control/protocol.hpp"
#include "control/result.hpp"

namespace taas::ctl::cli {

/// taasctl's exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitServerError = 1;  // the server replied with an error
inline constexpr int kExitUsage = 2;        // bad command line, or -f / -c the formatter refuses
inline constexpr int kExitTransport = 3;    // socket unreachable, or the reply is not the protocol

/// A list column: the heading shown (and named by -c) and the result key.
struct ListColumn {
  std::string heading;
  std::string key;
};

/// The fields of a show result in the order of control/ops.hpp, for the
/// ops that print a Record (service/flow/port show, create and update,
/// health); empty for the others.
const std::vector<std::string>& record_fields(Op op);

/// The columns of a list result (service, flow and port list); empty for the
/// other ops.
const std::vector<ListColumn>& list_columns(Op op);

/// The names -c may give for `op`: the record fields or the list headings.
std::vector<std::string> known_columns(Op op);

/// One JSON value as a Cell: null, string, integer, bool, or a list of
/// strings; any other number, array or object becomes its compact JSON text.
Cell node_cell(const YAML::Node& node);

/// A show result (a JSON object) as a Record: the fields of `fields` the
/// object has, in that order, then any others in the object's order. Error
/// (field "result") when `node` is not an object.
Result<Record> node_record(const YAML::Node& node, const std::vector<std::string>& fields);

/// A list result (a JSON array of objects) as a Table with `columns`; a key
/// an object lacks is a null cell. Error (field "result[i]" or "result")
/// when the shape differs.
Result<Table> node_table(const YAML::Node& node, const std::vector<ListColumn>& columns);

/// A JSON value as indented JSON text (indent 2, like `json.dumps(indent=2)`),
/// with a final newline. Numbers are copied verbatim.
std::string pretty_json(const YAML::Node& node);

/// A JSON value as a YAML block document with a final newline (keys in their
/// order, strings quoted where YAML would read another type).
std::string node_yaml(const YAML::Node& node);

/// What taasctl prints for one result: the text for stdout when exit_code is
/// kExitOk, else one line (without "taasctl: " and '\n') for stderr.
struct Rendered {
  int exit_code = kExitOk;
  std::string text;
};

/// The output for the ok result of `op` in `format` with `columns` (-c).
/// A result of the wrong shape gives kExitTransport; a -c the formatter
/// refuses, kExitUsage. Delete prints nothing; apply its summary line;
/// export the intent text as is; stats three tables (or JSON / YAML).
Rendered render_result(Op op, const YAML::Node& result, Format format, const std::vector<std::string>& columns);

/// The stderr line (without "taasctl: " and '\n') for a server error:
/// "error 404: args.ref: no tap service named 'x'" (the field left out when
/// empty).
std::string server_error_line(const Reply& reply);

}  // namespace taas::ctl::cli
