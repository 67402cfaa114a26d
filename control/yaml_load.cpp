#include "control/yaml_load.hpp"

#include <exception>
#include <sstream>
#include <vector>

#include <yaml-cpp/eventhandler.h>

namespace taas::ctl {

namespace {

/// Records where each document's content starts and whether it is null.
/// Parsing only emits events; no nodes are built.
class DocumentScan final : public YAML::EventHandler {
 public:
  struct Document {
    YAML::Mark mark;  // of the document's root node
    bool null = true;
    bool seen = false;  // a root node was reported
  };

  const std::vector<Document>& documents() const noexcept { return documents_; }

  void OnDocumentStart(const YAML::Mark&) override { documents_.emplace_back(); started_ = false; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { root(mark, true); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { root(mark, false); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    root(mark, false);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    root(mark, false);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    root(mark, false);
  }
  void OnMapEnd() override {}

 private:
  void root(const YAML::Mark& mark, bool null) {
    if (started_ || documents_.empty()) return;
    started_ = true;
    documents_.back() = {mark, null, true};
  }

  std::vector<Document> documents_;
  bool started_ = false;
};

Error at_mark(const std::string& file, const YAML::Mark& mark, std::string message) {
  const bool known = !mark.is_null() && mark.line >= 0 && mark.column >= 0;
  return Error{file, known ? mark.line + 1 : 0, known ? mark.column + 1 : 0, "", std::move(message)};
}

Error yaml_error(const std::string& file, const YAML::Exception& e, const char* what) {
  return at_mark(file, e.mark, what + (e.msg.empty() ? std::string(e.what()) : e.msg));
}

}  // namespace

Result<YAML::Node> load_single_document(std::string_view text, const std::string& file) {
  const std::string copy(text);
  try {
    // First pass: count the documents. yaml-cpp 0.7 never advances past
    // some stray tokens (e.g. a ',' at the top level) and reports an endless
    // series of empty documents at the same position; YAML::LoadAll then
    // allocates until the process is killed (yaml-cpp issue #1040, fixed by
    // PR #1319 after 0.8). Stop at the first document that does not move.
    std::istringstream in(copy);
    YAML::Parser parser(in);
    DocumentScan scan;
    while (parser.HandleNextDocument(scan)) {
      const auto& docs = scan.documents();
      const std::size_t n = docs.size();
      if (n >= 2 && docs[n - 1].seen && docs[n - 2].seen && docs[n - 1].mark.pos <= docs[n - 2].mark.pos) {
        const YAML::Mark& stuck = docs.back().mark;
        const bool in_text = stuck.pos >= 0 && static_cast<std::size_t>(stuck.pos) < copy.size();
        return at_mark(file, stuck,
                       "YAML syntax error: unexpected " +
                           (in_text ? "'" + std::string(1, copy[static_cast<std::size_t>(stuck.pos)]) + "'"
                                    : std::string("token")));
      }
    }
    const auto& docs = scan.documents();
    if (docs.empty() || (docs.size() == 1 && docs[0].null)) {
      return Error{file, 0, 0, "", "the intent is empty; expected a mapping starting with 'version: 1'"};
    }
    if (docs.size() > 1) {
      return at_mark(file, docs[1].mark,
                     "expected one YAML document, found " + std::to_string(docs.size()) +
                         " (remove the extra '---')");
    }
    // Second pass: build the nodes of the one document.
    return YAML::Load(copy);
  } catch (const YAML::ParserException& e) {
    return yaml_error(file, e, "YAML syntax error: ");
  } catch (const YAML::Exception& e) {
    return yaml_error(file, e, "cannot read YAML: ");
  } catch (const std::exception& e) {
    return Error{file, 0, 0, "", std::string("cannot read YAML: ") + e.what()};
  }
}

}  // namespace taas::ctl
