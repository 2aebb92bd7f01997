#include "client/bench_options.h"

#include <algorithm>
#include <stdexcept>

#include "client/client_error.h"
#include "client/deadline.h"
#include "client/exit_codes.h"

namespace ackd::client {
namespace {

[[noreturn]] void usage_error(const std::string& what) {
  throw ClientError(kExitUsage, what + " (see ackctl bench --help)");
}

Duration parse_positive(const std::string& option, const std::string& text) {
  try {
    return parse_positive_duration(option, text);
  } catch (const std::invalid_argument& e) {
    usage_error(e.what());
  }
}

// The target: exactly one of HOST PORT, --unix PATH, --unixgram PATH.
void parse_target(const BenchOptions& options, BenchPlan& plan) {
  int given =
      !options.operands.empty() + !options.unix_path.empty() + !options.unixgram_path.empty();
  if (given == 0) usage_error("give HOST PORT, --unix PATH or --unixgram PATH");
  if (given > 1) usage_error("give only one of HOST PORT, --unix PATH and --unixgram PATH");
  if (!options.operands.empty()) {
    if (options.operands.size() != 2) usage_error("HOST and PORT are both required");
    plan.endpoint.host = parse_host(options.operands[0]);
    try {
      plan.endpoint.port = parse_port(options.operands[1]);
    } catch (const std::invalid_argument& e) {
      usage_error(e.what());
    }
    return;
  }
  plan.unix_socket = true;
  plan.path = options.unix_path.empty() ? options.unixgram_path : options.unix_path;
}

// The mode, checked against the kind of target it needs.
void parse_mode(const BenchOptions& options, BenchPlan& plan) {
  bool stream_path = !options.unix_path.empty();
  bool gram_path = !options.unixgram_path.empty();
  std::string mode = options.mode;
  if (mode.empty()) mode = stream_path ? "unix" : gram_path ? "unixgram" : "keep";
  plan.mode = mode;
  if (mode == "conn") {
    plan.pattern = BenchPattern::kConnection;
    if (gram_path) usage_error("--mode conn needs HOST PORT or --unix PATH");
  } else if (mode == "keep" || mode == "unix") {
    plan.pattern = BenchPattern::kKeepAlive;
    if (gram_path || (mode == "unix" && !stream_path)) {
      usage_error("--mode " + mode + " needs " + (mode == "unix" ? "--unix PATH" : "HOST PORT"));
    }
  } else if (mode == "udp" || mode == "unixgram") {
    plan.pattern = BenchPattern::kDatagram;
    bool fits = mode == "udp" ? !plan.unix_socket : gram_path;
    if (!fits) {
      usage_error("--mode " + mode + " needs " + (mode == "udp" ? "HOST PORT" : "--unixgram PATH"));
    }
  } else {
    usage_error("--mode must be one of conn, keep, udp, unix, unixgram, not \"" + mode + "\"");
  }
}

void parse_load(const BenchOptions& options, unsigned cpus, BenchPlan& plan) {
  if (options.concurrency < 1 || options.concurrency > kMaxConcurrency) {
    usage_error("--concurrency must be 1 to " + std::to_string(kMaxConcurrency));
  }
  plan.concurrency = options.concurrency;
  if (options.threads > kMaxThreads) {
    usage_error("--threads must be 1 to " + std::to_string(kMaxThreads));
  }
  unsigned threads = options.threads == 0 ? std::max(cpus, 1u) : options.threads;
  plan.threads = std::min(threads, plan.concurrency);
  if (options.messages < 0) usage_error("--messages must not be negative");
  plan.messages = static_cast<uint64_t>(options.messages);
  if (!options.duration.empty()) {
    plan.duration = parse_positive("--duration", options.duration);
  } else if (options.messages == 0) {
    plan.duration = std::chrono::seconds(10);
  }
  plan.timeout = parse_positive("--timeout", options.timeout);
  if (options.idle > 0 && plan.datagram()) usage_error("--idle needs a stream mode");
  if (options.idle > kMaxConcurrency) {
    usage_error("--idle must be at most " + std::to_string(kMaxConcurrency));
  }
  plan.idle = options.idle;
}

void parse_message(const BenchOptions& options, BenchPlan& plan) {
  size_t max = plan.datagram() ? kMaxDatagramMessage : kMaxStreamMessage;
  if (options.size < 1 || options.size > max) {
    usage_error("--size must be 1 to " + std::to_string(max) + " bytes in this mode");
  }
  plan.size = options.size;
  plan.json = options.json;
}

// The reply each message must get: the ack line, or the message itself.
void parse_expect(const BenchOptions& options, BenchPlan& plan) {
  if (options.expect == "echo") {
    if (options.ack) usage_error("--ack is the expected ack: not with --expect echo");
    plan.expect = BenchExpect::kEcho;
    return;
  }
  if (options.expect != "ack") {
    usage_error("--expect must be ack or echo, not \"" + options.expect + "\"");
  }
  std::string ack = options.ack.value_or("I got your message");
  if (ack.empty() || ack.size() > kMaxAck) {
    usage_error("--ack must be 1 to " + std::to_string(kMaxAck) + " bytes");
  }
  if (ack.find('\n') != std::string::npos) usage_error("--ack must be one line");
  plan.expect = BenchExpect::kAck;
  plan.ack = ack;
}

void parse_tls(const BenchOptions& options, BenchPlan& plan) {
  const TlsClientOptions& tls = options.tls;
  bool tls_options =
      !tls.ca.empty() || !tls.cert.empty() || !tls.key.empty() || !tls.servername.empty();
  if (tls_options && !tls.enabled) usage_error("--ca, --cert, --key and --servername need --tls");
  if (!tls.enabled) return;
  if (plan.datagram()) usage_error("--tls is for the stream modes (conn, keep, unix)");
  if (tls.cert.empty() != tls.key.empty()) usage_error("--cert and --key go together");
  plan.tls = tls;
}

}  // namespace

std::string BenchPlan::target() const {
  if (!unix_socket) return std::string(datagram() ? "udp " : "tcp ") + endpoint.to_string();
  return std::string(datagram() ? "unixgram " : "unix ") + path;
}

BenchPlan make_bench_plan(const BenchOptions& options, unsigned cpus) {
  BenchPlan plan;
  parse_target(options, plan);
  parse_mode(options, plan);
  parse_load(options, cpus, plan);
  parse_message(options, plan);
  parse_expect(options, plan);
  try {
    plan.proxy = make_proxy_preamble(options.proxy_v1, options.proxy_v2, options.proxy_source,
                                     plan.datagram());
  } catch (const std::invalid_argument& e) {
    usage_error(e.what());
  }
  parse_tls(options, plan);
  return plan;
}

}  // namespace ackd::client
