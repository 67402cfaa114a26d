#pragma once
// Requests per second per control-socket peer: a token bucket per process
// (the peer's pid from SO_PEERCRED, shared by all its connections). A peer
// holds up to `burst` requests' worth of tokens and earns `rate` per second.
// A request line is answered only with a token in hand; without one the
// socket stops reading that peer's connections until a token is due (the
// kernel's buffer, then the peer's writes, wait), so a flooding peer slows
// to `rate` while every other peer is answered as before. Nothing is
// refused: a well-behaved client pipelining a bulk change just takes
// longer. Control thread only.

#include <sys/types.h>

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace taas::ctl {

class PeerRate {
 public:
  /// `rate` requests per second per peer, at most `burst` at once; rate 0:
  /// no limit.
  explicit PeerRate(std::uint32_t rate = 0, std::uint32_t burst = 0) noexcept { configure(rate, burst); }
  void configure(std::uint32_t rate, std::uint32_t burst) noexcept;

  /// Takes one token of `peer` at time `now_ns` (a monotonic clock); false
  /// when it has none left.
  bool take(pid_t peer, std::uint64_t now_ns);

  /// Nanoseconds from `now_ns` until `peer` has a token (0: it has one).
  std::uint64_t wait_ns(pid_t peer, std::uint64_t now_ns) const noexcept;

  /// Forgets peers that are not in `connected` and whose bucket is full
  /// again (a peer cannot reconnect to refill faster than `rate`).
  void prune(const std::vector<pid_t>& connected, std::uint64_t now_ns);

  std::uint32_t rate() const noexcept { return rate_; }
  std::size_t peers() const noexcept { return buckets_.size(); }

 private:
  struct Bucket {
    std::uint64_t tokens_x = 0;  // tokens × kScale
    std::uint64_t at_ns = 0;     // when tokens_x was last brought up to date
  };
  static constexpr std::uint64_t kScale = 1'000'000'000;  // per ns: `rate` units, exactly
  std::uint64_t refilled(const Bucket& b, std::uint64_t now_ns) const noexcept;

  std::uint32_t rate_ = 0;
  std::uint64_t burst_x_ = 0;
  std::unordered_map<pid_t, Bucket> buckets_;
};

}  // namespace taas::ctl
