// Deadline: the one time budget (--timeout) that bounds every blocking wait
// of a command, and poll() against it.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>

#include "common/duration.h"
#include "common/steady_time.h"

namespace ackd::client {

class Deadline {
 public:
  explicit Deadline(Duration budget) : budget_(budget), end_(SteadyClock::now() + budget) {}

  Duration budget() const { return budget_; }
  bool expired() const { return SteadyClock::now() >= end_; }
  // Time left, rounded up to whole milliseconds so waits never spin; >= 0.
  Duration remaining() const {
    auto left = std::chrono::ceil<Duration>(end_ - SteadyClock::now());
    return std::max(left, Duration::zero());
  }

 private:
  Duration budget_;
  SteadyTime end_;
};

// A time budget given as `option` (--timeout, --duration): a duration of
// more than 0 (zero could only ever time out). Throws std::invalid_argument
// with the line to show, naming the option.
Duration parse_positive_duration(const std::string& option, const std::string& text);

// Polls `fd` for `events` until the deadline; returns revents, 0 on timeout.
// Throws std::system_error if poll fails.
short poll_until(int fd, short events, const Deadline& deadline);

}  // namespace ackd::client
