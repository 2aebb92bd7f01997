// DatagramServer: serves one UDP or unix datagram socket. Each datagram is
// one message; the reply is one datagram to the sender (none for an unbound
// unix sender). Oversized datagrams are answered with ERR.
#pragma once

#include <string>
#include <vector>

#include "common/socket_address.h"

#include "daemon/event_loop.h"
#include "daemon/recorder.h"
#include "daemon/served_listener.h"

namespace ackd {

class DatagramServer final : public EventHandler {
 public:
  DatagramServer(EventLoop& loop, ServedListener& listener, Recorder& recorder);

  void handle_event(uint32_t events) override;
  // Stops for good and closes this process's copy of the socket.
  void close();

 private:
  void serve(std::string_view message, const SocketAddress& peer, bool too_long);

  EventLoop& loop_;
  ServedListener& listener_;
  Recorder& recorder_;
  std::vector<char> buffer_;
  std::string reply_;
};

}  // namespace ackd
