// StreamConnection: one TCP or unix stream client being served. Reads,
// frames lines, records each message, writes one reply per message in order,
// and closes gracefully: FIN after the last reply; when the peer may still be
// sending, it then reads until the peer's EOF (lingering), so an unread byte
// never turns the close into a reset that could destroy the reply in flight.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <system_error>

#include "common/socket_address.h"
#include "common/unique_fd.h"
#include "daemon/event_loop.h"
#include "daemon/framing.h"
#include "daemon/served_listener.h"

namespace ackd {

class ConnectionSet;
using SteadyTime = std::chrono::steady_clock::time_point;

class StreamConnection final : public EventHandler {
 public:
  StreamConnection(ConnectionSet& owner, UniqueFd fd, const SocketAddress& peer,
                   const ServedListener& listener);

  // Registers with the loop and serves what has already arrived.
  void start();
  void handle_event(uint32_t events) override;
  // Graceful stop: closes now if no message is in progress, else after it.
  void begin_drain();
  // Called by the owner's periodic sweep.
  void check_deadline(SteadyTime now);
  // Sends the replies that waited for the spool's commit.
  void flush_deferred();

  size_t index = 0;  // position in the owner's table

 private:
  enum class State { kReading, kClosing, kLingering, kClosed };

  void on_readable();
  void linger_read();
  bool on_message(std::string_view message);
  void reply_error(std::string_view line);
  void close_after_flush();
  void flush();
  void after_flush();
  void discard_input_and_close();
  void update_interest();
  void refresh_deadline(bool same_partial);
  void close();
  void fail(const std::system_error& error);
  // Formatted on first use (only the log and the spool need it), raw: see
  // Recorder::record.
  const std::string& peer_text();

  ConnectionSet& owner_;
  UniqueFd fd_;
  SocketAddress peer_;
  std::string peer_text_;
  const ServedListener& listener_;
  LineFramer framer_;
  std::string out_;
  size_t out_sent_ = 0;
  uint64_t messages_ = 0;
  State state_ = State::kReading;
  bool peer_eof_ = false;
  bool draining_ = false;
  bool flush_deferred_ = false;
  bool registered_ = false;     // with the event loop
  bool peer_may_send_ = false;  // so a close must linger (see after_flush)
  uint32_t interest_ = 0;
  SteadyTime deadline_{};  // idle, message or linger deadline, by state
};

}  // namespace ackd
