#include "client/bench_report.h"

#include <cstdio>
#include <sstream>

#include "client/exit_codes.h"
#include "common/json.h"

namespace ackd::client {
namespace {

constexpr ErrorKind kAllKinds[] = {ErrorKind::kRefused, ErrorKind::kReset, ErrorKind::kTimeout,
                                   ErrorKind::kProtocol, ErrorKind::kOther};

std::string number(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

double microseconds(uint64_t nanoseconds) { return static_cast<double>(nanoseconds) / 1000.0; }

double rate(const BenchResult& result) {
  return result.seconds > 0 ? static_cast<double>(result.counts.acks) / result.seconds : 0.0;
}

const char* pattern_text(const BenchPlan& plan) {
  switch (plan.pattern) {
    case BenchPattern::kConnection:
      return "a connection per message";
    case BenchPattern::kKeepAlive:
      return "keep-alive";
    case BenchPattern::kDatagram:
      return "datagrams";
  }
  return "";
}

}  // namespace

const char* const kBenchExitCodesHelp =
    "Exit status:\n"
    "  0  the run ended with replies and no error\n"
    "  1  other error, or no exchange completed\n"
    "  2  usage error\n"
    "  3  nothing answered: every attempt was refused (or no such unix socket)\n"
    "  4  nothing answered: every attempt timed out\n"
    "  5  unknown host\n"
    "  6  errors were counted (see errors by kind)";

std::string format_bench_text(const BenchPlan& plan, const BenchResult& result) {
  const BenchCounts& c = result.counts;
  std::ostringstream out;
  out << "ackctl bench: " << plan.mode << " (" << pattern_text(plan) << ") to " << plan.target()
      << ", " << plan.concurrency << (plan.datagram() ? " clients" : " connections") << " on "
      << plan.threads << (plan.threads == 1 ? " thread" : " threads") << ", " << plan.size
      << "-byte messages, "
      << (plan.expect == BenchExpect::kEcho ? "expecting their echoes"
                                            : "expecting \"" + plan.ack + "\"")
      << "\n";
  if (plan.tls.enabled) out << "  tls:      a TLS handshake on each connection\n";
  if (plan.proxy.enabled()) {
    out << "  proxy:    a PROXY " << (plan.proxy.version == ProxyVersion::kV1 ? "v1" : "v2")
        << " header first on each connection, from " << plan.proxy.source.to_string() << "\n";
  }
  if (plan.idle > 0) out << "  idle:     " << c.idle_held << " of " << plan.idle << " held open\n";
  out << "  replies:  " << c.acks << " in " << number(result.seconds, 2) << " s\n";
  out << "  rate:     " << number(rate(result), 0) << " replies/s\n";
  out << "  errors:   " << c.errors_total() << " (";
  for (ErrorKind kind : kAllKinds) {
    out << (kind == ErrorKind::kRefused ? "" : ", ") << to_string(kind) << " " << c.error(kind);
  }
  out << ")\n";
  if (c.resets_after_ack > 0) out << "  resets after the ack: " << c.resets_after_ack << "\n";
  out << "  latency:  ";
  for (const Percentile& p : kReportedPercentiles) {
    out << p.name << " " << number(microseconds(result.latency.percentile(p.quantile)), 1) << "  ";
  }
  out << "max " << number(microseconds(result.latency.max()), 1) << " (microseconds)\n";
  return out.str();
}

std::string format_bench_json(const BenchPlan& plan, const BenchResult& result) {
  const BenchCounts& c = result.counts;
  std::ostringstream out;
  out << "{\"mode\":" << json_string(plan.mode) << ",\"target\":" << json_string(plan.target())
      << ",\"concurrency\":" << plan.concurrency << ",\"threads\":" << plan.threads
      << ",\"size\":" << plan.size
      << ",\"expect\":" << json_string(plan.expect == BenchExpect::kEcho ? "echo" : "ack")
      << ",\"idle\":" << plan.idle << ",\"idle_held\":" << c.idle_held
      << ",\"seconds\":" << number(result.seconds, 3) << ",\"replies\":" << c.acks
      << ",\"replies_per_second\":"
      << number(rate(result), 1)
      // The old names, for scripts written before the echo service: same values.
      << ",\"acks\":" << c.acks << ",\"acks_per_second\":" << number(rate(result), 1)
      << ",\"errors\":" << c.errors_total() << ",\"errors_by_kind\":{";
  for (ErrorKind kind : kAllKinds) {
    out << (kind == ErrorKind::kRefused ? "" : ",") << json_string(to_string(kind)) << ":"
        << c.error(kind);
  }
  out << "},\"resets_after_ack\":" << c.resets_after_ack << ",\"latency_us\":{";
  for (const Percentile& p : kReportedPercentiles) {
    out << json_string(p.name) << ":"
        << number(microseconds(result.latency.percentile(p.quantile)), 1) << ",";
  }
  out << "\"max\":" << number(microseconds(result.latency.max()), 1)
      << ",\"mean\":" << number(result.latency.mean() / 1000.0, 1) << "}}\n";
  return out.str();
}

int bench_exit_code(const BenchResult& result) {
  const BenchCounts& c = result.counts;
  uint64_t errors = c.errors_total();
  if (errors == 0) return c.acks > 0 ? kExitOk : kExitFailure;
  if (c.acks == 0 && c.error(ErrorKind::kRefused) == errors) return kExitRefused;
  if (c.acks == 0 && c.error(ErrorKind::kTimeout) == errors) return kExitTimeout;
  return kExitProtocol;
}

}  // namespace ackd::client
