#include "daemon/serve/framing.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ackd {
namespace {

struct Collected {
  std::vector<std::string> messages;
  FrameStatus status = FrameStatus::kOk;
};

// Feeds `chunks` one after the other, then EOF.
Collected frame(const std::vector<std::string>& chunks, size_t max_message = 16,
                size_t stop_after = 0) {
  LineFramer framer(max_message);
  Collected out;
  auto sink = [&](std::string_view m) {
    out.messages.emplace_back(m);
    return stop_after == 0 || out.messages.size() < stop_after;
  };
  for (const std::string& chunk : chunks) {
    out.status = framer.feed(chunk, sink);
    if (out.status != FrameStatus::kOk) return out;
  }
  out.status = framer.finish(sink);
  return out;
}

using Messages = std::vector<std::string>;

TEST(LineFramer, OneLinePerMessage) { EXPECT_EQ(frame({"hello\n"}).messages, Messages{"hello"}); }

TEST(LineFramer, ManyLinesInOneRead) {
  EXPECT_EQ(frame({"a\nbb\nccc\n"}).messages, (Messages{"a", "bb", "ccc"}));
}

TEST(LineFramer, LineSplitAcrossReads) {
  EXPECT_EQ(frame({"he", "ll", "o\nwor", "ld\n"}).messages, (Messages{"hello", "world"}));
}

TEST(LineFramer, ByteAtATime) {
  std::vector<std::string> chunks;
  for (char c : std::string("one\r\ntwo\n")) chunks.emplace_back(1, c);
  EXPECT_EQ(frame(chunks).messages, (Messages{"one", "two"}));
}

TEST(LineFramer, CrBeforeLfIsDropped) {
  EXPECT_EQ(frame({"a\r\n", "b\r", "\n", "c\rd\n"}).messages, (Messages{"a", "b", "c\rd"}));
}

TEST(LineFramer, EmptyLinesAreMessages) {
  EXPECT_EQ(frame({"\n\r\n"}).messages, (Messages{"", ""}));
}

TEST(LineFramer, NulBytesAreKept) {
  std::string with_nul("a\0b\n", 4);
  EXPECT_EQ(frame({with_nul}).messages, Messages{std::string("a\0b", 3)});
}

TEST(LineFramer, EofFragmentIsAMessage) {
  EXPECT_EQ(frame({"a\nfrag"}).messages, (Messages{"a", "frag"}));
  EXPECT_EQ(frame({"a\n"}).messages, Messages{"a"});
  EXPECT_EQ(frame({}).messages, Messages{});
}

TEST(LineFramer, MessageOfExactlyMaxIsAccepted) {
  std::string max(16, 'x');
  EXPECT_EQ(frame({max + "\n"}).messages, Messages{max});
  EXPECT_EQ(frame({max.substr(0, 9), max.substr(9) + "\r", "\n"}).messages, Messages{max});
  EXPECT_EQ(frame({max}).messages, Messages{max});
}

TEST(LineFramer, OversizeIsAnError) {
  std::string too_long(17, 'x');
  EXPECT_EQ(frame({too_long + "\n"}).status, FrameStatus::kTooLong);
  EXPECT_EQ(frame({too_long}).status, FrameStatus::kTooLong);  // without waiting for the LF
  EXPECT_EQ(frame({"ok\n", too_long.substr(0, 8), too_long.substr(8)}).status,
            FrameStatus::kTooLong);
  Collected c = frame({"ok\n" + too_long + "\n"});
  EXPECT_EQ(c.messages, Messages{"ok"});
  EXPECT_EQ(c.status, FrameStatus::kTooLong);
}

TEST(LineFramer, SinkCanStop) {
  Collected c = frame({"a\nb\nc\n"}, 16, /*stop_after=*/1);
  EXPECT_EQ(c.messages, Messages{"a"});
  EXPECT_EQ(c.status, FrameStatus::kStopped);
}

// The connection lingers before closing only when the peer sent more than it
// was served: the framer says whether a stop dropped input.
TEST(LineFramer, StopSaysWhetherInputWasDropped) {
  auto stop_at_first = [](std::string_view) { return false; };
  LineFramer exact(16);
  EXPECT_EQ(exact.feed("a\n", stop_at_first), FrameStatus::kStopped);
  EXPECT_FALSE(exact.dropped_input());
  LineFramer more(16);
  EXPECT_EQ(more.feed("a\nb", stop_at_first), FrameStatus::kStopped);
  EXPECT_TRUE(more.dropped_input());
  LineFramer joined(16);
  EXPECT_EQ(joined.feed("a", stop_at_first), FrameStatus::kOk);
  EXPECT_EQ(joined.feed("\nb\n", stop_at_first), FrameStatus::kStopped);
  EXPECT_TRUE(joined.dropped_input());
}

}  // namespace
}  // namespace ackd
