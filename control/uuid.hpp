#pragma once
// UUIDs of ports, tap services and tap flows (Neutron-style identifiers).

#include <string>
#include <string_view>

namespace taas::ctl {

/// True for the textual form 8-4-4-4-12 hex digits (either case).
bool is_uuid(std::string_view text) noexcept;

/// Lowercase form of a UUID, so that lookups and uniqueness checks ignore
/// case. `text` must satisfy is_uuid().
std::string normalize_uuid(std::string_view text);

/// A fresh random (version 4, RFC 4122 variant) UUID in lowercase.
/// Control thread; the generator is per thread.
std::string generate_uuid_v4();

}  // namespace taas::ctl
