#include "dataplane/pools.hpp"

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <utility>

namespace taas::dp {
namespace {

rte_mempool* make_pool(const std::string& name, std::uint32_t n, std::uint16_t data_room) {
  // The per-lcore cache may hold at most n / 1.5 mbufs (rte_mempool rule).
  const unsigned cache = std::min<unsigned>(256, n * 2 / 3);
  return rte_pktmbuf_pool_create(name.c_str(), n, cache, 0, data_room, static_cast<int>(rte_socket_id()));
}

}  // namespace

ctl::Result<Pools> Pools::create(const DataplaneParams& params, const std::string& tag) {
  Pools p;
  p.production = make_pool("prod" + tag, params.pool_size, RTE_MBUF_DEFAULT_BUF_SIZE);
  p.mirror = make_pool("mirr" + tag, params.mirror_pool_size, RTE_MBUF_DEFAULT_BUF_SIZE);
  p.clone = make_pool("clon" + tag, params.clone_pool_size, 0);
  if (p.production == nullptr || p.mirror == nullptr || p.clone == nullptr) {
    const std::string why = rte_strerror(rte_errno);
    p.destroy();
    return ctl::Error{"", 0, 0, "dataplane.pool_size",
                      "cannot create mbuf pools (" + why + "); lower the pool sizes or give EAL more memory (-m)"};
  }
  return p;
}

void Pools::destroy() noexcept {
  rte_mempool_free(production);
  rte_mempool_free(mirror);
  rte_mempool_free(clone);
  production = mirror = clone = nullptr;
}

bool Pools::all_returned() const noexcept {
  for (const rte_mempool* mp : {production, mirror, clone})
    if (mp != nullptr && rte_mempool_avail_count(mp) != mp->size) return false;
  return true;
}

std::vector<PoolCount> Pools::counts() const {
  std::vector<PoolCount> out;
  const std::pair<const char*, const rte_mempool*> all[] = {
      {"production", production}, {"mirror", mirror}, {"clone", clone}};
  for (const auto& [name, mp] : all)
    if (mp != nullptr) out.push_back({name, mp->size, rte_mempool_avail_count(mp)});
  return out;
}

}  // namespace taas::dp
