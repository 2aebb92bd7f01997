// `ackctl bench` options: what the command line says (BenchOptions) and the
// checked plan a run follows (BenchPlan). make_bench_plan() is where every
// rule about options lives; its errors are usage errors (exit 2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/proxy_preamble.h"
#include "client/tls_client.h"
#include "common/duration.h"
#include "common/endpoint.h"

namespace ackd::client {

struct BenchOptions {
  std::vector<std::string> operands;  // HOST PORT
  std::string unix_path;
  std::string unixgram_path;
  std::string mode;  // empty: keep for HOST PORT, unix for --unix, unixgram for --unixgram
  unsigned concurrency = 32;
  unsigned threads = 0;  // 0: one per CPU
  std::string duration;  // empty: 10s, unless --messages is given
  int64_t messages = 0;  // signed, so that -1 is refused rather than wrapped
  size_t size = 16;
  std::string timeout = "5s";
  std::string expect = "ack";
  std::optional<std::string> ack;  // unset: "I got your message"
  unsigned idle = 0;
  bool json = false;
  bool proxy_v1 = false;     // --proxy-v1: a PROXY header first on each connection
  bool proxy_v2 = false;     // --proxy-v2
  std::string proxy_source;  // --proxy-source ADDR:PORT
  TlsClientOptions tls;      // --tls, --ca, --cert, --key, --servername
};

// How each client exchanges messages.
enum class BenchPattern {
  kConnection,  // conn: connect, one message, its ack, close
  kKeepAlive,   // keep, unix: one message at a time on a long-lived connection
  kDatagram,    // udp, unixgram: one datagram at a time
};

// What each reply must be.
enum class BenchExpect {
  kAck,   // the --ack line
  kEcho,  // the message itself (a listener with service = "echo")
};

struct BenchPlan {
  std::string mode;  // as named on the command line: conn, keep, udp, unix, unixgram
  BenchPattern pattern = BenchPattern::kKeepAlive;
  bool unix_socket = false;  // path (unix, unixgram) rather than HOST PORT
  Endpoint endpoint;         // HOST PORT
  std::string path;          // --unix, --unixgram
  unsigned concurrency = 32;
  unsigned threads = 1;  // never more than concurrency
  std::optional<Duration> duration;
  uint64_t messages = 0;  // 0: no count limit
  size_t size = 16;
  Duration timeout = std::chrono::seconds(5);
  BenchExpect expect = BenchExpect::kAck;
  std::string ack;    // with kAck
  unsigned idle = 0;  // extra connections held open (stream modes)
  bool json = false;
  ProxyPreamble proxy;   // stream modes: a PROXY header first on each connection
  TlsClientOptions tls;  // stream modes: TLS on each connection (the handshake timed too)

  bool datagram() const { return pattern == BenchPattern::kDatagram; }
  // "tcp 127.0.0.1:51717", "unix /run/ackd/ackd.sock", for the report.
  std::string target() const;
};

inline constexpr unsigned kMaxConcurrency = 100000;
inline constexpr unsigned kMaxThreads = 256;
inline constexpr size_t kMaxStreamMessage = 1 << 20;
inline constexpr size_t kMaxDatagramMessage = 65507;  // the most a UDP/IPv4 datagram holds
inline constexpr size_t kMaxAck = 255;

// Checks `options`; `cpus` is the default thread count. Throws ClientError
// with kExitUsage, saying which option is wrong and why.
BenchPlan make_bench_plan(const BenchOptions& options, unsigned cpus);

}  // namespace ackd::client
