#pragma once
// The TaaS `vlan_filter` syntax: "9,18,27-36" — comma-separated VLAN ids or
// inclusive ranges a-b (a <= b), each 0..4095.

#include <bitset>
#include <string_view>

#include "control/result.hpp"
#include "taas/snapshot.hpp"

namespace taas::ctl {

using VlanSet = VlanBits;

/// Parses a vlan_filter. Spaces around items and around the '-' of a range
/// are ignored; empty items, non-digits and out-of-range ids are errors whose
/// message (only the message is set) quotes the offending item.
Result<VlanSet> parse_vlan_filter(std::string_view text);

}  // namespace taas::ctl
