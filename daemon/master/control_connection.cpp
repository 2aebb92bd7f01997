#include "daemon/master/control_connection.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

namespace ackd {

ControlConnection::ControlConnection(UniqueFd fd, SteadyTime now)
    : fd_(std::move(fd)), deadline_(now + kRequestTime) {}

short ControlConnection::poll_events() const {
  if (state_ == State::kReading) return POLLIN;
  if (state_ == State::kWriting) return POLLOUT;
  return 0;
}

std::optional<std::string> ControlConnection::read_request(SteadyTime now) {
  if (state_ != State::kReading) return std::nullopt;
  char buffer[kMaxRequest + 1];
  while (true) {
    ssize_t n = recv(fd_.get(), buffer, kMaxRequest + 1 - request_.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return std::nullopt;
    if (n < 0) {  // reset: nothing it sent is acted on
      state_ = State::kDone;
      return std::nullopt;
    }
    if (n == 0) break;  // EOF: what came is the request
    request_.append(buffer, static_cast<size_t>(n));
    size_t end = request_.find('\n');
    if (end != std::string::npos) {
      request_.resize(end);
      break;
    }
    if (request_.size() > kMaxRequest) {
      reply("ERR request longer than " + std::to_string(kMaxRequest) + " bytes\n", now);
      return std::nullopt;
    }
  }
  if (request_.empty()) {  // closed without a word
    state_ = State::kDone;
    return std::nullopt;
  }
  if (request_.back() == '\r') request_.pop_back();
  state_ = State::kHandling;
  return std::move(request_);
}

void ControlConnection::reply(std::string text, SteadyTime now) {
  reply_ = std::move(text);
  sent_ = 0;
  state_ = State::kWriting;
  deadline_ = now + kReplyTime;
  write_reply();
}

void ControlConnection::write_reply() {
  if (state_ != State::kWriting) return;
  while (sent_ < reply_.size()) {
    ssize_t n =
        send(fd_.get(), reply_.data() + sent_, reply_.size() - sent_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;  // the rest on POLLOUT
    if (n < 0) break;                      // the peer is gone
    sent_ += static_cast<size_t>(n);
  }
  state_ = State::kDone;
}

std::optional<SteadyTime> ControlConnection::deadline() const {
  if (state_ == State::kReading || state_ == State::kWriting) return deadline_;
  return std::nullopt;
}

void ControlConnection::expire() {
  if (state_ == State::kReading) {
    static_assert(kRequestTime == std::chrono::seconds(1), "the line below says 1s");
    static constexpr char kLate[] = "ERR no complete request line within 1s\n";
    send(fd_.get(), kLate, sizeof(kLate) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  state_ = State::kDone;
}

}  // namespace ackd
