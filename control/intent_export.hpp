#pragma once
// Intent export (issue 4): the running desired state written back as an
// intent YAML document (DESIGN.md §9) that compile_intent accepts and that
// compiles to the same snapshot. Builds without DPDK.

#include <string>
#include <string_view>

#include "control/intent_model.hpp"
#include "control/yaml_quote.hpp"
#include "taas/snapshot.hpp"

namespace taas::ctl {

/// The intent as YAML text: version 1, then dataplane, underlay, networks,
/// ports, tap_services, tap_flows (DESIGN.md §9 order).
///
/// `compiled` must be compile_snapshot(intent, ...) of this very intent: it
/// supplies the UUIDs generated for entities the intent gave no `id` (every
/// port, service and flow is exported with its `id`, so a re-apply keeps
/// identities), the ERSPAN session ids assigned to flows (pinned as
/// `erspan_session_id`, so collectors' sessions stay stable across a
/// re-apply), and the resolved references (written as names, which the
/// compiler looks up before UUIDs). A one-line comment header names the
/// snapshot's generation and source.
///
/// Optional fields are written only when the intent has them; `dataplane`
/// parameters only when they differ from the built-in defaults (`workers`
/// always). Strings are YAML double-quoted with escapes, so any text the
/// parser accepted (quotes, `#`, `:`, newlines, unicode) reads back the same.
///
/// Control thread; pure function, the caller owns the returned text.
std::string export_intent(const Intent& intent, const Snapshot& compiled);


}  // namespace taas::ctl
