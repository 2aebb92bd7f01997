// Fuzzes LineFramer (daemon/serve/framing.h) against a reference model: the input
// is fed in chunks split at points derived from the data, and the messages
// must be exactly the input's lines (one trailing CR dropped), none longer
// than max_message, none holding a LF, with bounded buffering.
//
// Input: [max_message lo][max_message hi][stop_after][split] stream bytes...
//   max_message = (lo | hi << 8) % 1024; stop_after: the sink refuses the
//   message with that number (1-based; 0: never); split: 0xf0 and up feed the
//   stream at once, else chunks of 1 .. 2^(split % 12) bytes from a PRNG.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/serve/framing.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_framing: invariant violated: %s\n", what);
    __builtin_trap();
  }
}

std::string_view strip_cr(std::string_view line) {
  return !line.empty() && line.back() == '\r' ? line.substr(0, line.size() - 1) : line;
}

// What the framer must produce: every LF-terminated line, then the tail.
struct Expected {
  std::vector<std::string_view> lines;
  std::string_view tail;  // raw, after the last LF
};

Expected reference(std::string_view stream) {
  Expected expected;
  for (size_t lf; (lf = stream.find('\n')) != std::string_view::npos;) {
    expected.lines.push_back(strip_cr(stream.substr(0, lf)));
    stream.remove_prefix(lf + 1);
  }
  expected.tail = stream;
  return expected;
}

struct Splitter {
  uint32_t state;
  unsigned shift;
  size_t next(size_t left) {
    if (shift >= 0xf0) return left;
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    size_t size = 1 + state % (size_t{1} << (shift % 12));
    return size < left ? size : left;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const size_t max_message = (data[0] | data[1] << 8) % 1024;
  const size_t stop_after = data[2];
  Splitter splitter{0x9e3779b9u ^ data[3] ^ static_cast<uint32_t>(size) << 8, data[3]};
  std::string_view stream(reinterpret_cast<const char*>(data) + 4, size - 4);

  ackd::LineFramer framer(max_message);
  std::vector<std::string> messages;
  auto sink = [&](std::string_view message) {
    check(message.size() <= max_message, "message longer than max_message");
    check(message.find('\n') == std::string_view::npos, "message holds a LF");
    messages.emplace_back(message);
    return messages.size() != stop_after;
  };

  ackd::FrameStatus status = ackd::FrameStatus::kOk;
  for (std::string_view rest = stream; !rest.empty() && status == ackd::FrameStatus::kOk;) {
    size_t chunk = splitter.next(rest.size());
    status = framer.feed(rest.substr(0, chunk), sink);
    rest.remove_prefix(chunk);
    // Buffering is bounded: a fragment is at most max_message plus one CR.
    if (status == ackd::FrameStatus::kOk) {
      check(framer.partial_size() <= max_message + 1, "unbounded partial fragment");
    }
  }
  bool at_eof = status == ackd::FrameStatus::kOk;
  if (at_eof) status = framer.finish(sink);

  Expected expected = reference(stream);
  std::vector<std::string_view> all = expected.lines;
  if (!expected.tail.empty()) all.push_back(strip_cr(expected.tail));
  // Re-joining the messages gives the input's lines, in order, as a prefix.
  check(messages.size() <= all.size(), "more messages than lines");
  for (size_t i = 0; i < messages.size(); ++i) {
    check(messages[i] == all[i], "message differs from the input's line");
  }
  size_t n = messages.size();
  switch (status) {
    case ackd::FrameStatus::kOk:
      check(n == all.size(), "a line was lost");
      check(!framer.has_partial(), "fragment left after finish");
      break;
    case ackd::FrameStatus::kStopped:
      check(stop_after != 0 && n == stop_after, "stopped without the sink asking");
      break;
    case ackd::FrameStatus::kTooLong:
      // The line that follows the last message is the one that was too long.
      check(n < all.size() && all[n].size() > max_message, "too long, but the line fits");
      break;
  }
  return 0;
}
