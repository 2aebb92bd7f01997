// ExpectedReply: what `ackctl bench` checks each reply against, the --ack
// line or (--expect echo) the message itself. A stream reply is checked as
// its bytes arrive, with no copy: the expected text, then LF or CR LF and
// nothing after it, or the text ended by the server's EOF (the tutorial's
// server answers without LF and closes). A client keeps only how far it got.
#pragma once

#include <cstdint>
#include <string_view>

namespace ackd::client {

class ExpectedReply {
 public:
  enum class Step { kMore, kDone, kWrong };

  // `text`: the reply without its line end; it must outlive this.
  explicit ExpectedReply(std::string_view text) : text_(text) {}

  // Checks `bytes`, the next ones of a stream reply, and advances
  // `progress` (0 when the reply starts: then it counts the bytes taken).
  Step feed(uint32_t& progress, std::string_view bytes) const;
  // At the server's EOF after `progress` bytes: whether they were the reply.
  bool done_at_eof(uint32_t progress) const;
  // A datagram reply: the text, with a trailing LF (or CR LF) allowed.
  bool matches_datagram(std::string_view datagram) const;

  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
};

}  // namespace ackd::client
