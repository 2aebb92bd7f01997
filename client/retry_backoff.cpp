#include "client/retry_backoff.h"

#include <algorithm>

namespace ackd::client {
namespace {

constexpr Duration kFirstWait{250};
constexpr int kMaxDoublings = 20;  // 250ms << 20 is days: beyond any deadline, no overflow

}  // namespace

Duration retry_wait(int attempt, int retries, Duration remaining) {
  if (attempt >= retries) return remaining;
  Duration backoff = kFirstWait * (int64_t{1} << std::min(attempt, kMaxDoublings));
  return std::min(backoff, remaining);
}

}  // namespace ackd::client
