// DatagramServer: serves one UDP or unix datagram socket. Each datagram is
// one message; the reply is one datagram to the sender (none for an unbound
// unix sender). Oversized datagrams are answered with ERR. A reply that
// waits for a durability stage leaves once the stage settles it (an ERR if
// the message was not stored).
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "common/socket_address.h"

#include "daemon/event_loop.h"
#include "daemon/record/recorder.h"
#include "daemon/serve/reply_budget.h"
#include "daemon/serve/served_listener.h"

namespace ackd {

class DatagramServer final : public EventHandler, public ReplyWaiter {
 public:
  // budget, reply_burst: the UDP amplification bound (see ReplyBudget),
  // shared by the whole daemon.
  DatagramServer(EventLoop& loop, ServedListener& listener, Recorder& recorder, ReplyBudget& budget,
                 uint64_t reply_burst);

  void handle_event(uint32_t events) override;
  void settled(Ticket ticket, std::string_view error) override;
  // Stops for good and closes this process's copy of the socket.
  void close();

 private:
  struct HeldReply {
    Ticket ticket;
    SocketAddress peer;
    size_t received;
    std::string reply;
    SteadyTime held_at;  // for the latency histogram
  };

  // Whether the listener's allow/deny lists and per-source rate let `peer`
  // in; a datagram they refuse is dropped (and counted).
  bool admit(const SocketAddress& peer);
  void serve(std::string_view message, const SocketAddress& peer, bool too_long);
  void reply(const SocketAddress& peer, size_t received, std::string_view reply);

  EventLoop& loop_;
  ServedListener& listener_;
  Recorder& recorder_;
  std::vector<char> buffer_;
  std::string reply_;
  ReplyBudget& budget_;
  uint64_t reply_burst_;
  std::deque<HeldReply> held_;
};

}  // namespace ackd
