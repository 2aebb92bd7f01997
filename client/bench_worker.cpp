#include "client/bench_worker.h"

#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <memory>

#include "client/fin_with_reply.h"
#include "common/syscall.h"

namespace ackd::client {
namespace {

// Timeouts, paused clients and the conn-mode close are checked this often.
constexpr auto kScanInterval = std::chrono::milliseconds(10);
// conn: how long the first connections wait for the server's FIN after the
// ack, to learn whether the server closes first (ackd with
// messages_per_connection = 1, the tutorial) or leaves the close to us.
constexpr auto kLearnWindow = std::chrono::milliseconds(200);
constexpr size_t kPrepareWindow = 128;  // idle connections being opened at once
constexpr uint32_t kEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
// Larger than any datagram a reply can be (65507 on UDP): a longer one is cut.
constexpr size_t kBufferSize = 65536 + 1;

ErrorKind kind_of(int err) {
  switch (err) {
    case ECONNREFUSED:
    case ENOENT:
      return ErrorKind::kRefused;
    case ECONNRESET:
    case EPIPE:
      return ErrorKind::kReset;
    case ETIMEDOUT:
      return ErrorKind::kTimeout;
    default:
      return ErrorKind::kOther;
  }
}

}  // namespace

// SSL sessions left open when the run ends are freed with their client.
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};

struct BenchWorker::Client {
  enum class State : uint8_t {
    kReady,         // not started
    kConnecting,    // connect() in progress
    kSending,       // waiting for room to send the rest of the message
    kAwaitAck,      // message sent
    kAwaitEof,      // conn: acked, waiting for the server's FIN
    kRetryConnect,  // unix stream: the listener's backlog was full
    kPause,         // after an error: the next exchange starts at the next scan
    kHeld,          // --idle: open and quiet
    kDone,
  };
  UniqueFd fd;
  State state = State::kReady;
  bool idle = false;
  bool peer_closed = false;
  bool reused = false;                // keep-alive: the connection has carried an exchange
  std::unique_ptr<SSL, SslFree> ssl;  // --tls: the connection's session
  bool tls_open = false;              // its handshake is done
  uint32_t sent = 0;
  uint32_t progress = 0;  // through the expected reply (ExpectedReply::feed)
  SteadyTime started{};
  SteadyTime deadline{};
};

const char* to_string(ErrorKind kind) {
  static constexpr const char* kNames[kErrorKinds] = {"refused", "reset", "timeout", "protocol",
                                                      "other"};
  return kNames[static_cast<size_t>(kind)];
}

uint64_t BenchCounts::errors_total() const {
  uint64_t total = 0;
  for (uint64_t n : errors) total += n;
  return total;
}

void BenchCounts::add(const BenchCounts& other) {
  acks += other.acks;
  for (size_t i = 0; i < kErrorKinds; ++i) errors[i] += other.errors[i];
  resets_after_ack += other.resets_after_ack;
  idle_held += other.idle_held;
}

BenchWorker::BenchWorker(const WorkerSetup& setup)
    : setup_(setup),
      expected_(setup.reply),
      buffer_(kBufferSize),
      first_message_(std::string(setup.preamble) + std::string(setup.message)),
      epoll_(epoll_create1(EPOLL_CLOEXEC)),
      clients_(setup.clients + setup.idle),
      budget_left_(setup.budget) {
  if (!epoll_) throw_errno("epoll_create1", "");
  for (size_t i = setup.clients; i < clients_.size(); ++i) clients_[i].idle = true;
}

BenchWorker::~BenchWorker() = default;  // here, where Client is complete

void BenchWorker::prepare() {
  size_t next = setup_.clients;
  busy_ = 0;
  idle_deadline_ = SteadyClock::now() + setup_.timeout;
  while (next < clients_.size() || busy_ > 0) {
    SteadyTime now = SteadyClock::now();
    if (now >= idle_deadline_ || stopped()) {  // those in flight time out at the next scan
      if (!stopped())
        counts_.errors[static_cast<size_t>(ErrorKind::kTimeout)] += clients_.size() - next;
      next = clients_.size();
    }
    for (; busy_ < kPrepareWindow && next < clients_.size(); ++next) {
      ++busy_;
      start_exchange(clients_[next], now);
    }
    poll_once(setup_.clients, clients_.size());
  }
}

void BenchWorker::run(SteadyTime end) {
  end_ = end;
  busy_ = setup_.clients;
  SteadyTime now = SteadyClock::now();
  next_scan_ = now + kScanInterval;
  for (size_t i = 0; i < setup_.clients; ++i) start_exchange(clients_[i], now);
  while (busy_ > 0) poll_once(0, setup_.clients);
  finished_at_ = SteadyClock::now();
  for (Client& client : clients_) {
    if (client.state == Client::State::kHeld) ++counts_.idle_held;
    close_client(client);
  }
}

// One epoll_wait, its events, and the periodic scan of clients [first, last).
void BenchWorker::poll_once(size_t first, size_t last) {
  int ready = epoll_wait(epoll_.get(), events_.data(), static_cast<int>(events_.size()),
                         static_cast<int>(kScanInterval.count()));
  for (int i = 0; i < ready; ++i) handle(clients_[events_[i].data.u32], events_[i].events);
  SteadyTime now = SteadyClock::now();
  if (now >= next_scan_) {
    next_scan_ = now + kScanInterval;
    scan(first, last, now);
  }
}

void BenchWorker::handle(Client& client, uint32_t events) {
  using State = Client::State;
  switch (client.state) {
    case State::kConnecting:
    case State::kSending:
      // A TLS handshake also waits for the server's flight (input).
      if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) ||
          (client.ssl != nullptr && (events & EPOLLIN))) {
        send_message(client);
      }
      break;
    case State::kAwaitAck:
      read_ack(client, events);
      break;
    case State::kAwaitEof:
      read_eof(client);
      break;
    case State::kHeld:  // the server closed it, or spoke out of turn
      if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) close_client(client);
      break;
    default:
      break;
  }
}

void BenchWorker::scan(size_t first, size_t last, SteadyTime now) {
  using State = Client::State;
  for (size_t i = first; i < last; ++i) {
    Client& client = clients_[i];
    switch (client.state) {
      case State::kConnecting:
      case State::kSending:
      case State::kAwaitAck:
        if (now >= client.deadline) fail(client, ErrorKind::kTimeout);
        break;
      case State::kRetryConnect:
        if (now >= client.deadline) {
          fail(client, ErrorKind::kTimeout);
        } else if (open_socket(client) && client.state == State::kSending) {
          send_message(client);
        }
        break;
      case State::kAwaitEof:  // acked: no FIN in time is no error, just a client close
        if (now < client.deadline) break;
        if (server_closes_ == ServerCloses::kUnknown) server_closes_ = ServerCloses::kNo;
        close_client(client);
        start_exchange(client, now);
        break;
      case State::kPause:
        start_exchange(client, now);
        break;
      default:
        break;
    }
  }
}

bool BenchWorker::may_start(SteadyTime now) {
  if (now >= end_ || budget_left_ == 0 || stopped()) return false;
  if (budget_left_ != kNoBudget) --budget_left_;
  return true;
}

void BenchWorker::start_exchange(Client& client, SteadyTime now) {
  if (!client.idle && !may_start(now)) {
    finish(client);
    return;
  }
  client.started = now;
  client.deadline =
      client.idle ? std::min(now + setup_.timeout, idle_deadline_) : now + setup_.timeout;
  client.sent = 0;
  client.progress = 0;
  if (!client.fd && (!open_socket(client) || client.state == Client::State::kRetryConnect)) {
    return;
  }
  // Even while connecting: on loopback the handshake is usually over by the
  // time connect() returns, and the send then saves an epoll round trip.
  send_message(client);
}

// A new non-blocking socket, registered once (edge-triggered: no epoll_ctl
// per message) and connected. Leaves the client kConnecting, kSending (ready
// to send) or kRetryConnect; returns false if it failed (already counted).
bool BenchWorker::open_socket(Client& client) {
  int family = setup_.address.family();
  client.fd.reset(::socket(family, setup_.socket_type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!client.fd) {
    fail(client, ErrorKind::kOther);
    return false;
  }
  if (family == AF_UNIX && setup_.socket_type == SOCK_DGRAM) {
    sa_family_t autobind = AF_UNIX;  // an abstract address, so the server can reply
    if (::bind(client.fd.get(), reinterpret_cast<sockaddr*>(&autobind), sizeof(autobind)) != 0) {
      fail(client, ErrorKind::kOther);
      return false;
    }
  }
  epoll_event event{};
  event.events = kEvents;
  event.data.u32 = static_cast<uint32_t>(&client - clients_.data());
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, client.fd.get(), &event) != 0) {
    fail(client, ErrorKind::kOther);
    return false;
  }
  if (::connect(client.fd.get(), setup_.address.get(), setup_.address.length) == 0) {
    client.state = Client::State::kSending;
  } else if (errno == EINPROGRESS) {
    client.state = Client::State::kConnecting;
  } else if (errno == EAGAIN && family == AF_UNIX) {
    close_client(client);  // a full unix backlog answers at once: retry at the next scan
    client.state = Client::State::kRetryConnect;
  } else {
    fail(client, kind_of(errno));
    return false;
  }
  return true;
}

// A new connection begins with the preamble (nothing allocated per exchange);
// with TLS, it went in clear before the handshake.
std::string_view BenchWorker::bytes_to_send(const Client& client) const {
  return client.reused || setup_.preamble.empty() || setup_.tls != nullptr
             ? setup_.message
             : std::string_view(first_message_);
}

void BenchWorker::send_message(Client& client) {
  // keep: the connection's setup is not part of the first exchange's latency.
  if (client.state == Client::State::kConnecting && setup_.pattern != BenchPattern::kConnection) {
    client.started = SteadyClock::now();
  }
  SendOutcome outcome = SendOutcome::kResend;
  while (outcome == SendOutcome::kResend) {
    if (setup_.tls != nullptr && !client.tls_open &&
        (!send_preamble_in_clear(client) || !handshake(client))) {
      return;
    }
    outcome = send_rest(client);
  }
  if (outcome == SendOutcome::kSent) client.state = Client::State::kAwaitAck;
}

// Sends what is left of the message. kResend: a unix server that stopped
// reading (draining) refused it on a reused connection, which is replaced
// by a new one, to begin again (the preamble, the handshake with --tls).
BenchWorker::SendOutcome BenchWorker::send_rest(Client& client) {
  std::string_view message = bytes_to_send(client);
  while (client.sent < message.size()) {
    ssize_t n = client_send(client, message.substr(client.sent));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        if (client.state != Client::State::kConnecting) client.state = Client::State::kSending;
        return SendOutcome::kPending;
      }
      if (errno == EPIPE && client.reused && client.sent == 0) {
        close_client(client);  // not reused now: this is not taken twice
        bool opened = open_socket(client) && client.state != Client::State::kRetryConnect;
        return opened ? SendOutcome::kResend : SendOutcome::kPending;
      }
      fail(client, kind_of(errno));
      return SendOutcome::kPending;
    }
    client.sent += static_cast<uint32_t>(n);
  }
  return SendOutcome::kSent;
}

// Reads and checks the reply up to its LF (or the EOF after a final
// fragment: the tutorial's server answers without LF and closes). Another
// reply (an ERR line, another server's answer) is a protocol error.
void BenchWorker::read_ack(Client& client, uint32_t events) {
  if (setup_.socket_type == SOCK_DGRAM) {
    read_datagram_ack(client);
    return;
  }
  while (true) {
    ssize_t n = client_recv(client);
    if (n > 0) {
      std::string_view bytes(buffer_.data(), static_cast<size_t>(n));
      ExpectedReply::Step step = expected_.feed(client.progress, bytes);
      if (step == ExpectedReply::Step::kWrong) {
        fail(client, ErrorKind::kProtocol);
        return;
      }
      if (step == ExpectedReply::Step::kDone) {
        // The FIN came with the ack: nothing more to read on this connection.
        client.peer_closed =
            bytes.size() < buffer_.size() &&
            fin_came_with_reply(client.fd.get(), events, client.ssl != nullptr && !client.reused);
        if (client.peer_closed && (events & EPOLLERR)) ++counts_.resets_after_ack;  // RST, not FIN
        on_ack(client);
        return;
      }
      continue;
    }
    if (n == 0) {
      client.peer_closed = true;
      if (expected_.done_at_eof(client.progress)) {
        on_ack(client);
      } else {
        fail(client, ErrorKind::kProtocol);  // closed without an answer, or with part of one
      }
      return;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) fail(client, kind_of(errno));
    return;
  }
}

void BenchWorker::read_datagram_ack(Client& client) {
  // MSG_TRUNC: the real length, so a reply longer than the buffer is not cut to fit.
  ssize_t n = ::recv(client.fd.get(), buffer_.data(), buffer_.size(), MSG_TRUNC);
  if (n < 0) {
    if (errno != EAGAIN && errno != EINTR) fail(client, kind_of(errno));
    return;
  }
  size_t length = static_cast<size_t>(n);
  if (length > buffer_.size() ||
      !expected_.matches_datagram(std::string_view(buffer_.data(), length))) {
    fail(client, ErrorKind::kProtocol);
    return;
  }
  on_ack(client);
}

void BenchWorker::on_ack(Client& client) {
  SteadyTime now = SteadyClock::now();
  if (client.idle) {
    client.state = client.peer_closed ? Client::State::kDone : Client::State::kHeld;
    if (client.peer_closed) close_client(client);
    --busy_;
    return;
  }
  latency_.record(static_cast<uint64_t>((now - client.started).count()));
  ++counts_.acks;
  progress_.acks.store(counts_.acks, std::memory_order_relaxed);
  if (setup_.pattern == BenchPattern::kConnection) {
    if (client.peer_closed) server_closes_ = ServerCloses::kYes;
    if (!client.peer_closed && server_closes_ != ServerCloses::kNo) {
      client.state = Client::State::kAwaitEof;
      client.deadline =
          now + (server_closes_ == ServerCloses::kYes ? setup_.timeout : kLearnWindow);
      return;
    }
    close_client(client);  // all read: a FIN, never a reset
  } else if (client.peer_closed) {
    close_client(client);  // keep-alive: the server ended it; reconnect
  } else {
    client.reused = true;
  }
  start_exchange(client, now);
}

void BenchWorker::read_eof(Client& client) {
  ssize_t n = client_recv(client);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n > 0) {
    fail(client, ErrorKind::kProtocol);  // more than the one ack
    return;
  }
  if (n < 0 && kind_of(errno) == ErrorKind::kReset) ++counts_.resets_after_ack;
  server_closes_ = ServerCloses::kYes;
  close_client(client);
  start_exchange(client, SteadyClock::now());
}

void BenchWorker::fail(Client& client, ErrorKind kind) {
  ++counts_.errors[static_cast<size_t>(kind)];
  publish_errors();
  close_client(client);  // a datagram client too: a late reply must not pass for the next ack
  if (client.idle) {
    client.state = Client::State::kDone;
    --busy_;
  } else {
    client.state = Client::State::kPause;  // restarts at the next scan: no busy loop on errors
  }
}

void BenchWorker::finish(Client& client) {
  close_client(client);
  client.state = Client::State::kDone;
  --busy_;
}

void BenchWorker::close_client(Client& client) {
  client.ssl.reset();  // no close_notify: the server's close, or ours, ends it
  client.tls_open = false;
  client.fd.reset();  // also leaves the epoll set
  client.peer_closed = false;
  client.reused = false;
}

void BenchWorker::publish_errors() {
  progress_.errors.store(counts_.errors_total(), std::memory_order_relaxed);
}

}  // namespace ackd::client

namespace ackd::client {

// --tls with a PROXY header: the header goes first, in clear, and the
// handshake after it (as HAProxy's send-proxy-v2 in front of a TLS server
// it passes TLS through to). `sent` counts its bytes until then; true once
// it is all out (the handshake has begun: it is).
bool BenchWorker::send_preamble_in_clear(Client& client) {
  if (client.ssl != nullptr) return true;
  while (client.sent < setup_.preamble.size()) {
    ssize_t n = ::send(client.fd.get(), setup_.preamble.data() + client.sent,
                       setup_.preamble.size() - client.sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        if (client.state != Client::State::kConnecting) client.state = Client::State::kSending;
      } else {
        fail(client, kind_of(errno));
      }
      return false;
    }
    client.sent += static_cast<uint32_t>(n);
  }
  client.sent = 0;  // from now on, the message's
  return true;
}

// Runs the TLS handshake as far as it goes now; true once it is done (the
// message may go). A failure (an alert, a certificate that does not
// verify) is a protocol error.
bool BenchWorker::handshake(Client& client) {
  if (client.ssl == nullptr) {
    client.ssl.reset(setup_.tls->new_session(client.fd.get()));
    if (client.ssl == nullptr) {
      fail(client, ErrorKind::kOther);
      return false;
    }
  }
  ERR_clear_error();
  int result = SSL_do_handshake(client.ssl.get());
  if (result == 1) {
    client.tls_open = true;
    return true;
  }
  int error = SSL_get_error(client.ssl.get(), result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return false;
  int err = errno;
  ERR_clear_error();
  fail(client, error == SSL_ERROR_SYSCALL && err != 0 ? kind_of(err) : ErrorKind::kProtocol);
  return false;
}

namespace {

// An SSL_write or SSL_read that did not go through, as send(2) and recv(2)
// say it: -1 with errno EAGAIN (wait), or the socket's error, or ECONNRESET.
ssize_t ssl_failed(int ssl_error) {
  if (ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE) {
    errno = EAGAIN;
  } else if (ssl_error != SSL_ERROR_SYSCALL || errno == 0) {
    errno = ECONNRESET;
  }
  ERR_clear_error();
  return -1;
}

}  // namespace

// send(2) or SSL_write: bytes sent, or -1 with errno (EAGAIN: wait).
ssize_t BenchWorker::client_send(Client& client, std::string_view bytes) {
  if (client.ssl == nullptr)
    return ::send(client.fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
  ERR_clear_error();
  int n = SSL_write(client.ssl.get(), bytes.data(),
                    static_cast<int>(std::min<size_t>(bytes.size(), INT_MAX)));
  if (n > 0) return n;
  return ssl_failed(SSL_get_error(client.ssl.get(), n));
}

// recv(2) or SSL_read into buffer_: bytes, 0 at the server's end, or -1.
ssize_t BenchWorker::client_recv(Client& client) {
  if (client.ssl == nullptr) return ::recv(client.fd.get(), buffer_.data(), buffer_.size(), 0);
  ERR_clear_error();
  int n = SSL_read(client.ssl.get(), buffer_.data(),
                   static_cast<int>(std::min<size_t>(buffer_.size(), INT_MAX)));
  if (n > 0) return n;
  int error = SSL_get_error(client.ssl.get(), n);
  if (error == SSL_ERROR_ZERO_RETURN) return 0;
  return ssl_failed(error);
}

}  // namespace ackd::client
