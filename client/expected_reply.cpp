#include "client/expected_reply.h"

#include <algorithm>

namespace ackd::client {

// `progress` runs over the text, then one more for a CR after it.
ExpectedReply::Step ExpectedReply::feed(uint32_t& progress, std::string_view bytes) const {
  if (progress < text_.size()) {
    size_t n = std::min(bytes.size(), text_.size() - progress);
    if (bytes.substr(0, n) != text_.substr(progress, n)) return Step::kWrong;
    progress += static_cast<uint32_t>(n);
    bytes.remove_prefix(n);
  }
  if (bytes.empty()) return Step::kMore;
  if (progress == text_.size() && bytes.front() == '\r') {
    ++progress;
    bytes.remove_prefix(1);
    if (bytes.empty()) return Step::kMore;
  }
  // The LF, and nothing after it: more would not answer one message.
  return bytes == "\n" ? Step::kDone : Step::kWrong;
}

bool ExpectedReply::done_at_eof(uint32_t progress) const {
  return progress > 0 && progress >= text_.size();
}

bool ExpectedReply::matches_datagram(std::string_view datagram) const {
  if (datagram.ends_with('\n') && !text_.ends_with('\n')) datagram.remove_suffix(1);
  if (datagram.ends_with('\r') && !text_.ends_with('\r')) datagram.remove_suffix(1);
  return datagram == text_;
}

}  // namespace ackd::client
