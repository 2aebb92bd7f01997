// BenchWorker: one thread of `ackctl bench`. It drives its share of the
// clients from its own edge-triggered epoll loop, on non-blocking sockets,
// with nothing allocated per exchange; it checks each reply (the ack, or the
// message's echo), counts the good ones as acks and errors by kind,
// records latencies, and stops at the deadline or when its share of
// --messages is spent, once every exchange in flight has ended.
#pragma once

#include <sys/epoll.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

#include "client/bench_histogram.h"
#include "client/bench_options.h"
#include "client/expected_reply.h"
#include "client/tls_client.h"
#include "common/duration.h"
#include "common/socket_address.h"
#include "common/steady_time.h"
#include "common/unique_fd.h"

namespace ackd::client {

enum class ErrorKind { kRefused, kReset, kTimeout, kProtocol, kOther };
inline constexpr size_t kErrorKinds = 5;
const char* to_string(ErrorKind kind);

struct BenchCounts {
  uint64_t acks = 0;
  std::array<uint64_t, kErrorKinds> errors{};
  uint64_t resets_after_ack = 0;  // conn: the server reset the connection after its ack
  uint64_t idle_held = 0;         // --idle connections still open at the end

  uint64_t error(ErrorKind kind) const { return errors[static_cast<size_t>(kind)]; }
  uint64_t errors_total() const;
  void add(const BenchCounts& other);
};

inline constexpr uint64_t kNoBudget = UINT64_MAX;  // no --messages: no limit

struct WorkerSetup {
  BenchPattern pattern = BenchPattern::kKeepAlive;
  SocketAddress address;
  int socket_type = SOCK_STREAM;
  unsigned clients = 1;
  unsigned idle = 0;
  uint64_t budget = kNoBudget;  // exchanges this worker may start
  Duration timeout = std::chrono::seconds(5);
  std::string_view message;                 // the bytes of one message; outlives the worker
  std::string_view preamble;                // sent first on each connection (a PROXY header;
                                            // with TLS, in clear before the handshake)
  std::string_view reply;                   // the expected reply, without its LF; outlives it
  const TlsClient* tls = nullptr;           // set: TLS on each connection; outlives it
  const std::atomic<bool>* stop = nullptr;  // set (Ctrl-C): start no more exchanges
};

class BenchWorker {
 public:
  // Throws std::system_error if the epoll instance cannot be made.
  explicit BenchWorker(const WorkerSetup& setup);
  ~BenchWorker();
  BenchWorker(const BenchWorker&) = delete;
  BenchWorker& operator=(const BenchWorker&) = delete;

  // Opens the --idle connections: each sends one message and gets its ack
  // (so the server has accepted it), then stays open, unmeasured. All of it
  // within one --timeout: connections not held by then count as timeouts.
  void prepare();
  // Runs the measured exchanges until `end` or the budget; returns when no
  // exchange is in flight. Closes every socket.
  void run(SteadyTime end);

  // Updated as the run goes, for the progress line (read from any thread).
  uint64_t acks_so_far() const { return progress_.acks.load(std::memory_order_relaxed); }
  uint64_t errors_so_far() const { return progress_.errors.load(std::memory_order_relaxed); }

  const BenchCounts& counts() const { return counts_; }
  const LatencyHistogram& latency() const { return latency_; }
  SteadyTime finished_at() const { return finished_at_; }

 private:
  struct Client;
  enum class ServerCloses { kUnknown, kYes, kNo };  // conn: who closes after the ack

  void poll_once(size_t first, size_t last);
  void handle(Client& client, uint32_t events);
  void scan(size_t first, size_t last, SteadyTime now);
  bool may_start(SteadyTime now);
  bool stopped() const {
    return setup_.stop != nullptr && setup_.stop->load(std::memory_order_relaxed);
  }
  void start_exchange(Client& client, SteadyTime now);
  bool open_socket(Client& client);
  void send_message(Client& client);
  // kPending: waiting (for room, a reconnect) or failed; kResend: on a new connection.
  enum class SendOutcome { kSent, kPending, kResend };
  SendOutcome send_rest(Client& client);
  bool send_preamble_in_clear(Client& client);
  bool handshake(Client& client);
  static ssize_t client_send(Client& client, std::string_view bytes);
  ssize_t client_recv(Client& client);
  std::string_view bytes_to_send(const Client& client) const;
  void read_ack(Client& client, uint32_t events);
  void read_datagram_ack(Client& client);
  void on_ack(Client& client);
  void read_eof(Client& client);
  void fail(Client& client, ErrorKind kind);
  void finish(Client& client);
  static void close_client(Client& client);
  void publish_errors();

  WorkerSetup setup_;
  ExpectedReply expected_;
  std::vector<char> buffer_;   // every client reads into it: replies are checked, not kept
  std::string first_message_;  // the preamble and the message: a new connection's first bytes
  UniqueFd epoll_;
  std::vector<Client> clients_;  // the active ones first, then the idle ones
  std::array<epoll_event, 256> events_{};
  LatencyHistogram latency_;
  BenchCounts counts_;
  SteadyTime end_ = SteadyTime::max();
  SteadyTime idle_deadline_ = SteadyTime::max();  // for all of prepare()
  SteadyTime next_scan_{};
  SteadyTime finished_at_{};
  uint64_t budget_left_ = 0;
  size_t busy_ = 0;  // clients of the current phase not yet done
  ServerCloses server_closes_ = ServerCloses::kUnknown;
  struct alignas(64) Progress {  // own cache line: the main thread reads it
    std::atomic<uint64_t> acks{0};
    std::atomic<uint64_t> errors{0};
  } progress_;
};

}  // namespace ackd::client
