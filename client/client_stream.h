// ClientStream: the bytes of one ackctl stream connection, so that the
// exchange (stream_exchange.h) speaks plain TCP/unix or TLS alike. Calls
// never block: send and recv return -1 with errno EAGAIN when they must
// wait, and poll_events() says what to poll for then.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>

namespace ackd::client {

class ClientStream {
 public:
  virtual ~ClientStream() = default;
  virtual int fd() const = 0;
  // Bytes sent (>= 0), or -1 with errno (EAGAIN: wait; EPIPE/ECONNRESET: the
  // server closed).
  virtual ssize_t send(const char* data, size_t size) = 0;
  // Bytes read, 0 at the server's end, or -1 with errno.
  virtual ssize_t recv(char* buffer, size_t size) = 0;
  // Ends our output (TLS: close_notify, then the FIN); 0, or -1.
  virtual int shutdown_write() = 0;
  // Besides POLLIN (and POLLOUT while sending): what a call waits on.
  virtual short extra_poll_events() const { return 0; }
};

class PlainClientStream final : public ClientStream {
 public:
  explicit PlainClientStream(int fd) : fd_(fd) {}
  int fd() const override { return fd_; }
  ssize_t send(const char* data, size_t size) override {
    return ::send(fd_, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  ssize_t recv(char* buffer, size_t size) override {
    return ::recv(fd_, buffer, size, MSG_DONTWAIT);
  }
  int shutdown_write() override { return ::shutdown(fd_, SHUT_WR); }

 private:
  int fd_;
};

}  // namespace ackd::client
