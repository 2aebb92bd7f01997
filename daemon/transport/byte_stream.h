// ByteStream: the bytes of one stream connection, under the framing. A
// StreamConnection reads, writes, closes and waits for readiness only
// through it, and learns from it who the client is; so a layer that changes
// the bytes (TLS) or comes before them (a PROXY protocol header) slots in
// here, and neither the framing nor the service knows of it.
//
// How the layers fit (issues 18 and 19), each a stream of its own, made
// by the listener's StreamTransport, in the order their bytes come on the
// socket:
// - PROXY protocol (proxy_stream.h), on the plain socket: read() takes the
//   header before the first message (kWouldBlock until it is whole,
//   kRefused with refusal() if it is invalid or not to be believed), and
//   from then on peer() names the client the header gives and the proxy it
//   came through. With nothing after it, the bytes past the header are the
//   first read()'s. With TLS after it, the header is taken off the socket
//   exactly (peek(), then a read of its length: no byte of the handshake is
//   taken), and the socket is handed over (release()) to the TLS stream,
//   which takes every byte from then on.
// - TLS (OpenSSL, non-blocking): read() and write() are SSL_read and
//   SSL_write, and the handshake runs inside the first reads (kWouldBlock
//   while it is under way). When SSL_read wants to write (or SSL_write to
//   read), it sets read_waits_on_ = EPOLLOUT (write_waits_on_ = EPOLLIN)
//   until the call went through, so the connection watches, and retries
//   on, the event the call needs. shutdown_write() sends close_notify
//   before the FIN; if the socket was full, its read side also waits on
//   EPOLLOUT and the next read() finishes it. peer() adds the verified
//   client's identity.
// Both need a deadline for their opening (the header, the handshake) that
// is not idle_timeout: while opening() is true (for both layers, until the
// header and the handshake are done), the connection's deadline is
// message_timeout from the accept, and when it passes the connection asks
// refuse_late() for the line to send before it closes.
#pragma once

#include <sys/epoll.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/socket_address.h"
#include "common/unique_fd.h"
#include "daemon/access/refusal.h"

namespace ackd {

struct IoResult {
  enum Status : uint8_t {
    kDone,        // `bytes` were read (at least one) or written
    kWouldBlock,  // nothing now: wait for the events interest() asks for
    kEnd,         // read: the peer ended its output (FIN, or TLS close_notify)
    kBroken,      // a reset or an error: nobody is left to answer
    kRefused,     // read: the stream refuses the client (a bad PROXY header,
                  // a failed TLS handshake): refusal() is the ERR line to send,
                  // if any, then it closes; counted as refused_as()
  };
  Status status;
  size_t bytes = 0;
};

// What the connection should try after an event: read, write, or both.
struct Readiness {
  bool read = false;
  bool write = false;
};

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // The descriptor the connection watches in its event loop.
  virtual int fd() const = 0;

  virtual IoResult read(std::span<char> buffer) = 0;
  // fin_follows: these are the last bytes, and shutdown_write() comes next,
  // so the FIN can leave in their segment (MSG_MORE) rather than one of its own.
  virtual IoResult write(std::string_view data, bool fin_follows) = 0;
  // Ends this side's output (a FIN; TLS: close_notify first). Input may go
  // on: the connection lingers, reading, until the peer's end.
  virtual void shutdown_write() = 0;
  // Draining: the next reply is the last. Where the client could read it and
  // send again before it sees the close (a unix socket has no segments for
  // the FIN to ride in), stop taking input now, so that its next send fails
  // (EPIPE) instead of being lost; nothing where the FIN rides in the
  // reply's segment (TCP).
  virtual void refuse_input() = 0;
  // Bytes the client sent that have not been read yet.
  virtual bool input_waiting() const = 0;
  // Reads and drops what the client already sent, so that closing the
  // socket sends a FIN, not a reset. `scratch` is any buffer.
  virtual void discard_input(std::span<char> scratch) = 0;
  // Closes the descriptor (it leaves the event loop's set if no other
  // process holds it). No call but the destructor follows.
  virtual void close() = 0;

  // The epoll events to watch when the connection wants to read and/or to
  // write. Not virtual: called for every event, and data is enough.
  uint32_t interest(bool read, bool write) const {
    return (read ? read_waits_on_ : 0u) | (write ? write_waits_on_ : 0u);
  }
  // What the connection should try after `events` came. A hang-up or an
  // error makes reading worth a try: the read reports it.
  Readiness ready(uint32_t events) const {
    return {(events & (read_waits_on_ | EPOLLHUP | EPOLLERR)) != 0,
            (events & write_waits_on_) != 0};
  }

  // The client, as the recorder stores it: its address (raw bytes, see
  // SocketAddress::to_raw_string), or whatever the layers know better.
  // Formatted on first use: only the log and the spool ask for it.
  virtual std::string_view peer() = 0;
  // Given by a layer before this one that knows the client better (a
  // PROXY header: "203.0.113.9:5000 via 127.0.0.1:41000"): the name to
  // record and log the client by, which this layer adds to (TLS: its
  // verified name). By default, nothing.
  virtual void name_client(std::string_view /*name*/) {}
  // The client's address, for the per-source limits (daemon/access/): the
  // socket's peer, or the client a trusted PROXY header names. nullptr:
  // none known (no per-source limit applies).
  virtual const SocketAddress* source() const { return nullptr; }

  // The plain socket's, for a layer that comes first on it and hands it on
  // (a PROXY header before TLS): what read() would return, left unread
  // (kBroken where the bytes are not the socket's own).
  virtual IoResult peek(std::span<char> /*buffer*/) { return {IoResult::kBroken}; }
  // Hands the descriptor over to the next layer; no call but the
  // destructor follows (an empty fd where there is none to hand over).
  virtual UniqueFd release() { return {}; }

  // The stream's opening (a PROXY header, a TLS handshake) is still under way.
  virtual bool opening() const { return false; }
  // After read() returned kRefused: the ERR line to send ("ERR ..."; empty:
  // none can be sent, as after a failed TLS handshake).
  virtual std::string_view refusal() const { return {}; }
  // The opening did not end within message_timeout: the stream gives up on
  // it (and logs why) and returns the ERR line to send (empty: none can be
  // sent).
  virtual std::string_view refuse_late() { return {}; }
  // After a refusal (kRefused, refuse_late()): its kind, for the metrics.
  Refusal refused_as() const { return refused_as_; }

 protected:
  ByteStream() = default;

  Refusal refused_as_ = Refusal::kProxyHeader;  // set by the stream that refuses

  // The events each direction waits on: on a plain socket, reading waits
  // for input and writing for room; a TLS stream may swap them (see above).
  uint32_t read_waits_on_ = EPOLLIN;
  uint32_t write_waits_on_ = EPOLLOUT;
};

}  // namespace ackd
