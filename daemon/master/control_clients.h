// ControlClients: the master's open control connections, each in its poll
// set with a deadline, at most kMaxClients at once (beyond that the master
// stops polling the listening socket: clients wait in its backlog). No
// client can hold the master: one too slow is closed at its deadline, and
// such closes are logged at a bounded rate.
#pragma once

#include <poll.h>

#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/steady_time.h"
#include "daemon/master/control_connection.h"
#include "daemon/master/control_server.h"

namespace ackd {

class ControlClients {
 public:
  static constexpr size_t kMaxClients = 8;
  // The reply to a request, or nullopt if it comes later (answer_awaiting()).
  using Handler = std::function<std::optional<std::string>(std::string_view request)>;

  bool full() const { return connections_.size() >= kMaxClients; }
  size_t size() const { return connections_.size(); }
  // Accepts until full or none is waiting.
  void accept_from(ControlServer& server, SteadyTime now);
  // An accepted non-blocking connection (when not full).
  void add(UniqueFd fd, SteadyTime now) { connections_.emplace_back(std::move(fd), now); }
  // One pollfd per connection, appended in order.
  void add_poll_fds(std::vector<pollfd>& fds) const;
  // `polled`: those pollfds after poll(). Reads requests and answers them
  // through `handler`, writes replies, and closes the connections that are
  // done or past their deadline.
  void handle(std::span<const pollfd> polled, SteadyTime now, const Handler& handler);
  // Replies to every connection awaiting the outcome of `request`.
  void answer_awaiting(std::string_view request, const std::string& reply, SteadyTime now);
  std::optional<SteadyTime> next_deadline() const;
  // For a child that must not hold them.
  std::vector<int> fds() const;

 private:
  void close_finished(SteadyTime now);

  std::vector<ControlConnection> connections_;
  uint64_t unreported_expired_ = 0;
  SteadyTime next_warning_{};
};

}  // namespace ackd
