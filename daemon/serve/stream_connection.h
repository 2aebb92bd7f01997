// StreamConnection: one TCP or unix stream client being served. Reads,
// frames lines, records each message, and writes one reply per message in
// order: a reply that waits for a durability stage (the spool's write or
// fsync) is held until the stage settles it (an ERR if it failed), and the
// replies after it wait behind it. Closes gracefully: FIN after the last
// reply; when the peer may still be sending, it then reads until the peer's
// EOF (lingering), so an unread byte never turns the close into a reset that
// could destroy the reply in flight. Draining (a stop, a reload, an
// upgrade), it closes only where the client can tell: with the FIN in the
// segment of an ack, never with a message unanswered. Every byte goes
// through its ByteStream (daemon/transport/), which also names the client.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "common/steady_time.h"
#include "daemon/access/source_count.h"
#include "daemon/access/source_key.h"
#include "daemon/event_loop.h"
#include "daemon/record/reply_gate.h"
#include "daemon/serve/connection_owner.h"
#include "daemon/serve/framing.h"
#include "daemon/serve/served_listener.h"
#include "daemon/transport/byte_stream.h"

namespace ackd {

class StreamConnection final : public EventHandler, public ReplyWaiter {
 public:
  StreamConnection(ConnectionOwner& owner, std::unique_ptr<ByteStream> stream,
                   const ServedListener& listener);

  // Registers with the loop and serves what has already arrived.
  void start();
  void handle_event(uint32_t events) override;
  void settled(Ticket ticket, std::string_view error) override;
  // Graceful stop: closes with the next ack that leaves (see above). An idle
  // connection (everything answered) is closed at once unless keep_idle:
  // when another worker serves the client next, it stays until its next
  // message has been answered.
  void begin_drain(bool keep_idle);
  // Called by the owner's periodic sweep.
  void check_deadline(SteadyTime now);
  // Sends the replies released since the last flush (by settled()).
  void flush_released();
  // Reads again after the recorder's stages were saturated.
  void resume_reading() { update_interest(); }

  size_t index = 0;  // position in the owner's table
  // The client's IP, as the owner counts it: only on a listener with
  // max_connections_per_source (a hash table update per connection costs);
  // the accepted peer's, or behind a PROXY header the header's client's.
  std::optional<SourceKey> source;

 private:
  enum class State { kReading, kClosing, kLingering, kClosed };
  // A reply waiting for its ticket, its text in held_text_.
  struct HeldReply {
    Ticket ticket = 0;  // 0: settled (an ERR, or a reply behind a held one)
    uint32_t size = 0;
    bool settled = false;
    bool is_ack = true;     // false: an ERR line of the transport
    std::string error;      // why a stage failed it (then the reply is an ERR)
    SteadyTime received{};  // the turn its message's last byte was read in
  };

  void greet();
  void on_readable();
  void linger_read();
  bool on_message(std::string_view message);
  void hold(Ticket ticket, std::string& text, size_t start);
  void release_settled();
  // Replies are held (the queue is emptied once they are all released).
  bool holding() const { return !held_.empty(); }
  // refused: a refusal of that kind (a per-source limit, the stream's
  // opening), counted so; none: a protocol error.
  void reply_error(std::string_view line, std::optional<Refusal> refused = std::nullopt);
  void count_stream_refusal();
  bool rate_admits();
  // max_connections_per_source behind a PROXY header (see the .cpp).
  bool source_admitted() {
    return source_counting(*listener_.config) != SourceCounting::kOnceOpen || count_opened_source();
  }
  bool count_opened_source();
  void close_after_flush();
  bool answered_everything() const;
  void close_if_draining();
  void flush();
  void after_flush();
  void linger();
  void discard_input_and_close();
  void update_interest();
  void refresh_deadline(bool same_partial);
  void close();
  void fail(const std::system_error& error);

  ConnectionOwner& owner_;
  std::unique_ptr<ByteStream> stream_;
  const ServedListener& listener_;
  LineFramer framer_;
  std::string out_;  // released replies
  size_t out_sent_ = 0;
  // The replies held, oldest first, from held_head_ (a vector: unlike a
  // deque, it allocates nothing until a reply is held).
  std::vector<HeldReply> held_;
  size_t held_head_ = 0;
  std::string held_text_;  // the held replies' text, oldest first, from held_start_
  size_t held_start_ = 0;
  uint64_t messages_ = 0;
  State state_ = State::kReading;
  bool peer_eof_ = false;
  bool draining_ = false;
  bool flush_queued_ = false;   // on the owner's list of connections to flush
  bool registered_ = false;     // with the event loop
  bool peer_may_send_ = false;  // so a close must linger (see after_flush)
  bool opening_ = false;        // the stream's opening (a PROXY header, a TLS handshake)
  uint32_t interest_ = 0;
  SteadyTime deadline_{};  // idle, message or linger deadline, by state
};

}  // namespace ackd
