// libFuzzer harness: the intent YAML parser, validator and compiler
// (control/intent.hpp compile_intent), the intent export
// (control/intent_export.hpp) and apply (control/state.hpp).
//
// Invariants, for any input text:
// - compile_intent gives a snapshot or an Error naming the file; once the
//   text is one YAML document (load_single_document accepts it) the error
//   also names a line, and a field (its YAML path) unless the error is about
//   the document itself (not a mapping, or a key that is not a word: a
//   list, a mapping, an empty string).
// - a compiled snapshot holds what the worker relies on (snapshot_check.hpp).
// - DesiredState::from_text agrees with compile_intent, except that it also
//   refuses (409, a ".name") a name that is another entity's id; an accepted
//   state exports (intent_export) a YAML text that loads back into the same
//   snapshot, and whose export is the same text again.
// - applied to the running state of tests/fuzz/base_intent.yaml: a rejected
//   text (400, 404 or 409, naming the file) leaves the generation, the
//   snapshot and the export as they were; an accepted one bumps the
//   generation by one and exports a text that loads back the same.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "control/intent.hpp"
#include "control/state.hpp"
#include "control/yaml_load.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/snapshot_check.hpp"
#include "tests/fuzz/snapshot_diff.hpp"

namespace taas::fuzz {
extern const char* const kBaseIntent;  // base_intent.yaml, embedded
}

namespace {

using namespace taas::ctl;  // NOLINT: harness
using taas::fuzz::snapshot_diff;
using taas::fuzz::snapshot_problem;

const std::string kFile = "fuzz.yaml";

const DesiredState& base_state() {
  static const DesiredState* state = [] {
    auto s = DesiredState::from_text(taas::fuzz::kBaseIntent, "base.yaml");
    FUZZ_CHECK(s.ok(), "the base intent is rejected: " + (s.ok() ? std::string() : s.error().to_string()));
    return new DesiredState(std::move(s).value());  // lives for the whole run
  }();
  return *state;
}

/// The export without its first line (a comment naming generation and
/// source, which differ between loads).
std::string body(const std::string& exported) {
  const std::size_t nl = exported.find('\n');
  return nl == std::string::npos ? exported : exported.substr(nl);
}

/// `state`'s export loads again, to the same snapshot and the same export.
void check_round_trip(const DesiredState& state, const char* what) {
  const std::string text = state.export_yaml();
  auto again = DesiredState::from_text(text, "export.yaml");
  FUZZ_CHECK(again.ok(), std::string("the export of ") + what + " is rejected: " +
                             (again.ok() ? std::string() : again.error().to_string()) + "\n" + text);
  const std::string diff = snapshot_diff(state.snapshot(), again.value().snapshot());
  FUZZ_CHECK(diff.empty(), std::string("the export of ") + what + " loads to another snapshot (" + diff + ")\n" + text);
  FUZZ_CHECK(body(again.value().export_yaml()) == body(text),
             std::string("the export of ") + what + " exports differently once loaded\n" + text);
}

/// True when every error about `root` can name a field: it is a mapping
/// whose keys are all words (non-empty scalars).
bool nameable(const YAML::Node& root) {
  if (!root.IsMap()) return false;
  for (auto it = root.begin(); it != root.end(); ++it)
    if (!it->first.IsScalar() || it->first.Scalar().empty()) return false;
  return true;
}

void check_compile(std::string_view text) {
  auto compiled = compile_intent(text, kFile);
  if (!compiled.ok()) {
    const Error& e = compiled.error();
    FUZZ_CHECK(e.file == kFile, "error names file '" + e.file + "': " + e.to_string());
    FUZZ_CHECK(!e.message.empty(), "error without a message: " + e.to_string());
    // An error with a line and a field is fine whatever the text is; only
    // one that lacks either must be about a text that is not one document,
    // or (no field) about the document itself: not a mapping, or a key
    // that is not a word. (Loading the text again only then saves two of
    // the eight passes of yaml-cpp over a rejected text.)
    if (e.line == 0 || e.field.empty()) {
      if (auto doc = load_single_document(text, kFile); doc.ok()) {
        FUZZ_CHECK(!e.field.empty() || !nameable(doc.value()), "error on a YAML document names no field: " + e.to_string());
        FUZZ_CHECK(e.line > 0, "error on a YAML document has no line: " + e.to_string());
      }
    }
    auto state = DesiredState::from_text(text, kFile);
    FUZZ_CHECK(!state.ok(), "from_text accepts what compile_intent rejects: " + e.to_string());
    return;
  }
  const std::string problem = snapshot_problem(compiled.value());
  FUZZ_CHECK(problem.empty(), "compiled snapshot breaks a worker assumption: " + problem);
  auto state = DesiredState::from_text(text, kFile);
  if (!state.ok()) {
    const Error& e = state.error();
    FUZZ_CHECK(e.code == 409 && e.field.size() > 5 && e.field.substr(e.field.size() - 5) == ".name",
               "from_text rejects what compile_intent accepts: " + e.to_string());
    return;
  }
  check_round_trip(state.value(), "an accepted intent");
}

void check_apply(std::string_view text) {
  DesiredState state = base_state();
  const std::uint64_t generation = state.snapshot().generation;
  static const std::string exported = base_state().export_yaml();
  auto applied = state.apply(text, kFile);
  if (!applied.ok()) {
    const Error& e = applied.error();
    FUZZ_CHECK(e.code == 400 || e.code == 404 || e.code == 409, "apply failed with code " +
                                                                   std::to_string(e.code) + ": " + e.to_string());
    FUZZ_CHECK(e.file == kFile, "apply error names file '" + e.file + "': " + e.to_string());
    FUZZ_CHECK(!e.message.empty(), "apply error without a message");
    FUZZ_CHECK(state.snapshot().generation == generation, "a rejected apply changed the generation");
    FUZZ_CHECK(state.export_yaml() == exported, "a rejected apply changed the state: " + e.to_string());
    FUZZ_CHECK(snapshot_diff(state.snapshot(), base_state().snapshot()).empty(),
               "a rejected apply changed the snapshot");
    return;
  }
  FUZZ_CHECK(applied.value() == generation + 1 && state.snapshot().generation == generation + 1,
             "apply moved the generation from " + std::to_string(generation) + " to " +
                 std::to_string(state.snapshot().generation));
  const std::string problem = snapshot_problem(state.snapshot());
  FUZZ_CHECK(problem.empty(), "applied snapshot breaks a worker assumption: " + problem);
  check_round_trip(state, "an applied intent");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_compile(text);
  check_apply(text);
  return 0;
}
