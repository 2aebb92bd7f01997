#include "daemon/record/recorder.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "common/escape.h"
#include "daemon/log/logging.h"

namespace ackd {
namespace {

uint64_t wall_clock_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

void Recorder::add_stage(RecordStage* stage) {
  stages_.push_back(stage);
  if (stage->holds_replies()) ++holding_stages_;
}

Ticket Recorder::record(std::string_view listener, std::string_view peer, std::string_view message,
                        ReplyWaiter* waiter) {
  ++counters_.messages;
  counters_.bytes += message.size();
  if (log_messages_) log(listener, peer, message);
  if (stages_.empty()) return 0;
  Ticket ticket = holding_stages_ > 0 ? gate_.hold(waiter, holding_stages_) : 0;
  SpoolRecord record{wall_clock_ns(), listener, peer, message};
  for (RecordStage* stage : stages_) stage->append(record, stage->holds_replies() ? ticket : 0);
  return ticket;
}

void Recorder::commit() {
  for (RecordStage* stage : stages_) stage->commit();
}

bool Recorder::idle() const {
  for (const RecordStage* stage : stages_) {
    if (!stage->idle()) return false;
  }
  return gate_.held() == 0;
}

bool Recorder::saturated() const {
  for (const RecordStage* stage : stages_) {
    if (stage->saturated()) return true;
  }
  return false;
}

void Recorder::log(std::string_view listener, std::string_view peer, std::string_view message) {
  // The peer is raw (a unix client names its own path): escaped here. The
  // journal gets LISTENER= and PEER= as fields of their own.
  std::string shown_peer = escape_for_log(peer);
  MessageLogFields fields{listener, shown_peer};
  set_message_log_fields(&fields);
  const char* quote = needs_quotes_in_log(shown_peer) ? "\"" : "";
  spdlog::info("message listener={} peer={}{}{} size={} text=\"{}\"", listener, quote, shown_peer,
               quote, message.size(), escape_for_log(message));
  set_message_log_fields(nullptr);
}

}  // namespace ackd
