// DatagramServer: serves one UDP or unix datagram socket. Each datagram is
// one message; the reply is one datagram to the sender (none for an unbound
// unix sender). Oversized datagrams are answered with ERR.
#pragma once

#include <string>
#include <vector>

#include "common/socket_address.h"

#include "daemon/event_loop.h"
#include "daemon/recorder.h"
#include "daemon/reply_budget.h"
#include "daemon/served_listener.h"

namespace ackd {

class DatagramServer final : public EventHandler {
 public:
  // budget, reply_burst: the UDP amplification bound (see ReplyBudget),
  // shared by the whole daemon.
  DatagramServer(EventLoop& loop, ServedListener& listener, Recorder& recorder, ReplyBudget& budget,
                 uint64_t reply_burst);

  void handle_event(uint32_t events) override;
  // Stops for good and closes this process's copy of the socket.
  void close();
  // With a spool that acks after write/fsync, replies wait for the commit.
  void set_defer_replies(bool defer) { defer_ = defer; }
  void flush_deferred();

 private:
  void serve(std::string_view message, const SocketAddress& peer, bool too_long);

  EventLoop& loop_;
  ServedListener& listener_;
  Recorder& recorder_;
  void send_reply(const SocketAddress& peer, std::string_view reply);

  std::vector<char> buffer_;
  std::string reply_;
  ReplyBudget& budget_;
  uint64_t reply_burst_;
  bool defer_ = false;
  struct PendingReply {
    SocketAddress peer;
    size_t offset, size;
  };
  std::vector<PendingReply> pending_;
  std::string pending_bytes_;
};

}  // namespace ackd
