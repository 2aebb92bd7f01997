#include "daemon/master/control_clients.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace ackd {
namespace {
constexpr auto kWarningInterval = std::chrono::seconds(10);
}  // namespace

void ControlClients::accept_from(ControlServer& server, SteadyTime now) {
  while (!full()) {
    UniqueFd client = server.accept(now);
    if (!client) return;
    add(std::move(client), now);
  }
}

void ControlClients::add_poll_fds(std::vector<pollfd>& fds) const {
  for (const ControlConnection& c : connections_) fds.push_back({c.fd(), c.poll_events(), 0});
}

void ControlClients::handle(std::span<const pollfd> polled, SteadyTime now,
                            const Handler& handler) {
  for (size_t i = 0; i < polled.size() && i < connections_.size(); ++i) {
    ControlConnection& c = connections_[i];
    short events = polled[i].revents;
    if (events == 0) continue;
    if (c.awaiting()) {
      // Only a hangup wakes an awaiting one: no one is left to answer.
      if (events & (POLLHUP | POLLERR)) c.expire();
    } else if (c.poll_events() & POLLIN) {
      if (std::optional<std::string> request = c.read_request(now)) {
        std::optional<std::string> reply = handler(*request);
        if (reply) {
          c.reply(std::move(*reply), now);
        } else {
          c.await_reply(std::move(*request));
        }
      }
    } else {
      c.write_reply();
    }
  }
  for (ControlConnection& c : connections_) {
    std::optional<SteadyTime> deadline = c.deadline();
    if (deadline && now >= *deadline) {
      c.expire();
      ++unreported_expired_;
    }
  }
  close_finished(now);
}

void ControlClients::answer_awaiting(std::string_view request, const std::string& reply,
                                     SteadyTime now) {
  for (ControlConnection& c : connections_) {
    if (c.awaiting(request)) c.reply(reply, now);
  }
  close_finished(now);
}

std::optional<SteadyTime> ControlClients::next_deadline() const {
  std::optional<SteadyTime> next;
  for (const ControlConnection& c : connections_) {
    std::optional<SteadyTime> deadline = c.deadline();
    if (deadline && (!next || *deadline < *next)) next = deadline;
  }
  return next;
}

std::vector<int> ControlClients::fds() const {
  std::vector<int> fds;
  for (const ControlConnection& c : connections_) fds.push_back(c.fd());
  return fds;
}

void ControlClients::close_finished(SteadyTime now) {
  std::erase_if(connections_, [](const ControlConnection& c) { return c.done(); });
  if (unreported_expired_ == 0 || now < next_warning_) return;
  next_warning_ = now + kWarningInterval;
  spdlog::warn(
      "control socket: closed {} connection(s) too slow to send a request line or take "
      "the reply (1s each)",
      std::exchange(unreported_expired_, 0));
}

}  // namespace ackd
