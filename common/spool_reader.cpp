#include "common/spool_reader.h"

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "common/syscall.h"

namespace ackd {
namespace {

// The offset of the first valid record at or after `from`, or npos.
size_t next_valid_record(std::string_view data, size_t from) {
  std::string_view magic(kSpoolMagic, sizeof(kSpoolMagic));
  for (size_t at = data.find(magic, from); at != std::string_view::npos;
       at = data.find(magic, at + 1)) {
    if (decode_spool_record(data.substr(at)).status == DecodeStatus::kOk) return at;
  }
  return std::string_view::npos;
}

}  // namespace

std::vector<std::string> list_segments(const std::string& directory) {
  struct CloseDir {
    void operator()(DIR* dir) const { closedir(dir); }
  };
  std::unique_ptr<DIR, CloseDir> dir(opendir(directory.c_str()));
  if (!dir) throw_errno("opendir", directory);
  std::vector<std::string> names;
  while (dirent* entry = readdir(dir.get())) {
    std::string name = entry->d_name;
    size_t suffix = std::string(kSegmentSuffix).size();
    if (name.size() > suffix && name.compare(name.size() - suffix, suffix, kSegmentSuffix) == 0) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  for (std::string& name : names) name.insert(0, directory + "/");
  return names;
}

SegmentScan scan_records(std::string_view data,
                         const std::function<void(const SpoolRecord&)>& on_record) {
  SegmentScan scan;
  scan.file_bytes = data.size();
  size_t at = 0;
  while (at < data.size()) {
    DecodedRecord decoded = decode_spool_record(data.substr(at));
    if (decoded.status == DecodeStatus::kOk) {
      if (on_record) on_record(decoded.record);
      ++scan.records;
      at += decoded.size;
      scan.end_of_records = at;
      continue;
    }
    size_t next = next_valid_record(data, at + 1);
    if (next == std::string_view::npos) break;  // the rest is the tail
    if (scan.damaged_ranges++ == 0) scan.first_damage = at;
    scan.damaged_bytes += next - at;
    at = next;
  }
  scan.tail_bytes = data.size() - scan.end_of_records;
  return scan;
}

SegmentScan scan_segment(const std::string& path,
                         const std::function<void(const SpoolRecord&)>& on_record) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw_errno("open", path);
  std::ostringstream contents;
  contents << file.rdbuf();
  std::string data = contents.str();
  return scan_records(data, on_record);
}

}  // namespace ackd
