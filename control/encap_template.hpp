#pragma once
// Builds the outer-header template a service's mirrored copies are sent with
// (DESIGN.md §5). The worker only patches it (dataplane/encap.hpp).

#include "taas/encap.hpp"

namespace taas::ctl {

/// Lays out the outer header described by `p`: constant fields filled in,
/// lengths, checksums, sequence, timestamp and per-frame ERSPAN bits zero.
/// Field values are masked to their widths (session 10 bits, VNI 24, HwID 6,
/// index 20 / 14, DSCP 6, VLAN 12). Returns a template with len 0 for
/// Encap::kNone. Control thread; the result is a plain value, copied into the
/// snapshot.
EncapTemplate build_encap_template(const EncapParams& p);

}  // namespace taas::ctl
