#include "daemon/record/spool_writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/spool_reader.h"
#include "common/syscall.h"

namespace ackd {
namespace {

constexpr auto kWarningInterval = std::chrono::seconds(10);
constexpr std::string_view kNotStored = "not stored";

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// "<unix ms>-<pid>-<sequence>.akspool": names sort by creation time.
std::string segment_name(uint64_t sequence) {
  char name[96];
  long long ms = static_cast<long long>(now_ns() / 1000000);
  std::snprintf(name, sizeof(name), "%013lld-%07d-%06llu%s", ms, static_cast<int>(getpid()),
                static_cast<unsigned long long>(sequence), kSegmentSuffix);
  return name;
}

void write_all(int fd, std::string_view data, const std::string& name) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("write", name);
    if (n == 0) throw_errno("write", name, ENOSPC);
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

SpoolWriter::SpoolWriter(const SpoolConfig& config, ReplyGate& gate, SpoolBoard* board)
    : config_(config), gate_(gate), board_(board) {}

void SpoolWriter::open() {
  directory_.reset(::open(config_.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!directory_) throw_errno("open", config_.path);
  open_next_segment();
}

void SpoolWriter::append(const SpoolRecord& record, Ticket ticket) {
  encode_spool_record(record, buffer_);
  ++buffered_records_;
  if (ticket != 0) tickets_.push_back(ticket);
}

void SpoolWriter::commit() {
  if (buffer_.empty()) return;
  bool stored = store();
  for (Ticket ticket : tickets_) {
    if (stored) {
      gate_.confirm(ticket);
    } else {
      gate_.fail(ticket, kNotStored);
    }
  }
  tickets_.clear();
  buffer_.clear();
  buffered_records_ = 0;
}

// Writes the buffer at the end of the segment (and syncs it). On failure the
// segment is cut back to where it was, so it ends with a whole record, and
// if any of it was written, or the cut fails, the next commit starts a new one.
bool SpoolWriter::store() {
  try {
    if (!fd_ || segment_bytes_ >= config_.segment_size) open_next_segment();
    write_all(fd_.get(), buffer_, name_);
    if (config_.ack_after == AckAfter::kFsync) sync(fd_.get(), /*data_only=*/true, name_);
    segment_bytes_ += buffer_.size();
    return true;
  } catch (const std::system_error& e) {
    report_failure(e, buffered_records_);
    // Part of the buffer may have been written, and read meanwhile: the
    // forwarder ships what it reads, naming each record by its offset. What
    // follows must not take those offsets (the stream would drop it as a
    // copy): a fresh segment.
    struct stat st {};
    bool written =
        fd_ && (fstat(fd_.get(), &st) != 0 || static_cast<uint64_t>(st.st_size) > segment_bytes_);
    if (fd_ && ftruncate(fd_.get(), static_cast<off_t>(segment_bytes_)) != 0) abandon_segment();
    // After a failed sync the page cache may hold what the disk lost: a
    // fresh segment for what follows.
    if (config_.ack_after == AckAfter::kFsync || written) abandon_segment();
    return false;
  }
}

// A new segment appears under its final name already locked: created under
// a name no reader lists, locked, then renamed.
void SpoolWriter::open_next_segment() {
  std::string name = segment_name(sequence_++);
  std::string temporary = name + ".new";
  UniqueFd fd(openat(directory_.get(), temporary.c_str(),
                     O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640));
  if (!fd) throw_errno("open", config_.path + "/" + temporary);
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0 ||
      renameat(directory_.get(), temporary.c_str(), directory_.get(), name.c_str()) != 0) {
    int err = errno;
    unlinkat(directory_.get(), temporary.c_str(), 0);
    throw_errno("rename", config_.path + "/" + name, err);
  }
  // The new name must be durable too, or a crash could lose the file.
  if (config_.ack_after == AckAfter::kFsync) {
    sync(directory_.get(), /*data_only=*/false, config_.path);
  }
  fd_ = std::move(fd);
  name_ = config_.path + "/" + name;
  segment_bytes_ = 0;
}

void SpoolWriter::sync(int fd, bool data_only, const std::string& what) {
  SteadyTime start = SteadyClock::now();
  int result = data_only ? fdatasync(fd) : fsync(fd);
  int error = errno;
  if (board_ != nullptr) {
    auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start);
    board_->observe_sync(static_cast<uint64_t>(std::max<int64_t>(took.count(), 0)));
  }
  if (result != 0) throw_errno(data_only ? "fdatasync" : "fsync", what, error);
}

void SpoolWriter::abandon_segment() {
  fd_.reset();
  segment_bytes_ = 0;
}

void SpoolWriter::report_failure(const std::system_error& error, size_t records) {
  unreported_failures_ += records;
  auto now = std::chrono::steady_clock::now();
  if (now < next_warning_) return;  // one line per interval, however many fail
  next_warning_ = now + kWarningInterval;
  spdlog::error("spool: {}; {} message(s) not stored, answered \"ERR {}\"", error.what(),
                std::exchange(unreported_failures_, 0), kNotStored);
}

}  // namespace ackd
