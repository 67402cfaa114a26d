#include "control/peer_rate.hpp"

#include <algorithm>

namespace taas::ctl {

void PeerRate::configure(std::uint32_t rate, std::uint32_t burst) noexcept {
  rate_ = rate;
  burst_x_ = std::uint64_t{std::max<std::uint32_t>(burst, 1)} * kScale;
  buckets_.clear();
}

std::uint64_t PeerRate::refilled(const Bucket& b, std::uint64_t now_ns) const noexcept {
  if (now_ns <= b.at_ns) return b.tokens_x;
  if (rate_ == 0 || b.tokens_x >= burst_x_) return burst_x_;
  // `rate` tokens per 1e9 ns are `rate` units of 1/kScale token per ns:
  // exact, nothing lost to rounding. The time is capped at what fills the
  // bucket, so the product cannot overflow (burst_x_ <= 1e15).
  const std::uint64_t fill_ns = (burst_x_ - b.tokens_x) / rate_ + 1;
  const std::uint64_t earned = std::min(now_ns - b.at_ns, fill_ns) * rate_;
  return std::min(burst_x_, b.tokens_x + earned);
}

bool PeerRate::take(pid_t peer, std::uint64_t now_ns) {
  if (rate_ == 0) return true;
  auto [it, fresh] = buckets_.try_emplace(peer, Bucket{burst_x_, now_ns});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens_x = refilled(b, now_ns);
    b.at_ns = std::max(b.at_ns, now_ns);
  }
  if (b.tokens_x < kScale) return false;
  b.tokens_x -= kScale;
  return true;
}

std::uint64_t PeerRate::wait_ns(pid_t peer, std::uint64_t now_ns) const noexcept {
  if (rate_ == 0) return 0;
  const auto it = buckets_.find(peer);
  if (it == buckets_.end()) return 0;
  const std::uint64_t have = refilled(it->second, now_ns);
  if (have >= kScale) return 0;
  const std::uint64_t missing = kScale - have;
  return (missing + rate_ - 1) / rate_;
}

void PeerRate::prune(const std::vector<pid_t>& connected, std::uint64_t now_ns) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const bool live = std::find(connected.begin(), connected.end(), it->first) != connected.end();
    if (!live && refilled(it->second, now_ns) >= burst_x_)
      it = buckets_.erase(it);
    else
      ++it;
  }
}

}  // namespace taas::ctl
