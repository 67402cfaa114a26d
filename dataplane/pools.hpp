#pragma once
// The three mempools of DESIGN.md §4: production frames, linear mirror
// copies, and clones (indirect mbufs with no data room). Separate pools, so
// that mirroring can never starve production.

#include <rte_mempool.h>

#include <string>

#include <vector>

#include "control/result.hpp"
#include "dataplane/stats_json.hpp"
#include "taas/snapshot.hpp"

namespace taas::dp {

struct Pools {
  rte_mempool* production = nullptr;
  rte_mempool* mirror = nullptr;
  rte_mempool* clone = nullptr;

  /// Creates the pools sized from `params`; names get `tag` appended so that
  /// several instances in one process (tests) do not collide. Main thread,
  /// after EAL init.
  static ctl::Result<Pools> create(const DataplaneParams& params, const std::string& tag);

  /// Frees the pools (all mbufs must be back). Main thread, after the ports
  /// are closed.
  void destroy() noexcept;

  /// True when every pool holds all its mbufs again (no leak).
  bool all_returned() const noexcept;

  /// Size and available mbufs of each pool (production, mirror, clone).
  std::vector<PoolCount> counts() const;
};

}  // namespace taas::dp
