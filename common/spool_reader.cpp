#include "common/spool_reader.h"

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "common/syscall.h"

namespace ackd {

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
  for (std::string& name : names) name = directory + "/" + name;
  return names;
}

SegmentScan scan_segment(const std::string& path,
                         const std::function<void(const SpoolRecord&)>& on_record) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw_errno("open", path);
  std::ostringstream contents;
  contents << file.rdbuf();
  std::string data = contents.str();
  SegmentScan scan;
  scan.file_bytes = data.size();
  std::string_view rest(data);
  while (!rest.empty()) {
    DecodedRecord decoded = decode_spool_record(rest);
    if (decoded.status == DecodeStatus::kIncomplete) {
      scan.torn_tail = true;
      break;
    }
    if (decoded.status == DecodeStatus::kCorrupt) {
      scan.corrupt = true;
      break;
    }
    if (on_record) on_record(decoded.record);
    ++scan.records;
    scan.valid_bytes += decoded.size;
    rest.remove_prefix(decoded.size);
  }
  return scan;
}

}  // namespace ackd
