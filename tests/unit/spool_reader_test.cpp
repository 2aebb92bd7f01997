// scan_records: every whole record is found, whatever damage comes before
// it; bytes after the last one are the tail.
#include "common/spool_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ackd {
namespace {

std::string three_records(std::vector<size_t>* starts = nullptr) {
  std::string data;
  for (const char* message : {"one", "two", "three"}) {
    if (starts != nullptr) starts->push_back(data.size());
    encode_spool_record({1, "tcp", "peer", message}, data);
  }
  return data;
}

std::vector<std::string> messages_in(std::string_view data, SegmentScan* scan = nullptr) {
  std::vector<std::string> messages;
  SegmentScan result =
      scan_records(data, [&](const SpoolRecord& r) { messages.emplace_back(r.message); });
  if (scan != nullptr) *scan = result;
  return messages;
}

TEST(SpoolReader, CleanSegment) {
  std::string data = three_records();
  SegmentScan scan;
  EXPECT_EQ(messages_in(data, &scan), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_TRUE(scan.clean());
  EXPECT_EQ(scan.end_of_records, data.size());
}

TEST(SpoolReader, TornTailIsCounted) {
  std::string data = three_records();
  data.resize(data.size() - 2);
  SegmentScan scan;
  EXPECT_EQ(messages_in(data, &scan), (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(scan.torn_tail());
  EXPECT_FALSE(scan.damaged());
  EXPECT_EQ(scan.end_of_records + scan.tail_bytes, data.size());
}

TEST(SpoolReader, RecordsAfterATornRecordAreFound) {
  std::vector<size_t> starts;
  std::string data = three_records(&starts);
  // A record cut short in the middle (a write that hit a full disk), then more.
  data.erase(starts[1] + 10, starts[2] - starts[1] - 10);
  SegmentScan scan;
  EXPECT_EQ(messages_in(data, &scan), (std::vector<std::string>{"one", "three"}));
  EXPECT_EQ(scan.damaged_ranges, 1u);
  EXPECT_EQ(scan.damaged_bytes, 10u);
  EXPECT_EQ(scan.first_damage, starts[1]);
  EXPECT_FALSE(scan.torn_tail());
}

TEST(SpoolReader, GarbageBetweenRecordsIsSkipped) {
  std::vector<size_t> starts;
  std::string data = three_records(&starts);
  data.insert(starts[2], "AKR1 and noise AKR");
  data.insert(starts[1], std::string(7, '\0'));
  SegmentScan scan;
  EXPECT_EQ(messages_in(data, &scan), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(scan.damaged_ranges, 2u);
  EXPECT_EQ(scan.damaged_bytes, 7u + 18u);
}

TEST(SpoolReader, NothingValidIsAllTail) {
  SegmentScan scan;
  EXPECT_TRUE(messages_in("no records here", &scan).empty());
  EXPECT_EQ(scan.tail_bytes, 15u);
  EXPECT_EQ(scan.end_of_records, 0u);
}

}  // namespace
}  // namespace ackd
