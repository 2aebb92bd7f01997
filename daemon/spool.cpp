#include "daemon/spool.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include <spdlog/spdlog.h>

#include "common/spool_reader.h"
#include "common/spool_record.h"
#include "common/syscall.h"

namespace ackd {
namespace {

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// "<unix ms>-<pid>-<sequence>.akspool": names sort by creation time.
std::string segment_name(pid_t pid, uint64_t sequence) {
  char name[96];
  long long ms = static_cast<long long>(now_ns() / 1000000);
  std::snprintf(name, sizeof(name), "%013lld-%07d-%06llu%s", ms, static_cast<int>(pid),
                static_cast<unsigned long long>(sequence), kSegmentSuffix);
  return name;
}

pid_t segment_pid(const std::string& path) {
  size_t slash = path.rfind('/');
  size_t dash = path.find('-', slash + 1);
  return dash == std::string::npos ? 0 : static_cast<pid_t>(std::atol(path.c_str() + dash + 1));
}

void write_all(int fd, const std::string& data, const std::string& path) {
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("write", path);
    written += static_cast<size_t>(n);
  }
}

}  // namespace

SpoolWriter::SpoolWriter(const SpoolConfig& config) : config_(config) {}

SpoolWriter::SpoolWriter(const SpoolConfig& config, UniqueFd fd)
    : config_(config), fd_(std::move(fd)), current_path_("(inherited segment)"), attached_(true) {}

int SpoolWriter::segment_fd() {
  if (!fd_) open_next_segment();
  return fd_.get();
}

void SpoolWriter::rotate_if_full() {
  struct stat st {};
  if (fd_ && fstat(fd_.get(), &st) == 0 &&
      static_cast<uint64_t>(st.st_size) >= config_.segment_size) {
    open_next_segment();
  }
}

void SpoolWriter::append(std::string_view listener, std::string_view peer,
                         std::string_view message) {
  encode_spool_record({now_ns(), listener, peer, message}, buffer_);
}

void SpoolWriter::open_next_segment() {
  current_path_ = config_.path + "/" + segment_name(getpid(), sequence_++);
  fd_.reset(open(current_path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd_) throw_errno("open", current_path_);
  segment_bytes_ = 0;
  if (config_.ack_after == AckAfter::kFsync) {
    // The new name must be durable too, or a crash could lose the file.
    UniqueFd dir(open(config_.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir) fsync(dir.get());
  }
}

void SpoolWriter::commit() {
  if (buffer_.empty()) return;
  if (!fd_ || (!attached_ && segment_bytes_ >= config_.segment_size)) open_next_segment();
  write_all(fd_.get(), buffer_, current_path_);
  segment_bytes_ += buffer_.size();
  buffer_.clear();
  if (config_.ack_after == AckAfter::kFsync && fdatasync(fd_.get()) != 0) {
    throw_errno("fdatasync", current_path_);
  }
}

void recover_spool(const SpoolConfig& config) {
  for (const std::string& path : list_segments(config.path)) {
    SegmentScan scan = scan_segment(path);
    if (!scan.torn_tail && !scan.corrupt) continue;
    spdlog::warn("spool: {}: {} after {} records at offset {}: cutting {} bytes", path,
                 scan.corrupt ? "corrupt record" : "torn record (a crash mid-write)", scan.records,
                 scan.valid_bytes, scan.file_bytes - scan.valid_bytes);
    if (truncate(path.c_str(), static_cast<off_t>(scan.valid_bytes)) != 0) {
      throw_errno("truncate", path);
    }
  }
}

void enforce_spool_limit(const SpoolConfig& config, const std::vector<pid_t>& live_workers) {
  if (config.max_total_size == 0) return;
  std::vector<std::string> segments;
  try {
    segments = list_segments(config.path);
  } catch (const std::system_error& e) {
    spdlog::warn("spool: {}", e.what());
    return;
  }
  // The newest segment of a live worker is still being written.
  std::map<pid_t, std::string> newest;
  uint64_t total = 0;
  std::vector<std::pair<std::string, uint64_t>> sizes;
  for (const std::string& path : segments) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) continue;
    total += static_cast<uint64_t>(st.st_size);
    sizes.emplace_back(path, static_cast<uint64_t>(st.st_size));
    newest[segment_pid(path)] = path;
  }
  for (const auto& [path, size] : sizes) {
    if (total <= config.max_total_size) break;
    pid_t pid = segment_pid(path);
    bool live = std::find(live_workers.begin(), live_workers.end(), pid) != live_workers.end() ||
                kill(pid, 0) == 0;  // fork mode: a connection process may still append
    if (live && newest[pid] == path) continue;
    if (unlink(path.c_str()) == 0) {
      total -= size;
      spdlog::info("spool: removed {} ({} bytes) to stay under max_total_size", path, size);
    }
  }
}

}  // namespace ackd
