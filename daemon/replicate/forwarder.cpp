#include "daemon/replicate/forwarder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>

#include <spdlog/spdlog.h>

#include "common/spool_reader.h"
#include "common/spool_record.h"
#include "common/syscall.h"
#include "daemon/replicate/record_headers.h"

namespace ackd {
namespace {

constexpr auto kScanInterval = std::chrono::milliseconds(250);
constexpr auto kSaveInterval = std::chrono::milliseconds(200);
constexpr auto kLagInterval = std::chrono::milliseconds(5);
constexpr auto kRetryPause = std::chrono::milliseconds(500);
// Read ahead per segment. Reading a whole chunk for each turn's few free
// slots, as the forwarder once did, made each turn dearer the more lag
// there was: the lag fed itself.
constexpr size_t kReadChunk = 256 << 10;
constexpr const char* kLockFile = "forwarder.lock";
constexpr size_t kMaxOpenSegments = 16;

// A finished segment becomes "done" only once no new segment can sort
// before it: names start with their creation time in milliseconds, and two
// processes may create segments within the same one.
constexpr uint64_t kSettleMs = 2000;

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

uint64_t created_ms(const std::string& name) {
  uint64_t ms = 0;
  for (char c : name) {
    if (c < '0' || c > '9') break;
    ms = ms * 10 + static_cast<uint64_t>(c - '0');
  }
  return ms;
}

uint64_t unix_now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

Forwarder::Forwarder(const Config& config, EventLoop& loop, ReplicationBoard* board)
    : spool_(config.spool),
      replication_(config.replication),
      loop_(loop),
      board_(board),
      host_(header_safe(host_name())) {
  for (const ListenerConfig& listener : config.listeners) {
    subjects_.push_back(replication_.subject_for(listener.name));
  }
}

Forwarder::~Forwarder() {
  if (registered_) loop_.remove(handoff_.fd());
  publisher_.reset();  // its threads first: they push to handoff_
  if (lock_) save_position(/*force=*/true);
}

void Forwarder::start(std::unique_ptr<Publisher> publisher) {
  directory_.reset(open(spool_.path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!directory_) throw_errno("open", spool_.path);
  if (board_ != nullptr) board_->state.store(LinkState::kConnecting, std::memory_order_relaxed);
  loop_.add(handoff_.fd(), EPOLLIN, this);
  registered_ = true;
  publisher_ = publisher ? std::move(publisher)
                         : make_jetstream_publisher(replication_, subjects_, handoff_);
}

// One forwarder per spool: the first to hold the lock. A worker 0 that is
// draining still holds it; its successor takes over when it exits.
bool Forwarder::take_lock() {
  if (lock_) return true;
  UniqueFd fd(openat(directory_.get(), kLockFile, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640));
  if (!fd || flock(fd.get(), LOCK_EX | LOCK_NB) != 0) return false;
  lock_ = std::move(fd);
  load_position();
  spdlog::info("replication: forwarding spool {} to stream {} (from {})", spool_.path,
               replication_.stream, done_.empty() ? "the beginning" : "after " + done_);
  return true;
}

void Forwarder::load_position() {
  std::optional<ForwardPosition> position = read_forward_position(directory_.get());
  if (!position) return;
  done_ = position->done;
  for (const auto& [name, offset] : position->offsets) {
    segments_[name].cursor = offset;
    segments_[name].acked = offset;
  }
}

size_t Forwarder::open_segments() const {
  size_t open = 0;
  for (const auto& [name, segment] : segments_) open += segment.fd ? 1 : 0;
  return open;
}

void Forwarder::poll() {
  auto now = SteadyClock::now();
  if (!take_lock()) return;
  if (now >= next_scan_) {
    next_scan_ = now + kScanInterval;
    scan_directory();
  }
  if (now >= retry_at_) {
    for (auto& [name, segment] : segments_) {
      if (in_flight_.size() >= replication_.max_pending) break;
      publish_from(name, segment);
    }
  }
  publisher_->flush();
  finish_segments();
  save_position(/*force=*/false);
  publish_lag();
}

// New segments join; closed ones are held with a shared lock (retention
// and recovery take an exclusive one: they leave them alone meanwhile).
void Forwarder::scan_directory() {
  std::vector<std::string> paths;
  try {
    paths = list_segments(spool_.path);
  } catch (const std::system_error& e) {
    note_failure(e.what());
    return;
  }
  std::set<std::string> listed;
  for (const std::string& path : paths) {
    std::string name = base_name(path);
    listed.insert(name);
    if (!done_.empty() && name <= done_) continue;
    Segment& segment = segments_[name];
    if (segment.shipped) continue;
    // The oldest few are open at a time: a long outage leaves many segments.
    if (!segment.fd && open_segments() >= kMaxOpenSegments) continue;
    if (!segment.fd) {
      segment.fd.reset(openat(directory_.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!segment.fd) continue;
    }
    if (!segment.closed && flock(segment.fd.get(), LOCK_SH | LOCK_NB) == 0) segment.closed = true;
  }
  for (auto it = segments_.begin(); it != segments_.end();) {  // removed by hand: nothing to ship
    if (!listed.contains(it->first)) {
      // Retention may remove a shipped one; by hand, anything.
      if (!it->second.shipped) {
        spdlog::warn("replication: spool segment {} vanished before it was forwarded", it->first);
      }
      it = segments_.erase(it);
      position_dirty_ = true;
    } else {
      ++it;
    }
  }
  for (auto& [name, segment] : segments_) {
    struct stat st {};
    bool known = segment.fd
                     ? fstat(segment.fd.get(), &st) == 0
                     : fstatat(directory_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (known) segment.size = static_cast<uint64_t>(st.st_size);
  }
}

// Often: max_lag's gate (forward_lag_gate.h) holds clients on it, and
// while the stream is down, only this sees the segments grow.
void Forwarder::publish_lag() {
  auto now = SteadyClock::now();
  if (now < next_lag_) return;
  next_lag_ = now + kLagInterval;
  lag_ = 0;
  for (auto& [name, segment] : segments_) {
    struct stat st {};
    if (segment.fd && fstat(segment.fd.get(), &st) == 0)
      segment.size = static_cast<uint64_t>(st.st_size);
    lag_ += segment.size > segment.acked ? segment.size - segment.acked : 0;
  }
  if (board_ != nullptr) board_->forwarded_lag.store(lag_, std::memory_order_relaxed);
}

// Publishes the records of `segment` from its cursor, as many as fit.
void Forwarder::publish_from(const std::string& name, Segment& segment) {
  if (!segment.fd) return;
  struct stat st {};
  if (fstat(segment.fd.get(), &st) != 0) return;
  segment.size = static_cast<uint64_t>(st.st_size);
  while (segment.cursor < segment.size && in_flight_.size() < replication_.max_pending) {
    std::string_view rest = held(segment);
    DecodedRecord decoded = decode_spool_record(rest);
    uint64_t offset = segment.cursor;
    if (decoded.status == DecodeStatus::kIncomplete) {
      if (rest.size() < segment.size - segment.cursor) {  // more is written: read it
        if (!read_more(segment, rest.size() * 2)) return;
        continue;
      }
      // A torn tail of a closed segment (its writer was killed): nothing
      // more will come; the next start of ackd cuts it.
      if (segment.closed) skip_to(segment, segment.size);
      return;
    }
    if (decoded.status == DecodeStatus::kCorrupt) {  // damage: skip to the next record
      size_t next = rest.substr(1).find(std::string_view(kSpoolMagic, 4));
      // A magic cut by the window's end is found once more is read.
      size_t skip =
          next != std::string_view::npos ? next + 1 : std::max<size_t>(1, rest.size() - 3);
      skip_to(segment, segment.cursor + skip);
      continue;
    }
    const SpoolRecord& r = decoded.record;
    std::string subject = replication_.subject_for(r.listener);
    std::string msg_id = host_ + ":" + name + ":" + std::to_string(offset);
    OutgoingMessage message{subject, msg_id, r.time_ns, r.listener, r.peer, r.message};
    uint64_t sequence = next_sequence_++;
    uint64_t end = offset + decoded.size;
    std::string refused = publisher_->publish(message, sequence);
    if (!refused.empty()) {
      note_failure(refused);
      retry_at_ = SteadyClock::now() + kRetryPause;
      return;
    }
    in_flight_[sequence] = InFlight{name, offset, end, segment.generation};
    segment.unacked[offset] = end;
    segment.cursor = end;
  }
}

// Past bytes that are no record: they need no publish ack, so with none
// awaited they count as confirmed (else a closed segment's torn tail kept it
// from ever being shipped, and in the lag).
void Forwarder::skip_to(Segment& segment, uint64_t offset) {
  segment.cursor = offset;
  if (segment.unacked.empty() && segment.acked < offset) {
    segment.acked = offset;
    position_dirty_ = true;
  }
}

// The bytes of `segment` read so far from its cursor on (none when the
// cursor is outside its window: read_more).
std::string_view Forwarder::held(const Segment& segment) {
  uint64_t start = segment.window_start;
  if (segment.cursor < start || segment.cursor >= start + segment.window.size()) return {};
  return std::string_view(segment.window).substr(static_cast<size_t>(segment.cursor - start));
}

// Reads from the cursor on: a chunk, or `at_least` for a record longer
// than one. False when the file gave no more than the window held.
bool Forwarder::read_more(Segment& segment, size_t at_least) {
  size_t held_before = held(segment).size();
  size_t want = static_cast<size_t>(
      std::min<uint64_t>(segment.size - segment.cursor, std::max(kReadChunk, at_least)));
  if (want <= kReadChunk && segment.window.capacity() > 4 * kReadChunk) {
    std::string().swap(segment.window);  // after a long record: back to a chunk
  }
  segment.window.resize(want);
  ssize_t n =
      pread(segment.fd.get(), segment.window.data(), want, static_cast<off_t>(segment.cursor));
  segment.window.resize(n > 0 ? static_cast<size_t>(n) : 0);
  segment.window_start = segment.cursor;
  return segment.window.size() > held_before;
}

void Forwarder::handle_event(uint32_t /*events*/) {
  handoff_.take(results_, notes_);
  for (const LinkNote& note : notes_) {
    if (note.event == LinkEvent::kConnected) {
      spdlog::info("replication: forwarder connected to {}", note.text);
      if (board_ != nullptr) {
        board_->server.store(note.text);
        board_->state.store(LinkState::kConnected, std::memory_order_relaxed);
      }
    } else if (note.event == LinkEvent::kStreamProblem) {
      note_failure("stream " + replication_.stream + ": " + note.text);
    } else if (note.event == LinkEvent::kLost) {
      spdlog::warn(
          "replication: forwarder lost the connection to NATS{}{}; records wait in the spool",
          note.text.empty() ? "" : ": ", note.text);
      if (board_ != nullptr)
        board_->state.store(LinkState::kDisconnected, std::memory_order_relaxed);
    }
  }
  for (const PublishResult& result : results_) settled(result);
  if (board_ != nullptr) {
    board_->in_flight.store(in_flight_.size(), std::memory_order_relaxed);
    board_->stored.store(stored_, std::memory_order_relaxed);
    board_->failed.store(failed_, std::memory_order_relaxed);
  }
}

// A failure sends the segment back to its first record not confirmed:
// what follows it goes again (the stream drops the copies it has).
void Forwarder::settled(const PublishResult& result) {
  auto it = in_flight_.find(result.sequence);
  if (it == in_flight_.end()) return;
  InFlight flight = it->second;
  in_flight_.erase(it);
  auto segment_it = segments_.find(flight.segment);
  if (segment_it == segments_.end()) return;
  Segment& segment = segment_it->second;
  if (flight.generation != segment.generation) return;  // sent again since
  if (!result.error.empty()) {
    ++failed_;
    note_failure(result.error);
    ++segment.generation;
    segment.cursor = segment.acked;
    segment.unacked.clear();
    retry_at_ = SteadyClock::now() + kRetryPause;
    return;
  }
  ++stored_;
  if (failing_)
    spdlog::info("replication: the forwarder ships to stream {} again", replication_.stream);
  failing_ = false;
  segment.unacked.erase(flight.offset);
  uint64_t acked = segment.unacked.empty() ? segment.cursor : segment.unacked.begin()->first;
  if (acked != segment.acked) {
    segment.acked = acked;
    position_dirty_ = true;
  }
}

// A segment closed by its writer and wholly confirmed is shipped: its fd
// goes (at most kMaxOpenSegments are open). Leading shipped segments become
// "done". One still written (a worker with no clients writes no more, and
// keeps its segment) holds those after it from "done", not from shipping:
// retention takes shipped ones by their offsets in the position too.
void Forwarder::finish_segments() {
  for (auto& [name, segment] : segments_) {
    if (segment.fd && segment.closed && segment.acked >= segment.size &&
        segment.cursor >= segment.size && segment.unacked.empty()) {
      segment.fd.reset();
      std::string().swap(segment.window);
      segment.shipped = true;
    }
  }
  while (!segments_.empty()) {
    auto first = segments_.begin();
    bool finished = first->second.shipped && created_ms(first->first) + kSettleMs < unix_now_ms();
    if (!finished) break;
    done_ = first->first;
    segments_.erase(first);
    position_dirty_ = true;
  }
}

void Forwarder::save_position(bool force) {
  auto now = SteadyClock::now();
  if (!position_dirty_ || (!force && now < next_save_)) return;
  next_save_ = now + kSaveInterval;
  ForwardPosition position;
  position.done = done_;
  for (const auto& [name, segment] : segments_) {
    if (segment.acked > 0) position.offsets[name] = segment.acked;
  }
  try {
    write_forward_position(directory_.get(), spool_.path, position);
    position_dirty_ = false;
  } catch (const std::system_error& e) {
    note_failure(e.what());
  }
}

void Forwarder::note_failure(const std::string& why) {
  if (board_ != nullptr) board_->last_error.store(why);
  auto now = SteadyClock::now();
  if (!failing_) {
    failing_ = true;
    failure_log_.admit(now);
    spdlog::warn(
        "replication: the forwarder could not ship to stream {} ({}); records wait in "
        "the spool",
        replication_.stream, why);
    return;
  }
  if (auto note = failure_log_.admit(now)) {
    spdlog::warn("replication: forwarder: {}{}", why, *note);
  }
}

std::unique_ptr<Forwarder> start_forwarder(const Config& config, EventLoop& loop, unsigned slot,
                                           ReplicationBoard* board) {
  if (!config.replication.forward() || slot != 0) return nullptr;
  auto forwarder = std::make_unique<Forwarder>(config, loop, board);
  forwarder->start();
  return forwarder;
}

}  // namespace ackd
