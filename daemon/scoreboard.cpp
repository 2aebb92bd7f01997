#include "daemon/scoreboard.h"

#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

#include "common/steady_time.h"
#include "common/syscall.h"

namespace ackd {

// Bump when a struct of scoreboard.h changes: a new master or exporter
// never reads a scoreboard laid out by another build.
constexpr uint32_t kLayoutVersion = 4;
constexpr uint64_t kMagic = 0x31626373646b6361;  // "ackdscb1"

struct alignas(64) ScoreboardHeader {
  uint64_t magic = kMagic;
  uint32_t layout = kLayoutVersion;
  uint32_t header_size = sizeof(ScoreboardHeader);
  uint32_t entry_size = sizeof(ScoreboardEntry);
  uint64_t capacity = 0;
  MasterCounters counters;
  ListenerBoard listeners;
  SpoolBoard spool;
};

namespace {

static_assert(std::atomic<pid_t>::is_always_lock_free &&
                  std::atomic<uint64_t>::is_always_lock_free &&
                  std::atomic<WorkerState>::is_always_lock_free &&
                  std::atomic<ProcessRole>::is_always_lock_free,
              "the scoreboard is shared between processes: its atomics must be lock-free");
static_assert(kRoleCount <= kMaxRoles);

size_t mapping_size(size_t capacity) {
  return sizeof(ScoreboardHeader) + capacity * sizeof(ScoreboardEntry);
}

// The counters: the worker's (live) and the master's (carried), in the
// order of ServeCounts.
constexpr size_t kCounters = 8;

template <class Entry, class F>
void for_each_counter(Entry& e, F f) {
  f(e.connections, e.carried.connections);
  f(e.messages, e.carried.messages);
  f(e.replies, e.carried.replies);
  f(e.errors, e.carried.errors);
  f(e.dropped, e.carried.udp_dropped);
  f(e.refused, e.carried.refused);
  f(e.replication.stored, e.carried.replicated);
  f(e.replication.failed, e.carried.replication_failed);
}

// The previous holder's counters join `carried`. exchange(), not a load and
// a store: a fork-mode connection process outliving its dispatcher may
// still add to the entry, and what it adds is never lost.
void fold_counters(ScoreboardEntry& e) {
  uint32_t sequence = e.sequence.load(std::memory_order_relaxed);
  e.sequence.store(sequence + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  for_each_counter(e, [](std::atomic<uint64_t>& live, std::atomic<uint64_t>& carried) {
    carried.fetch_add(live.exchange(0, std::memory_order_relaxed), std::memory_order_relaxed);
  });
  e.sequence.store(sequence + 2, std::memory_order_release);
}

}  // namespace

const char* to_string(WorkerState state) {
  switch (state) {
    case WorkerState::kFree:
      return "free";
    case WorkerState::kStarting:
      return "starting";
    case WorkerState::kServing:
      return "serving";
    case WorkerState::kDraining:
      return "draining";
    case WorkerState::kClaimed:
      return "claimed";
  }
  return "?";
}

const char* to_string(DaemonState state) {
  switch (state) {
    case DaemonState::kServing:
      return "serving";
    case DaemonState::kDraining:
      return "draining";
    case DaemonState::kUpgrading:
      return "upgrading";
    case DaemonState::kStopping:
      return "stopping";
  }
  return "?";
}

ServeCounts& ServeCounts::operator+=(const ServeCounts& other) {
  connections += other.connections;
  messages += other.messages;
  replies += other.replies;
  errors += other.errors;
  udp_dropped += other.udp_dropped;
  refused += other.refused;
  replicated += other.replicated;
  replication_failed += other.replication_failed;
  return *this;
}

Scoreboard::Scoreboard(size_t capacity) {
  fd_.reset(memfd_create("ackd-scoreboard", MFD_CLOEXEC));
  if (!fd_) throw_errno("memfd_create", "scoreboard");
  if (ftruncate(fd_.get(), static_cast<off_t>(mapping_size(capacity))) != 0) {
    throw_errno("ftruncate", "scoreboard");
  }
  map(capacity);
  map_daemon_state();
  new (header_) ScoreboardHeader();
  header_->capacity = capacity;
  for (size_t i = 0; i < capacity; ++i) new (&entries_[i]) ScoreboardEntry();
}

Scoreboard::Scoreboard(UniqueFd fd) : fd_(std::move(fd)) {
  struct stat st {};
  if (fstat(fd_.get(), &st) != 0) throw_errno("fstat", "scoreboard");
  ScoreboardHeader expected;
  auto size = static_cast<size_t>(st.st_size);
  if (size < sizeof(ScoreboardHeader))
    throw std::runtime_error("the scoreboard passed is too small");
  size_t capacity = (size - sizeof(ScoreboardHeader)) / sizeof(ScoreboardEntry);
  map(capacity);
  const ScoreboardHeader& h = *header_;
  if (h.magic != kMagic || h.layout != expected.layout || h.header_size != expected.header_size ||
      h.entry_size != expected.entry_size || h.capacity != capacity ||
      mapping_size(capacity) != size) {
    std::string layout = h.magic == kMagic ? std::to_string(h.layout) : "unknown";
    munmap(header_, mapping_size(capacity));  // no destructor for a constructor that throws
    throw std::runtime_error("the scoreboard passed has layout " + layout +
                             " (this build reads layout " + std::to_string(kLayoutVersion) + ")");
  }
  map_daemon_state();
}

void Scoreboard::map_daemon_state() {
  void* page = mmap(nullptr, sizeof(std::atomic<DaemonState>), PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) throw_errno("mmap", "daemon state");
  daemon_state_ = new (page) std::atomic<DaemonState>(DaemonState::kServing);
}

void Scoreboard::map(size_t capacity) {
  void* memory =
      mmap(nullptr, mapping_size(capacity), PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (memory == MAP_FAILED) throw_errno("mmap", "scoreboard");
  capacity_ = capacity;
  header_ = static_cast<ScoreboardHeader*>(memory);
  entries_ = reinterpret_cast<ScoreboardEntry*>(header_ + 1);
}

Scoreboard::~Scoreboard() {
  if (header_ != nullptr) munmap(header_, mapping_size(capacity_));
  if (daemon_state_ != nullptr) munmap(daemon_state_, sizeof(std::atomic<DaemonState>));
}

Scoreboard::Scoreboard(Scoreboard&& other) noexcept
    : fd_(std::move(other.fd_)),
      capacity_(std::exchange(other.capacity_, 0)),
      header_(std::exchange(other.header_, nullptr)),
      entries_(std::exchange(other.entries_, nullptr)),
      daemon_state_(std::exchange(other.daemon_state_, nullptr)) {}

Scoreboard& Scoreboard::operator=(Scoreboard&& other) noexcept {
  if (this == &other) return *this;
  if (header_ != nullptr) munmap(header_, mapping_size(capacity_));
  if (daemon_state_ != nullptr) munmap(daemon_state_, sizeof(std::atomic<DaemonState>));
  fd_ = std::move(other.fd_);
  capacity_ = std::exchange(other.capacity_, 0);
  header_ = std::exchange(other.header_, nullptr);
  entries_ = std::exchange(other.entries_, nullptr);
  daemon_state_ = std::exchange(other.daemon_state_, nullptr);
  return *this;
}

MasterCounters& Scoreboard::counters() { return header_->counters; }
const MasterCounters& Scoreboard::counters() const { return header_->counters; }
ListenerBoard& Scoreboard::listeners() { return header_->listeners; }
const ListenerBoard& Scoreboard::listeners() const { return header_->listeners; }
SpoolBoard& Scoreboard::spool() { return header_->spool; }
const SpoolBoard& Scoreboard::spool() const { return header_->spool; }

std::optional<size_t> Scoreboard::claim(ProcessRole role, uint32_t generation, uint32_t slot,
                                        int64_t now_ms) {
  for (size_t i = 0; i < capacity_; ++i) {
    ScoreboardEntry& e = entries_[i];
    WorkerState free = WorkerState::kFree;
    // The state is the lock: another master may claim in this table too.
    if (!e.state.compare_exchange_strong(free, WorkerState::kClaimed, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
      continue;
    }
    fold_counters(e);
    e.pid.store(0, std::memory_order_relaxed);
    e.owner.store(getpid(), std::memory_order_relaxed);
    e.role.store(role, std::memory_order_relaxed);
    e.generation.store(generation, std::memory_order_relaxed);
    e.slot.store(slot, std::memory_order_relaxed);
    e.heartbeat_ms.store(now_ms, std::memory_order_relaxed);
    e.open_connections.store(0, std::memory_order_relaxed);
    e.successor.store(false, std::memory_order_relaxed);
    e.replication.reset();
    e.state.store(WorkerState::kStarting, std::memory_order_release);
    return i;
  }
  return std::nullopt;
}

// Any master's entry: a pid is unique among processes not yet reaped, and a
// master reaps the workers of a failed new master (it is their subreaper).
std::optional<size_t> Scoreboard::find(pid_t pid) const {
  for (size_t i = 0; i < capacity_; ++i) {
    if (in_use(entries_[i]) && entries_[i].pid.load(std::memory_order_relaxed) == pid) return i;
  }
  return std::nullopt;
}

void Scoreboard::release(size_t index) {
  entries_[index].open_connections.store(0, std::memory_order_relaxed);
  entries_[index].state.store(WorkerState::kFree, std::memory_order_release);
}

bool in_use(const ScoreboardEntry& entry) {
  WorkerState state = entry.state.load(std::memory_order_acquire);
  return state != WorkerState::kFree && state != WorkerState::kClaimed;
}

bool held_by(const ScoreboardEntry& entry, pid_t owner) {
  return in_use(entry) && entry.owner.load(std::memory_order_relaxed) == owner;
}

ServeCounts read_counts(const ScoreboardEntry& entry, std::chrono::milliseconds move_wait) {
  ServeCounts counts;
  std::optional<SteadyTime> deadline;
  for (int attempt = 0;; ++attempt) {
    uint32_t before = entry.sequence.load(std::memory_order_acquire);
    uint64_t values[kCounters];
    size_t n = 0;
    for_each_counter(entry, [&](const std::atomic<uint64_t>& live,
                                const std::atomic<uint64_t>& carried) {
      values[n++] = live.load(std::memory_order_relaxed) + carried.load(std::memory_order_relaxed);
    });
    counts = {values[0], values[1], values[2], values[3],
              values[4], values[5], values[6], values[7]};
    std::atomic_thread_fence(std::memory_order_acquire);
    if ((before & 1) == 0 && entry.sequence.load(std::memory_order_relaxed) == before) break;
    if (attempt < 64) continue;  // spin a little first
    auto now = std::chrono::steady_clock::now();
    if (!deadline) deadline = now + move_wait;
    if (now >= *deadline) break;
    sched_yield();
  }
  return counts;
}

int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace ackd
