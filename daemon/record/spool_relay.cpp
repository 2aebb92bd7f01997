#include "daemon/record/spool_relay.h"

#include <sys/socket.h>

#include <algorithm>
#include <deque>

#include "common/spool_record.h"
#include "common/syscall.h"

namespace ackd {

// The dispatcher's end of one connection process's channel.
class SpoolRelay::Channel final : public EventHandler, public ReplyWaiter {
 public:
  Channel(SpoolRelay& relay, UniqueFd fd) : relay_(relay), fd_(std::move(fd)) {}

  int fd() const { return fd_.get(); }
  void handle_event(uint32_t events) override;
  void settled(Ticket ticket, std::string_view error) override;
  void flush();
  void close();
  void set_reading(bool reading);

 private:
  void take_records();

  SpoolRelay& relay_;
  UniqueFd fd_;
  std::string in_;
  std::deque<Ticket> outstanding_;  // records whose confirmation is owed
  std::string frames_;              // confirmations to send
  bool queued_ = false;             // on the relay's flush list
};

void SpoolRelay::Channel::handle_event(uint32_t /*events*/) {
  char buffer[65536];
  while (fd_) {
    ssize_t n = recv(fd_.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n > 0) {
      in_.append(buffer, static_cast<size_t>(n));
      take_records();
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    close();  // the connection process is gone: what it still sent is dropped
  }
}

// Complete records go to the stages; a partial one waits for its rest.
// Anything else is a broken child: the channel closes.
void SpoolRelay::Channel::take_records() {
  std::string_view rest(in_);
  while (!rest.empty()) {
    DecodedRecord decoded = decode_spool_record(rest);
    if (decoded.status == DecodeStatus::kIncomplete) break;
    if (decoded.status == DecodeStatus::kCorrupt) {
      close();
      return;
    }
    Ticket ticket = 0;
    if (relay_.holding_stages_ > 0) {
      ticket = relay_.gate_.hold(this, relay_.holding_stages_);
      outstanding_.push_back(ticket);
    }
    for (RecordStage* stage : relay_.recorder_.stages()) {
      stage->append(decoded.record, stage->holds_replies() ? ticket : 0);
    }
    rest.remove_prefix(decoded.size);
  }
  in_.erase(0, in_.size() - rest.size());
}

// Tickets settle in the order they were taken; runs of one outcome make
// one frame.
void SpoolRelay::Channel::settled(Ticket /*ticket*/, std::string_view error) {
  if (!outstanding_.empty()) outstanding_.pop_front();
  char kind = error.empty()            ? kRelayStored
              : error == "unavailable" ? kRelayUnavailable
                                       : kRelayNotStored;
  size_t last = frames_.size() >= kRelayFrameSize ? frames_.size() - kRelayFrameSize : 0;
  if (frames_.empty() || frames_[last] != kind) {
    frames_ += kind;
    frames_.append(4, '\0');
    last = frames_.size() - kRelayFrameSize;
  }
  auto* count = reinterpret_cast<unsigned char*>(frames_.data() + last + 1);
  uint32_t n = static_cast<uint32_t>(count[0] | count[1] << 8 | count[2] << 16 | count[3] << 24);
  ++n;
  for (int i = 0; i < 4; ++i) count[i] = static_cast<unsigned char>(n >> (8 * i));
  if (!queued_) {
    queued_ = true;
    relay_.to_flush_.push_back(this);
  }
}

// A child always reads its channel: a full one means it is stuck, and a
// stuck child gets no confirmation (its replies stay unsent, never false).
void SpoolRelay::Channel::flush() {
  queued_ = false;
  if (!fd_ || frames_.empty()) return;
  ssize_t n = send(fd_.get(), frames_.data(), frames_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n != static_cast<ssize_t>(frames_.size())) {
    close();
    return;
  }
  frames_.clear();
}

void SpoolRelay::Channel::close() {
  if (!fd_) return;
  relay_.loop_.remove(fd_.get());
  fd_.reset();
  for (Ticket ticket : outstanding_) relay_.gate_.forget(ticket);
  outstanding_.clear();
  relay_.closed(this);
}

void SpoolRelay::Channel::set_reading(bool reading) {
  if (fd_) relay_.loop_.modify(fd_.get(), reading ? uint32_t{EPOLLIN} : 0u, this);
}

SpoolRelay::SpoolRelay(EventLoop& loop, Recorder& recorder)
    : loop_(loop), recorder_(recorder), gate_(recorder.gate()) {
  for (const RecordStage* stage : recorder.stages()) holding_stages_ += stage->holds_replies();
}

void SpoolRelay::set_paused(bool paused) {
  if (paused == paused_) return;
  paused_ = paused;
  for (auto& channel : channels_) channel->set_reading(!paused);
}

SpoolRelay::~SpoolRelay() = default;

UniqueFd SpoolRelay::open_channel() {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
    throw_errno("socketpair", "spool relay");
  }
  UniqueFd child(fds[1]);
  auto channel = std::make_unique<Channel>(*this, UniqueFd(fds[0]));
  loop_.add(channel->fd(), paused_ ? 0u : uint32_t{EPOLLIN}, channel.get());
  channels_.push_back(std::move(channel));
  return child;
}

void SpoolRelay::flush() {
  std::vector<Channel*> pending;
  pending.swap(to_flush_);
  for (Channel* channel : pending) channel->flush();
}

void SpoolRelay::closed(Channel* channel) {
  auto it = std::find_if(channels_.begin(), channels_.end(),
                         [&](const auto& owned) { return owned.get() == channel; });
  if (it == channels_.end()) return;
  closed_.push_back(std::move(*it));
  channels_.erase(it);
}

void SpoolRelay::collect() { closed_.clear(); }

}  // namespace ackd
