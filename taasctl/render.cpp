#include "taasctl/render.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "control/json_read.hpp"
#include "control/json_writer.hpp"

namespace taas::ctl::cli {
namespace {

// ---- field lists (control/ops.hpp) ------------------------------------------

const std::vector<std::string> kServiceFields{"id",        "name", "description", "port",   "port_id", "mode",
                                              "encap",     "remote_ip", "vni",    "status", "flows"};
const std::vector<std::string> kFlowFields{"id",          "name",           "description",       "source_port",
                                           "source_port_id", "tap_service", "tap_service_id", "direction",
                                           "vlan_filter", "erspan_session_id", "status"};
const std::vector<std::string> kPortFields{"id", "name", "role", "device", "network", "mac", "status", "service_port"};
const std::vector<std::string> kHealthFields{"generation",     "workers",     "workers_alive",
                                             "uptime_seconds", "intent_file", "state_file"};
const std::vector<std::string> kNoFields;

// OpenStack's `tap service list` shows ID, Tenant, Name, Port, Status; there
// is no tenant here, and the mode says where the copies go.
const std::vector<ListColumn> kServiceColumns{
    {"ID", "id"}, {"Name", "name"}, {"Port", "port"}, {"Mode", "mode"}, {"Status", "status"}};
const std::vector<ListColumn> kFlowColumns{{"ID", "id"},
                                           {"Name", "name"},
                                           {"Status", "status"},
                                           {"source_port", "source_port"},
                                           {"tap_service_id", "tap_service_id"},
                                           {"Direction", "direction"}};
const std::vector<ListColumn> kPortColumns{
    {"ID", "id"}, {"Name", "name"}, {"Role", "role"}, {"Network", "network"}, {"Status", "status"}};
const std::vector<ListColumn> kNoColumns;

// ---- node helpers -------------------------------------------------------------

/// The member `key` of a JSON object, or nullopt. Iterates rather than using
/// operator[], which compares keys by conversion and can insert.
std::optional<YAML::Node> member(const YAML::Node& object, std::string_view key) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (it->first.Scalar() == key) return YAML::Node(it->second);
  }
  return std::nullopt;
}

std::string compact_json(const YAML::Node& node) {
  JsonWriter w;
  write_json_node(w, node);
  return w.take();
}

Rendered transport(std::string message) { return {kExitTransport, "unexpected reply: " + std::move(message)}; }

Rendered from_format(const Result<std::string>& text) {
  if (!text) return {kExitUsage, text.error().field + ": " + text.error().message};
  return {kExitOk, text.value()};
}

// ---- pretty JSON and YAML of a node ----------------------------------------------

bool empty_container(const YAML::Node& node) {
  const JsonKind kind = json_kind(node);
  return (kind == JsonKind::kObject || kind == JsonKind::kArray) && node.size() == 0;
}

void json_indented(std::string& out, const YAML::Node& node, const std::string& indent) {
  const JsonKind kind = json_kind(node);
  if ((kind != JsonKind::kObject && kind != JsonKind::kArray) || empty_container(node)) {
    out += compact_json(node);
    return;
  }
  const std::string inner = indent + "  ";
  out += kind == JsonKind::kObject ? "{\n" : "[\n";
  std::size_t i = 0;
  for (auto it = node.begin(); it != node.end(); ++it, ++i) {
    out += inner;
    if (kind == JsonKind::kObject) {
      out += json_quote(it->first.Scalar()) + ": ";
      json_indented(out, it->second, inner);
    } else {
      json_indented(out, *it, inner);
    }
    out += i + 1 < node.size() ? ",\n" : "\n";
  }
  out += indent + (kind == JsonKind::kObject ? "}" : "]");
}

std::string yaml_leaf(const YAML::Node& node) {
  switch (json_kind(node)) {
    case JsonKind::kNull:
      return "null";
    case JsonKind::kString:
      return yaml_scalar(node.Scalar());
    case JsonKind::kObject:
      return "{}";
    case JsonKind::kArray:
      return "[]";
    default:
      return node.Scalar();  // numbers verbatim, true, false
  }
}

void yaml_block(std::string& out, const YAML::Node& node, const std::string& indent, bool inline_first);

/// The value after "key:" or "-", the key's line indented by `indent`.
void yaml_value(std::string& out, const YAML::Node& value, const std::string& indent, bool in_sequence) {
  const JsonKind kind = json_kind(value);
  if ((kind != JsonKind::kObject && kind != JsonKind::kArray) || empty_container(value)) {
    out += " " + yaml_leaf(value) + "\n";
  } else if (in_sequence) {
    out += " ";  // "- key: v" / "- - v", the rest aligned under the first
    yaml_block(out, value, indent + "  ", true);
  } else {
    out += "\n";  // PyYAML does not indent a sequence under its key
    yaml_block(out, value, kind == JsonKind::kArray ? indent : indent + "  ", false);
  }
}

/// A non-empty object or array; every line but (when `inline_first`) the
/// first starts with `indent`.
void yaml_block(std::string& out, const YAML::Node& node, const std::string& indent, bool inline_first) {
  bool first = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!(first && inline_first)) out += indent;
    first = false;
    if (json_kind(node) == JsonKind::kObject) {
      out += yaml_scalar(it->first.Scalar()) + ":";
      yaml_value(out, it->second, indent, false);
    } else {
      out += "-";
      yaml_value(out, *it, indent, true);
    }
  }
}

// ---- apply, export, stats ----------------------------------------------------------

/// A count that is an integer or an array (its length).
std::optional<std::int64_t> count_of(const YAML::Node& object, std::string_view key) {
  const auto value = member(object, key);
  if (!value) return std::nullopt;
  if (json_kind(*value) == JsonKind::kArray) return static_cast<std::int64_t>(value->size());
  return json_integer(*value);
}

Rendered render_apply(const YAML::Node& result) {
  if (json_kind(result) != JsonKind::kObject) return transport("result: expected an object, got " + describe_json(result));
  const auto generation = count_of(result, "generation");
  const auto services = count_of(result, "tap_services");
  const auto flows = count_of(result, "tap_flows");
  if (!generation || !services || !flows) {
    return transport("result: expected generation, tap_services and tap_flows, got " + compact_json(result));
  }
  return {kExitOk, "applied: generation " + std::to_string(*generation) + ", " + std::to_string(*services) +
                       " tap services, " + std::to_string(*flows) + " tap flows\n"};
}

Rendered render_export(const YAML::Node& result) {
  const auto intent = json_kind(result) == JsonKind::kObject ? member(result, "intent") : std::nullopt;
  if (!intent || json_kind(*intent) != JsonKind::kString) {
    return transport("result: expected an object with the string \"intent\", got " + describe_json(result));
  }
  return {kExitOk, intent->Scalar()};
}

/// A counter cell: the integer, or the value's own cell when it is not one.
Cell counter(const YAML::Node& object, std::string_view key) {
  const auto value = member(object, key);
  if (!value) return nullptr;
  if (const auto n = json_integer(*value)) return *n;
  return node_cell(*value);
}

/// The dropped total of a tap service: the sum of a `dropped` object's
/// counters (by reason), or `dropped` itself when it is one number.
Cell dropped_total(const YAML::Node& object) {
  const auto dropped = member(object, "dropped");
  if (!dropped) return nullptr;
  if (json_kind(*dropped) != JsonKind::kObject) return counter(object, "dropped");
  std::int64_t sum = 0;
  for (auto it = dropped->begin(); it != dropped->end(); ++it) sum += json_integer(it->second).value_or(0);
  return sum;
}

/// One row per member of stats[section]: its name, then its `counters`
/// (and the dropped total).
Result<Table> stats_table(const YAML::Node& stats, std::string_view section, std::string heading,
                          const std::vector<std::string>& counters, bool with_dropped) {
  Table table;
  table.columns.push_back(std::move(heading));
  for (const std::string& c : counters) table.columns.push_back(c);
  if (with_dropped) table.columns.emplace_back("dropped");
  const auto entries = member(stats, section);
  if (!entries || json_kind(*entries) == JsonKind::kNull) return table;
  if (json_kind(*entries) != JsonKind::kObject) {
    return Error{"", 0, 0, std::string("result.") + std::string(section),
                 "expected an object, got " + describe_json(*entries)};
  }
  for (auto it = entries->begin(); it != entries->end(); ++it) {
    const YAML::Node entry = it->second;
    if (json_kind(entry) != JsonKind::kObject) {
      return Error{"", 0, 0, "result." + std::string(section) + "." + it->first.Scalar(),
                   "expected an object, got " + describe_json(entry)};
    }
    std::vector<Cell>& row = table.rows.emplace_back();
    row.emplace_back(it->first.Scalar());
    for (const std::string& c : counters) row.push_back(counter(entry, c));
    if (with_dropped) row.push_back(dropped_total(entry));
  }
  return table;
}

Rendered render_stats(const YAML::Node& result, Format format) {
  if (json_kind(result) != JsonKind::kObject) return transport("result: expected an object, got " + describe_json(result));
  if (format == Format::kJson) return {kExitOk, pretty_json(result)};
  if (format == Format::kYaml) return {kExitOk, node_yaml(result)};
  if (format != Format::kTable) return {kExitUsage, "-f: stats prints table, json or yaml"};

  const Result<Table> tables[] = {
      stats_table(result, "ports", "Port", {"rx_packets", "tx_packets", "rx_dropped", "tx_dropped"}, false),
      stats_table(result, "tap_services", "Tap Service", {"packets", "bytes"}, true),
      stats_table(result, "tap_flows", "Tap Flow", {"packets", "bytes"}, false),
  };
  std::string out;
  for (const auto& table : tables) {
    if (!table) return transport(table.error().field + ": " + table.error().message);
    auto text = format_list(table.value(), Format::kTable, {});
    if (!text) return from_format(text);
    if (text.value().empty()) continue;
    if (!out.empty()) out += '\n';
    out += text.value();
  }
  return {kExitOk, out};
}

}  // namespace

const std::vector<std::string>& record_fields(Op op) {
  switch (op) {
    case Op::kServiceCreate:
    case Op::kServiceShow:
    case Op::kServiceUpdate:
      return kServiceFields;
    case Op::kFlowCreate:
    case Op::kFlowShow:
    case Op::kFlowUpdate:
      return kFlowFields;
    case Op::kPortShow:
      return kPortFields;
    case Op::kHealth:
      return kHealthFields;
    default:
      return kNoFields;
  }
}

const std::vector<ListColumn>& list_columns(Op op) {
  switch (op) {
    case Op::kServiceList:
      return kServiceColumns;
    case Op::kFlowList:
      return kFlowColumns;
    case Op::kPortList:
      return kPortColumns;
    default:
      return kNoColumns;
  }
}

std::vector<std::string> known_columns(Op op) {
  std::vector<std::string> names = record_fields(op);
  for (const ListColumn& c : list_columns(op)) names.push_back(c.heading);
  return names;
}

Cell node_cell(const YAML::Node& node) {
  switch (json_kind(node)) {
    case JsonKind::kNull:
      return nullptr;
    case JsonKind::kString:
      return node.Scalar();
    case JsonKind::kBool:
      return node.Scalar() == "true";
    case JsonKind::kNumber:
      if (const auto n = json_integer(node)) return *n;
      return node.Scalar();
    case JsonKind::kArray: {
      std::vector<std::string> items;
      for (const auto& element : node) {
        if (json_kind(element) != JsonKind::kString) return compact_json(node);
        items.push_back(element.Scalar());
      }
      return items;
    }
    case JsonKind::kObject:
      return compact_json(node);
  }
  return nullptr;
}

Result<Record> node_record(const YAML::Node& node, const std::vector<std::string>& fields) {
  if (json_kind(node) != JsonKind::kObject) {
    return Error{"", 0, 0, "result", "expected an object, got " + describe_json(node)};
  }
  Record record;
  for (const std::string& name : fields) {
    if (const auto value = member(node, name)) record.fields.emplace_back(name, node_cell(*value));
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string& name = it->first.Scalar();
    if (std::find(fields.begin(), fields.end(), name) == fields.end()) {
      record.fields.emplace_back(name, node_cell(it->second));
    }
  }
  return record;
}

Result<Table> node_table(const YAML::Node& node, const std::vector<ListColumn>& columns) {
  if (json_kind(node) != JsonKind::kArray) {
    return Error{"", 0, 0, "result", "expected an array, got " + describe_json(node)};
  }
  Table table;
  for (const ListColumn& c : columns) table.columns.push_back(c.heading);
  std::size_t i = 0;
  for (const auto& element : node) {
    if (json_kind(element) != JsonKind::kObject) {
      return Error{"", 0, 0, "result[" + std::to_string(i) + "]", "expected an object, got " + describe_json(element)};
    }
    std::vector<Cell>& row = table.rows.emplace_back();
    for (const ListColumn& c : columns) {
      const auto value = member(element, c.key);
      row.push_back(value ? node_cell(*value) : Cell{});
    }
    ++i;
  }
  return table;
}

std::string pretty_json(const YAML::Node& node) {
  std::string out;
  json_indented(out, node, "");
  return out + "\n";
}

std::string node_yaml(const YAML::Node& node) {
  const JsonKind kind = json_kind(node);
  if ((kind != JsonKind::kObject && kind != JsonKind::kArray) || empty_container(node)) {
    return yaml_leaf(node) + "\n";
  }
  std::string out;
  yaml_block(out, node, "", false);
  return out;
}

Rendered render_result(Op op, const YAML::Node& result, Format format, const std::vector<std::string>& columns) {
  switch (op) {
    case Op::kServiceDelete:
    case Op::kFlowDelete:
      return {kExitOk, ""};  // like `openstack tap service delete`
    case Op::kApply:
      return render_apply(result);
    case Op::kExport:
      return render_export(result);
    case Op::kStats:
      return render_stats(result, format);
    default:
      break;
  }
  if (!list_columns(op).empty()) {
    auto table = node_table(result, list_columns(op));
    if (!table) return transport(table.error().field + ": " + table.error().message);
    return from_format(format_list(table.value(), format, columns));
  }
  auto record = node_record(result, record_fields(op));
  if (!record) return transport(record.error().field + ": " + record.error().message);
  return from_format(format_show(record.value(), format, columns));
}

std::string server_error_line(const Reply& reply) {
  std::string line = "error " + std::to_string(reply.code) + ": ";
  if (!reply.field.empty()) line += reply.field + ": ";
  return line + reply.message;
}

}  // namespace taas::ctl::cli
