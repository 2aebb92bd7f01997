// ControlConnection: one exchange on the master's control socket, never
// waiting on the peer. The request line must arrive within kRequestTime of
// the accept; its reply, given at once or later (a reload answers once it
// is done), is written without blocking and must be taken within kReplyTime.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/steady_time.h"
#include "common/unique_fd.h"

namespace ackd {

class ControlConnection {
 public:
  static constexpr std::chrono::milliseconds kRequestTime{1000};
  static constexpr std::chrono::milliseconds kReplyTime{1000};
  static constexpr size_t kMaxRequest = 256;  // "status json" is 11

  // fd: accepted non-blocking.
  ControlConnection(UniqueFd fd, SteadyTime now);

  int fd() const { return fd_.get(); }
  // POLLIN while reading the request, POLLOUT while writing the reply, 0
  // while the reply is awaited.
  short poll_events() const;
  // Reads what the peer sent; returns the request (without its LF, or CR
  // LF) once the line is complete. The caller then calls reply() or
  // await_reply(). An overlong line is answered here.
  std::optional<std::string> read_request(SteadyTime now);
  // Its reply is the outcome of `request`, given later (answer_awaiting()).
  void await_reply(std::string request) {
    awaited_ = std::move(request);
    state_ = State::kAwaiting;
  }
  bool awaiting() const { return state_ == State::kAwaiting; }
  bool awaiting(std::string_view request) const { return awaiting() && awaited_ == request; }
  // Starts writing `text`: as much as the socket takes now, the rest on POLLOUT.
  void reply(std::string text, SteadyTime now);
  void write_reply();
  // Reply written, or the peer gone: to be closed.
  bool done() const { return state_ == State::kDone; }
  // When what it is doing must be done by (none while awaiting its reply).
  std::optional<SteadyTime> deadline() const;
  // Closes it at its deadline, with a last word if the request is late.
  void expire();

 private:
  enum class State { kReading, kHandling, kAwaiting, kWriting, kDone };

  UniqueFd fd_;
  State state_ = State::kReading;
  SteadyTime deadline_;
  std::string request_;
  std::string awaited_;  // the request whose outcome it awaits
  std::string reply_;
  size_t sent_ = 0;
};

}  // namespace ackd
