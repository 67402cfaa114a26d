// libFuzzer harness: the control-socket request decoder (control/protocol.hpp,
// json_read.hpp) and the operations behind it (control/ops.hpp) against a
// DesiredState (control/state.hpp) built from tests/fuzz/base_intent.yaml.
//
// The input is up to kMaxLines request lines ('\n'-separated), handled in
// order against a fresh copy of the base state, so that a line may act on
// what an earlier one created. Invariants, per line:
// - parse_request gives a request or a 400 naming a field of the envelope
//   ("", "v", "id", "op", "args", "args.<...>") or the unknown key; a
//   decoded request encodes (encode_request) to a line that decodes to the
//   same request and id; an error encodes to a reply that parse_reply reads
//   back with the same code, field, message and id.
// - handle_request's reply is valid JSON in the reply format, echoes the id,
//   and fails with 400, 404 or 409 only (the hooks never fail, so 500 means
//   taasd's fault: an exception escaped an operation).
// - a failed request changes nothing: generation, exported intent, hooks
//   not called; a read-only one neither; a successful change bumps the
//   generation by one, is published and persisted once, and the state it
//   leaves exports an intent that loads again into the same snapshot.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/json_read.hpp"
#include "control/json_writer.hpp"
#include "control/ops.hpp"
#include "control/protocol.hpp"
#include "control/state.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/snapshot_check.hpp"
#include "tests/fuzz/snapshot_diff.hpp"

namespace taas::fuzz {
extern const char* const kBaseIntent;  // base_intent.yaml, embedded
}

namespace {

using namespace taas::ctl;  // NOLINT: harness
using taas::fuzz::kBaseIntent;
using taas::fuzz::snapshot_diff;

constexpr std::size_t kMaxLines = 8;

class Hooks final : public OpsHooks {
 public:
  Result<std::uint64_t> publish(const taas::Snapshot& snap) override {
    ++published;
    return snap.generation;
  }
  bool port_up(std::uint16_t port) const override { return port % 5 != 4; }
  bool neighbor_resolved(std::uint16_t neighbor) const override { return neighbor % 2 == 0; }
  std::string port_mac(std::uint16_t port) const override { return "02:00:00:00:00:" + std::to_string(10 + port % 90); }
  std::string stats_json() const override { return "{\n \"ports\": [],\n \"services\": []\n}"; }
  std::uint32_t workers() const override { return 1; }
  std::uint32_t workers_alive() const override { return 1; }
  std::uint64_t uptime_seconds() const override { return 7; }
  std::optional<SwapTiming> last_swap() const override { return SwapTiming{2, 31.5, std::nullopt}; }
  void changed(const DesiredState&) override { ++saved; }

  unsigned published = 0;
  unsigned saved = 0;
};

bool mutates(Op op) {
  switch (op) {
    case Op::kServiceCreate:
    case Op::kServiceUpdate:
    case Op::kServiceDelete:
    case Op::kFlowCreate:
    case Op::kFlowUpdate:
    case Op::kFlowDelete:
    case Op::kApply:
      return true;
    default:
      return false;
  }
}

std::string show(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, 300)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? std::string(1, c) : "\\x" + std::to_string(u);
  }
  return out;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

/// True when `message` quotes ('...') the key that `field`, a path, ends
/// with (keys may hold '.' and quotes themselves).
bool names_key(const std::string& field, const std::string& message) {
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (i != 0 && field[i - 1] != '.' && field[i - 1] != ']') continue;
    if (message.find("'" + field.substr(i) + "'") != std::string::npos) return true;
  }
  return false;
}

bool envelope_field(const std::string& field) {
  return field.empty() || field == "v" || field == "id" || field == "op" || field == "args" ||
         field.rfind("args.", 0) == 0;
}

const DesiredState& base_state() {
  static const DesiredState* state = [] {
    auto s = DesiredState::from_text(kBaseIntent, "base.yaml");
    FUZZ_CHECK(s.ok(), "the base intent is rejected: " + (s.ok() ? std::string() : s.error().to_string()));
    return new DesiredState(std::move(s).value());  // lives for the whole run
  }();
  return *state;
}

/// The codec alone: decoding, and both encodings round-trip. Returns the
/// decoded line.
ParsedRequest check_codec(std::string_view line) {
  ParsedRequest parsed = parse_request(line);
  if (!parsed.request.ok()) {
    const Error& e = parsed.request.error();
    FUZZ_CHECK(e.code == 0 || e.code == kInvalid, "decode error with code " + std::to_string(e.code));
    FUZZ_CHECK(!e.message.empty(), "decode error without a message, field '" + e.field + "'");
    FUZZ_CHECK(e.file.empty(), "decode error naming a file: " + e.to_string());
    // Else the path of a key (unknown, or given twice anywhere in the
    // tree) that the message quotes.
    FUZZ_CHECK(envelope_field(e.field) || names_key(e.field, e.message),
               "decode error names field '" + show(e.field) + "': " + e.message);
    const std::string reply = encode_error(parsed.id, kInvalid, e);
    auto back = parse_reply(reply);
    FUZZ_CHECK(back.ok(), "error reply does not decode: " + show(reply) +
                              (back.ok() ? "" : " -> " + back.error().to_string()));
    // JSON is UTF-8: the writer replaces invalid bytes (a message may quote
    // them from the input) with U+FFFD, so only valid text reads back equal.
    FUZZ_CHECK(!back.value().ok && back.value().code == kInvalid && back.value().id == parsed.id &&
                   (back.value().field == e.field || !valid_utf8(e.field)) &&
                   (back.value().message == e.message || !valid_utf8(e.message)),
               "error reply reads back different: " + show(reply));
    return parsed;
  }
  const Request& request = parsed.request.value();
  const std::string again = encode_request(parsed.id, request);
  FUZZ_CHECK(again.find('\n') == std::string::npos, "encoded request holds a newline: " + show(again));
  const ParsedRequest reparsed = parse_request(again);
  FUZZ_CHECK(reparsed.request.ok(), "re-encoded request is rejected: " + show(again) + " -> " +
                                        (reparsed.request.ok() ? "" : reparsed.request.error().to_string()));
  FUZZ_CHECK(reparsed.request.value() == request, "re-encoded request decodes differently: " + show(again));
  FUZZ_CHECK(reparsed.id == parsed.id, "re-encoded request has another id: " + show(again));
  return parsed;
}

/// The state after a successful change: its export loads again, to the same
/// tables (identities pinned). Returns the export.
std::string check_export(const DesiredState& state) {
  const std::string problem = taas::fuzz::snapshot_problem(state.snapshot());
  FUZZ_CHECK(problem.empty(), "a change compiled to a snapshot that breaks a worker assumption: " + problem);
  const std::string text = state.export_yaml();
  auto again = DesiredState::from_text(text, "export.yaml");
  FUZZ_CHECK(again.ok(), "the export of a changed state is rejected: " +
                             (again.ok() ? std::string() : again.error().to_string()) + "\n" + text);
  const std::string diff = snapshot_diff(state.snapshot(), again.value().snapshot());
  FUZZ_CHECK(diff.empty(), "the export loads to another snapshot (" + diff + ")\n" + text);
  // The first line, a comment naming generation and source, differs.
  const auto body = [](const std::string& t) { return t.substr(std::min(t.find('\n'), t.size())); };
  FUZZ_CHECK(body(again.value().export_yaml()) == body(text), "export of the re-loaded export differs\n" + text);
  return text;
}

/// One request line against `state`, whose export is `exported` (kept up
/// to date).
void run_line(std::string_view line, DesiredState& state, Hooks& hooks, std::string& exported) {
  const ParsedRequest parsed = check_codec(line);
  const std::optional<Request> request =
      parsed.request.ok() ? std::optional<Request>(parsed.request.value()) : std::nullopt;

  const std::uint64_t generation = state.snapshot().generation;
  const unsigned published = hooks.published, saved = hooks.saved;

  const std::string reply = handle_request(line, state, hooks, "intent.yaml", "state.json");
  FUZZ_CHECK(reply.find('\n') == std::string::npos, "reply holds a newline: " + show(reply));
  // parse_reply reads the line with load_json first, so a decoded reply is
  // also valid JSON.
  auto decoded = parse_reply(reply);
  FUZZ_CHECK(decoded.ok(), "reply is not in the reply format: " + show(reply) + " -> " +
                               (decoded.ok() ? "" : decoded.error().to_string()));
  const Reply& r = decoded.value();
  FUZZ_CHECK(r.id == parsed.id, "reply does not echo the id: " + show(reply));

  const bool changed = r.ok && request && mutates(request->op);
  if (!r.ok) {
    FUZZ_CHECK(r.code == kInvalid || r.code == kNotFound || r.code == kConflict,
               "failed with code " + std::to_string(r.code) + ": " + show(reply) + "\n  request: " + show(line));
    FUZZ_CHECK(!r.message.empty(), "error reply without a message: " + show(reply));
    FUZZ_CHECK(request || r.code == kInvalid, "undecodable request failed with " + std::to_string(r.code));
  }
  if (!changed) {
    FUZZ_CHECK(state.snapshot().generation == generation,
               "a failed or read-only request changed the generation: " + show(line) + " -> " + show(reply));
    // An undecodable request never reaches the state: exporting is the
    // slowest part of the harness, so only decoded ones are compared.
    FUZZ_CHECK(!request || state.export_yaml() == exported,
               "a failed or read-only request changed the state: " + show(line) + " -> " + show(reply));
    FUZZ_CHECK(hooks.published == published && hooks.saved == saved,
               "a failed or read-only request published or saved: " + show(line));
    return;
  }
  FUZZ_CHECK(state.snapshot().generation == generation + 1,
             "a change moved the generation from " + std::to_string(generation) + " to " +
                 std::to_string(state.snapshot().generation));
  FUZZ_CHECK(hooks.published == published + 1 && hooks.saved == saved + 1,
             "a change was not published and saved exactly once: " + show(line));
  exported = check_export(state);
  // The result names the entity: created ones exist (appended last),
  // deleted ones are gone.
  std::string uuid;
  if (r.result.IsMap())
    for (auto it = r.result.begin(); it != r.result.end(); ++it)
      if (it->first.Scalar() == "id" && it->second.IsScalar()) uuid = it->second.Scalar();
  switch (request->op) {
    case Op::kServiceCreate:
      FUZZ_CHECK(state.find_service(uuid).ok() && state.find_service(uuid).value() + 1 == state.snapshot().services.size(),
                 "created tap service not found by the id in the reply: " + show(reply));
      break;
    case Op::kFlowCreate:
      FUZZ_CHECK(state.find_flow(uuid).ok() && state.find_flow(uuid).value() + 1 == state.snapshot().flows.size(),
                 "created tap flow not found by the id in the reply: " + show(reply));
      break;
    case Op::kServiceDelete:
      FUZZ_CHECK(!uuid.empty() && !state.find_service(uuid).ok(), "deleted tap service still there: " + show(reply));
      break;
    case Op::kFlowDelete:
      FUZZ_CHECK(!uuid.empty() && !state.find_flow(uuid).ok(), "deleted tap flow still there: " + show(reply));
      break;
    default:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  DesiredState state = base_state();
  static const std::string base_export = base_state().export_yaml();
  std::string exported = base_export;
  Hooks hooks;
  std::size_t start = 0;
  for (std::size_t n = 0; n < kMaxLines && start <= text.size(); ++n) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    run_line(text.substr(start, end - start), state, hooks, exported);
    start = end + 1;
  }
  return 0;
}
