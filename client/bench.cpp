#include "client/bench.h"

#include "client/send.h"  // add_tls_options

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <thread>

#include "client/bench_report.h"
#include "client/bench_runner.h"
#include "client/exit_codes.h"
#include "client/flush_stdout.h"

namespace ackd::client {
namespace {

constexpr const char* kFooter =
    "Forms:\n"
    "  ackctl bench [OPTIONS] HOST PORT                  --mode conn, keep (default) or udp\n"
    "  ackctl bench [OPTIONS] --unix PATH                --mode unix (default) or conn\n"
    "  ackctl bench [OPTIONS] --unixgram PATH            --mode unixgram\n"
    "\n"
    "Modes: conn opens a connection per message (connect, send, read the ack, then wait\n"
    "for the server's FIN if it closes first, else close: never a reset); keep and unix\n"
    "send one message at a time on long-lived connections; udp and unixgram send one\n"
    "datagram at a time. Each client has one message in flight. Latency is measured from\n"
    "the send (conn: from the connect) to the ack, in microseconds, in an HDR-style\n"
    "histogram (within 0.4%). An exchange without its ack within --timeout counts as an\n"
    "error of kind timeout; a reply other than the --ack line (such as ERR ...) as\n"
    "protocol. With --expect echo, for a listener with service = \"echo\", each reply must\n"
    "be the message itself instead, and a good one counts as an ack. The run lasts\n"
    "--duration, or until --messages exchanges are done.\n"
    "With conn against a server that leaves the close to the client, this host keeps\n"
    "a TIME_WAIT socket per connection: on loopback, net.ipv4.tcp_tw_reuse (default 2)\n"
    "lets connect() reuse them; elsewhere a long run may run out of local ports.\n\n";

unsigned cpu_count() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return static_cast<unsigned>(CPU_COUNT(&set));
  return std::max(std::thread::hardware_concurrency(), 1u);
}

void add_target_options(CLI::App& bench, const std::shared_ptr<BenchOptions>& options) {
  auto push = [options](const std::string& value) { options->operands.push_back(value); };
  bench.add_option_function<std::string>("HOST", push, "Server name or address")->type_name("");
  bench.add_option_function<std::string>("PORT", push, "Server port")->type_name("");
  CLI::Option* unix_stream =
      bench.add_option("--unix", options->unix_path, "Use the unix stream socket PATH")
          ->type_name("PATH");
  CLI::Option* unixgram =
      bench.add_option("--unixgram", options->unixgram_path, "Use the unix datagram socket PATH")
          ->type_name("PATH");
  unix_stream->excludes(unixgram);
}

void add_load_options(CLI::App& bench, BenchOptions& options) {
  bench.add_option("--mode", options.mode, "conn, keep, udp, unix or unixgram")->type_name("MODE");
  bench.add_option("-c,--concurrency", options.concurrency, "Clients, each one message in flight")
      ->type_name("N")
      ->capture_default_str();
  bench
      .add_option("-t,--threads", options.threads,
                  "Threads, each an epoll loop (default: one per CPU, at most N)")
      ->type_name("T");
  bench.add_option("-d,--duration", options.duration, "How long to run (default: 10s)")
      ->type_name("DURATION");
  bench
      .add_option("-n,--messages", options.messages,
                  "Stop after this many exchanges in all (with --duration: whichever first)")
      ->type_name("N");
  bench.add_option("-s,--size", options.size, "Message size in bytes (streams: with its LF)")
      ->type_name("BYTES")
      ->capture_default_str();
  bench.add_option("--timeout", options.timeout, "Deadline for each exchange")
      ->type_name("DURATION")
      ->capture_default_str();
  bench.add_option("--expect", options.expect, "What each reply must be: ack or echo")
      ->type_name("ack|echo")
      ->capture_default_str();
  bench.add_option("--ack", options.ack, "The expected ack line (default: I got your message)")
      ->type_name("TEXT");
  bench
      .add_option("--idle", options.idle,
                  "Also hold N idle connections open during the run (one exchange each first)")
      ->type_name("N");
  bench.add_flag("--json", options.json, "Print one JSON object for scripts");
  bench.add_flag("--proxy-v1", options.proxy_v1,
                 "Begin each connection with a PROXY protocol v1 header (HAProxy's send-proxy)");
  bench.add_flag("--proxy-v2", options.proxy_v2,
                 "Begin each connection with a PROXY protocol v2 header (send-proxy-v2)");
  bench
      .add_option("--proxy-source", options.proxy_source,
                  "The client address and port the PROXY header announces")
      ->type_name("ADDR:PORT");
  add_tls_options(bench, options.tls);
}

}  // namespace

void setup_bench(CLI::App& app) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* bench =
      app.add_subcommand("bench", "Measure a server: replies/s and latency percentiles");
  add_target_options(*bench, options);
  add_load_options(*bench, *options);
  bench->footer(std::string(kFooter) + kBenchExitCodesHelp);
  bench->callback([options] {
    if (int code = run_bench(*options); code != kExitOk) throw CLI::RuntimeError(code);
  });
}

int run_bench(const BenchOptions& options) {
  BenchPlan plan = make_bench_plan(options, cpu_count());
  bool terminal = isatty(STDERR_FILENO) == 1;
  BenchResult result = run_bench_plan(plan, terminal ? &std::cerr : nullptr);
  std::cout << (plan.json ? format_bench_json(plan, result) : format_bench_text(plan, result));
  flush_stdout();  // a lost report is a failure, whatever the run's outcome
  return bench_exit_code(result);
}

}  // namespace ackd::client
