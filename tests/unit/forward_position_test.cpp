// The forwarder's position file: round trip, refusal of what is not one,
// and retention that keeps every segment not forwarded yet.
#include "daemon/replicate/forward_position.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "common/spool_reader.h"
#include "common/unique_fd.h"
#include "daemon/record/spool.h"
#include "tests/support/temp_dir.h"

namespace ackd {
namespace {

TEST(ForwardPosition, RoundTrips) {
  ForwardPosition p;
  p.done = "0000000000001-0000001-000000.akspool";
  p.offsets["0000000000002-0000001-000001.akspool"] = 4096;
  auto back = ForwardPosition::decode(p.encode());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->done, p.done);
  EXPECT_EQ(back->offsets, p.offsets);
  auto empty = ForwardPosition::decode(ForwardPosition{}.encode());
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->done.empty());
}

TEST(ForwardPosition, RefusesWhatIsNotOne) {
  EXPECT_FALSE(ForwardPosition::decode(""));
  EXPECT_FALSE(ForwardPosition::decode("ackd-forwarded 2\ndone -\n"));
  EXPECT_FALSE(ForwardPosition::decode("ackd-forwarded 1\ndone ../etc/passwd\n"));
  EXPECT_FALSE(ForwardPosition::decode("ackd-forwarded 1\nfoo -\n"));
}

void make_segment(const test::TempDir& dir, const std::string& name, size_t bytes) {
  std::ofstream(dir.file(name)) << std::string(bytes, 'x');
}

// Over max_total_size, retention takes the oldest segments, but only those
// the forwarder has shipped.
TEST(ForwardPosition, RetentionKeepsWhatIsNotForwarded) {
  test::TempDir dir;
  const char* names[] = {"0000000000001-0000001-000000.akspool",
                         "0000000000002-0000001-000001.akspool",
                         "0000000000003-0000001-000002.akspool"};
  for (const char* name : names) make_segment(dir, name, 8192);
  UniqueFd directory(open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ForwardPosition position;
  position.done = names[0];
  write_forward_position(directory.get(), dir.path(), position);
  SpoolConfig spool;
  spool.path = dir.path();
  spool.max_total_size = 4096;
  enforce_spool_limit(spool, /*keep_unforwarded=*/true);
  EXPECT_EQ(list_segments(dir.path()).size(), 2u) << "only the forwarded segment may go";
  enforce_spool_limit(spool, /*keep_unforwarded=*/false);
  EXPECT_EQ(list_segments(dir.path()).size(), 0u);
}

}  // namespace
}  // namespace ackd
