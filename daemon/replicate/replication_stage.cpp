#include "daemon/replicate/replication_stage.h"

#include <unistd.h>

#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/replicate/record_headers.h"

namespace ackd {
namespace {

// The library reports a publish ack that does not come within the timeout;
// the stage's own deadline, a little later, holds even if it does not.
constexpr auto kDeadlineGrace = std::chrono::milliseconds(250);

uint64_t unix_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

ReplicationStage::ReplicationStage(const ReplicationConfig& config, ReplyGate& gate,
                                   EventLoop& loop, ReplicationBoard* board)
    : config_(config),
      gate_(gate),
      loop_(loop),
      board_(board),
      max_pending_(config.max_pending),
      host_(header_safe(host_name())),
      // Unique across this machine's processes and restarts: host, pid, start.
      id_prefix_(fmt::format("{}:{}:{}:", host_, getpid(), unix_ms())) {}

ReplicationStage::~ReplicationStage() {
  if (registered_) loop_.remove(handoff_.fd());
  // The publisher (its threads, its callbacks into handoff_) goes first.
  publisher_.reset();
}

void ReplicationStage::start(std::vector<std::string> subjects,
                             std::unique_ptr<Publisher> publisher) {
  if (board_ != nullptr) board_->state.store(LinkState::kConnecting, std::memory_order_relaxed);
  loop_.add(handoff_.fd(), EPOLLIN, this);
  registered_ = true;
  publisher_ = publisher ? std::move(publisher)
                         : make_jetstream_publisher(config_, std::move(subjects), handoff_);
}

void ReplicationStage::append(const SpoolRecord& record, Ticket ticket) {
  if (in_flight_ >= 2 * max_pending_) {
    fail_now(ticket, "too many publishes in flight");
    return;
  }
  uint64_t sequence = first_ + pending_.size();
  std::string subject = config_.subject_for(record.listener);
  std::string msg_id = id_prefix_ + std::to_string(sequence);
  OutgoingMessage message{subject,         msg_id,      record.time_ns,
                          record.listener, record.peer, record.message};
  std::string refused = publisher_->publish(message, sequence);
  if (!refused.empty()) {
    fail_now(ticket, refused);
    return;
  }
  pending_.push_back({ticket, true, SteadyClock::now() + config_.timeout + kDeadlineGrace});
  ++in_flight_;
}

void ReplicationStage::commit() {
  publisher_->flush();
  if (in_flight_ > 0) expire(SteadyClock::now());
  // Refused in append(): settled now, after the turn, as a transport
  // expects (never from inside the record() that took the ticket).
  std::vector<Ticket> refused;
  refused.swap(refused_);
  for (Ticket ticket : refused) gate_.fail(ticket, kUnavailable);
  publish_board();
}

void ReplicationStage::fail_now(Ticket ticket, std::string_view why) {
  ++failed_;
  note_outcome(false, why);
  if (ticket != 0) refused_.push_back(ticket);
}

void ReplicationStage::handle_event(uint32_t /*events*/) {
  handoff_.take(results_, notes_);
  for (const LinkNote& note : notes_) note_link(note);
  for (const PublishResult& result : results_) settle(result.sequence, result.error);
  publish_board();
}

// Deadlines follow the sequence, and the front entry is always open
// (settle() drops the settled ones there).
void ReplicationStage::expire(SteadyTime now) {
  while (!pending_.empty() && pending_.front().deadline <= now) {
    settle(first_, "no publish ack within the timeout");
  }
}

// Results arrive in any order; settled entries leave from the front.
void ReplicationStage::settle(uint64_t sequence, std::string_view error) {
  if (sequence < first_ || sequence - first_ >= pending_.size()) return;
  Pending& pending = pending_[sequence - first_];
  if (!pending.open) return;
  pending.open = false;
  --in_flight_;
  if (error.empty()) {
    ++stored_;
    note_outcome(true, {});
    if (pending.ticket != 0) gate_.confirm(pending.ticket);
  } else {
    ++failed_;
    note_outcome(false, error);
    if (pending.ticket != 0) gate_.fail(pending.ticket, kUnavailable);
  }
  while (!pending_.empty() && !pending_.front().open) {
    pending_.pop_front();
    ++first_;
  }
}

void ReplicationStage::note_link(const LinkNote& note) {
  if (note.event == LinkEvent::kConnected) {
    spdlog::info("replication: connected to {} (stream {})", note.text, config_.stream);
    if (board_ != nullptr) {
      board_->server.store(note.text);
      board_->state.store(LinkState::kConnected, std::memory_order_relaxed);
    }
    return;
  }
  if (note.event == LinkEvent::kStreamProblem) {  // tried again every second: throttled
    if (auto suppressed = stream_log_.admit(std::chrono::steady_clock::now())) {
      spdlog::error("replication: stream {}: {}{}", config_.stream, note.text, *suppressed);
    }
    last_error_ = note.text;
    if (board_ != nullptr) board_->last_error.store(last_error_);
    return;
  }
  spdlog::warn(
      "replication: lost the connection to NATS{}{}; messages are answered \"ERR {}\" "
      "until it is back",
      note.text.empty() ? "" : ": ", note.text, kUnavailable);
  last_error_ = note.text.empty() ? "disconnected" : note.text;
  if (board_ != nullptr) {
    board_->state.store(LinkState::kDisconnected, std::memory_order_relaxed);
    board_->last_error.store(last_error_);
  }
}

// The stream lost and regained: one line each way, and failures in
// between at a bounded rate.
void ReplicationStage::note_outcome(bool stored, std::string_view why) {
  if (stored) {
    if (failing_) spdlog::info("replication: stream {} stores messages again", config_.stream);
    failing_ = false;
    return;
  }
  last_error_ = why;
  if (board_ != nullptr) board_->last_error.store(why);
  auto now = std::chrono::steady_clock::now();
  if (!failing_) {
    failing_ = true;
    spdlog::warn("replication: stream {} did not store a message ({}); answered \"ERR {}\"",
                 config_.stream, why, kUnavailable);
    failure_log_.admit(now);
    return;
  }
  if (auto note = failure_log_.admit(now)) {
    spdlog::warn("replication: stream {}: {}; answered \"ERR {}\"{}", config_.stream, why,
                 kUnavailable, *note);
  }
}

void ReplicationStage::publish_board() {
  if (board_ == nullptr) return;
  board_->in_flight.store(in_flight_, std::memory_order_relaxed);
  board_->stored.store(stored_, std::memory_order_relaxed);
  board_->failed.store(failed_, std::memory_order_relaxed);
}

}  // namespace ackd
