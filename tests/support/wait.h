// Polling for a condition with a bound, for tests that wait on another
// process (a port being bound, a file being written).
#pragma once

#include <chrono>
#include <thread>

namespace ackd::test {

// Calls pred() every `step` until it returns true (then true) or `timeout`
// has passed (then false, after one last try).
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(step);
  }
  return static_cast<bool>(pred());
}

}  // namespace ackd::test
