#include "daemon/record/spool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/spool_reader.h"
#include "common/syscall.h"
#include "common/unique_fd.h"
#include "daemon/log/log_throttle.h"
#include "daemon/replicate/forward_position.h"

namespace ackd {
namespace {

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// A segment opened for maintenance, if no writer holds it: the returned fd
// holds the lock until it is closed. Invalid if it is live or gone; one that
// cannot be opened is reported.
UniqueFd open_closed_segment(int directory, const std::string& path, int flags) {
  UniqueFd fd(openat(directory, base_name(path).c_str(), flags | O_NOFOLLOW | O_CLOEXEC));
  if (!fd && errno != ENOENT) spdlog::warn("spool: open({}): {}", path, std::strerror(errno));
  if (fd && flock(fd.get(), LOCK_EX | LOCK_NB) != 0) fd.reset();
  return fd;
}

UniqueFd open_directory(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw_errno("open", path);
  return fd;
}

std::string read_all(int fd, const std::string& path) {
  std::string data;
  char buffer[65536];
  ssize_t n;
  while ((n = retry_eintr([&] { return read(fd, buffer, sizeof(buffer)); })) > 0) {
    data.append(buffer, static_cast<size_t>(n));
  }
  if (n < 0) throw_errno("read", path);
  return data;
}

// Cuts a closed segment's torn tail; reports damage before it, which stays.
void recover_segment(int directory, const std::string& path) {
  UniqueFd fd = open_closed_segment(directory, path, O_RDWR);
  if (!fd) return;  // live: its writer answers for it
  SegmentScan scan = scan_records(read_all(fd.get(), path));
  if (scan.damaged()) {
    spdlog::warn(
        "spool: {}: {} damaged bytes in {} place(s), the first at offset {}: skipped by "
        "readers; the {} whole records around them are kept",
        path, scan.damaged_bytes, scan.damaged_ranges, scan.first_damage, scan.records);
  }
  if (!scan.torn_tail()) return;
  spdlog::warn(
      "spool: {}: torn record (a crash mid-write) after {} records at offset {}: "
      "cutting {} bytes",
      path, scan.records, scan.end_of_records, scan.tail_bytes);
  if (ftruncate(fd.get(), static_cast<off_t>(scan.end_of_records)) != 0) {
    throw_errno("truncate", path);
  }
}

}  // namespace

void recover_spool(const SpoolConfig& config) {
  UniqueFd directory = open_directory(config.path);
  for (const std::string& path : list_segments(config.path)) {
    recover_segment(directory.get(), path);
  }
}

void enforce_spool_limit(const SpoolConfig& config, bool keep_unforwarded) {
  if (config.max_total_size == 0) return;
  std::vector<std::pair<std::string, uint64_t>> sizes;
  uint64_t total = 0;
  UniqueFd directory;
  try {
    directory = open_directory(config.path);
    for (const std::string& path : list_segments(config.path)) {
      struct stat st {};
      if (fstatat(directory.get(), base_name(path).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        continue;
      }
      total += static_cast<uint64_t>(st.st_size);
      sizes.emplace_back(path, static_cast<uint64_t>(st.st_size));
    }
  } catch (const std::system_error& e) {
    spdlog::warn("spool: {}", e.what());
    return;
  }
  // Not yet in the stream: kept, even over the limit. In the stream: up to
  // "done", and each segment after it confirmed to its end (behind one
  // still written).
  ForwardPosition position;
  if (keep_unforwarded) {
    position = read_forward_position(directory.get()).value_or(ForwardPosition{});
  }
  auto forwarded = [&](const std::string& name, uint64_t size) {
    auto offset = position.offsets.find(name);
    return name <= position.done || (offset != position.offsets.end() && offset->second >= size);
  };
  for (const auto& [path, size] : sizes) {  // oldest first
    if (total <= config.max_total_size) break;
    if (keep_unforwarded && !forwarded(base_name(path), size)) {
      static LogThrottle throttle;  // the master's, once a second at most
      if (auto note = throttle.admit(std::chrono::steady_clock::now())) {
        spdlog::warn("spool: over max_total_size, but {} is not forwarded yet: kept{}", path,
                     *note);
      }
      continue;
    }
    UniqueFd closed = open_closed_segment(directory.get(), path, O_RDONLY);
    if (!closed) continue;  // still written, or already gone
    if (unlinkat(directory.get(), base_name(path).c_str(), 0) == 0) {
      total -= size;
      spdlog::info("spool: removed {} ({} bytes) to stay under max_total_size", path, size);
    }
  }
}

}  // namespace ackd
