#include "client/ack_lines.h"

namespace ackd::client {

std::optional<std::string> AckLines::next() {
  size_t lf = buffer_.find('\n', start_);
  if (lf == std::string::npos) {
    buffer_.erase(0, start_);  // keep the buffer from growing with consumed lines
    start_ = 0;
    return std::nullopt;
  }
  size_t end = (lf > start_ && buffer_[lf - 1] == '\r') ? lf - 1 : lf;
  std::string line = buffer_.substr(start_, end - start_);
  start_ = lf + 1;
  return line;
}

}  // namespace ackd::client
