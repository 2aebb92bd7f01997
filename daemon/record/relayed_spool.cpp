#include "daemon/record/relayed_spool.h"

#include <sys/socket.h>

#include "daemon/record/spool_relay.h"

namespace ackd {
namespace {
constexpr std::string_view kNotStored = "not stored";
constexpr std::string_view kUnavailable = "unavailable";  // the replicated stream
}  // namespace

RelayedSpool::RelayedSpool(bool holds_replies, ReplyGate& gate, EventLoop& loop, UniqueFd channel)
    : holds_(holds_replies), gate_(gate), loop_(loop), channel_(std::move(channel)) {}

void RelayedSpool::append(const SpoolRecord& record, Ticket ticket) {
  if (!channel_) {  // the dispatcher is gone
    if (ticket != 0) gate_.fail(ticket, kNotStored);
    return;
  }
  encode_spool_record(record, out_);
  if (ticket != 0) waiting_.push_back(ticket);
}

void RelayedSpool::commit() {
  if (!out_.empty()) send_pending();
}

// Sends what it can; the loop says when the rest fits. Confirmations are
// read from the loop too, while any are owed.
void RelayedSpool::send_pending() {
  while (channel_ && !out_.empty()) {
    ssize_t n = send(channel_.get(), out_.data(), out_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) {
      broken();
      return;
    }
    out_.erase(0, static_cast<size_t>(n));
  }
  if (channel_) watch((waiting_.empty() ? 0u : EPOLLIN) | (out_.empty() ? 0u : EPOLLOUT));
}

void RelayedSpool::handle_event(uint32_t events) {
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_confirmations();
  if (channel_ && (events & EPOLLOUT)) send_pending();
}

void RelayedSpool::read_confirmations() {
  char buffer[4096];
  while (channel_) {
    ssize_t n = recv(channel_.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
    if (n <= 0) {
      broken();
      return;
    }
    in_.append(buffer, static_cast<size_t>(n));
    size_t at = 0;
    for (; in_.size() - at >= kRelayFrameSize; at += kRelayFrameSize) {
      const auto* count = reinterpret_cast<const unsigned char*>(in_.data() + at + 1);
      settle(in_[at], static_cast<uint32_t>(count[0] | count[1] << 8 | count[2] << 16 |
                                            static_cast<uint32_t>(count[3]) << 24));
    }
    in_.erase(0, at);
  }
  if (channel_ && waiting_.empty() && out_.empty()) watch(0);
}

void RelayedSpool::settle(char kind, uint32_t count) {
  for (uint32_t i = 0; i < count && !waiting_.empty(); ++i) {
    Ticket ticket = waiting_.front();
    waiting_.pop_front();
    if (kind == kRelayStored) {
      gate_.confirm(ticket);
    } else {
      gate_.fail(ticket, kind == kRelayUnavailable ? kUnavailable : kNotStored);
    }
  }
}

void RelayedSpool::broken() {
  if (watched_ != 0) loop_.remove(channel_.get());
  watched_ = 0;
  channel_.reset();
  out_.clear();
  while (!waiting_.empty()) settle(kRelayNotStored, static_cast<uint32_t>(waiting_.size()));
}

void RelayedSpool::watch(uint32_t events) {
  if (events == watched_) return;
  if (watched_ == 0) {
    loop_.add(channel_.get(), events, this);
  } else if (events == 0) {
    loop_.remove(channel_.get());
  } else {
    loop_.modify(channel_.get(), events, this);
  }
  watched_ = events;
}

}  // namespace ackd
