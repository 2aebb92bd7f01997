// LineFramer: splits a byte stream into messages, one per LF-terminated line
// (a CR before the LF is dropped). A final unterminated fragment becomes a
// message at EOF. Lines longer than max_message are a protocol error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ackd {

enum class FrameStatus {
  kOk,       // all input consumed (a partial line may be buffered)
  kStopped,  // the sink asked to stop; the rest of the input was dropped
  kTooLong,  // a line exceeded max_message; the stream cannot continue
};

class LineFramer {
 public:
  explicit LineFramer(size_t max_message) : max_message_(max_message) {}

  // Feeds bytes; calls sink(std::string_view message) -> bool (false: stop)
  // for every complete line. Complete lines in `data` are passed without copying.
  template <typename Sink>
  FrameStatus feed(std::string_view data, Sink&& sink);

  // End of stream: a buffered fragment, if any, becomes the last message.
  template <typename Sink>
  FrameStatus finish(Sink&& sink);

  bool has_partial() const { return !partial_.empty(); }
  // After kStopped: whether input after the last message was dropped.
  bool dropped_input() const { return dropped_input_; }
  size_t partial_size() const { return partial_.size(); }

 private:
  static std::string_view strip_cr(std::string_view line) {
    return !line.empty() && line.back() == '\r' ? line.substr(0, line.size() - 1) : line;
  }
  // A buffered fragment is too long once it cannot end as a line of max_message
  // bytes (it may still end with the CR of a CRLF).
  bool partial_too_long() const {
    return partial_.size() > max_message_ + (partial_.back() == '\r' ? 1 : 0);
  }

  size_t max_message_;
  std::string partial_;
  bool dropped_input_ = false;
};

template <typename Sink>
FrameStatus LineFramer::feed(std::string_view data, Sink&& sink) {
  while (!data.empty()) {
    size_t lf = data.find('\n');
    if (lf == std::string_view::npos) {
      partial_.append(data);
      return partial_too_long() ? FrameStatus::kTooLong : FrameStatus::kOk;
    }
    std::string_view line = data.substr(0, lf);
    data.remove_prefix(lf + 1);
    if (!partial_.empty()) {
      partial_.append(line);
      line = strip_cr(partial_);
      bool ok = line.size() <= max_message_ && sink(line);
      bool too_long = line.size() > max_message_;
      partial_.clear();  // keeps its capacity for the next fragment
      if (!ok) {
        dropped_input_ = !data.empty();
        return too_long ? FrameStatus::kTooLong : FrameStatus::kStopped;
      }
      continue;
    }
    line = strip_cr(line);
    if (line.size() > max_message_) return FrameStatus::kTooLong;
    if (!sink(line)) {
      dropped_input_ = !data.empty();
      return FrameStatus::kStopped;
    }
  }
  return FrameStatus::kOk;
}

template <typename Sink>
FrameStatus LineFramer::finish(Sink&& sink) {
  if (partial_.empty()) return FrameStatus::kOk;
  std::string fragment = std::move(partial_);
  partial_.clear();
  std::string_view line = strip_cr(fragment);
  if (line.size() > max_message_) return FrameStatus::kTooLong;
  return sink(line) ? FrameStatus::kOk : FrameStatus::kStopped;
}

}  // namespace ackd
