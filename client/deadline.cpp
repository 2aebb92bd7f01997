#include "client/deadline.h"

#include <poll.h>

#include <climits>
#include <stdexcept>

#include "common/syscall.h"

namespace ackd::client {

Duration parse_positive_duration(const std::string& option, const std::string& text) {
  Duration value;
  try {
    value = parse_duration(text);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(option + ": " + e.what());
  }
  if (value <= Duration::zero()) throw std::invalid_argument(option + " must be more than 0");
  return value;
}

short poll_until(int fd, short events, const Deadline& deadline) {
  // poll() after EINTR must wait only for what is left, so loop here rather
  // than in retry_eintr().
  while (true) {
    pollfd p{fd, events, 0};
    auto wait = std::min<Duration::rep>(deadline.remaining().count(), INT_MAX);
    int rc = ::poll(&p, 1, static_cast<int>(wait));
    if (rc > 0) return p.revents;
    if (rc == 0) return 0;
    if (errno != EINTR) throw_errno("poll", "");
  }
}

}  // namespace ackd::client
