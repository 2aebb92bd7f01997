// ackd-metrics: ackd's Prometheus exporter. The master runs it as an
// auxiliary process (daemon/metrics/metrics_process.h), as the workers'
// user, with the [metrics] socket and the scoreboard; it serves GET
// /metrics from the scoreboard until TERM, beating its heartbeat in its own
// entry so that the master kills it if it hangs. It asks no worker anything.
#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "daemon/log/logging.h"
#include "daemon/metrics/exporter/exposition.h"
#include "daemon/metrics/exporter/http_server.h"
#include "daemon/metrics/exporter/openmetrics.h"
#include "daemon/metrics/exporter_options.h"
#include "daemon/record/spool_usage.h"
#include "daemon/scoreboard.h"
#include "daemon/signals.h"
#include "version.h"

namespace ackd {
namespace {

constexpr int kHeartbeatMs = 250;

CidrList parse_allow(const std::vector<std::string>& ranges) {
  std::vector<Cidr> allow;
  allow.reserve(ranges.size());
  for (const std::string& range : ranges) allow.push_back(parse_cidr(range));
  return CidrList(std::move(allow));
}

int serve(const ExporterOptions& options) {
  Scoreboard scoreboard{UniqueFd(options.scoreboard_fd)};
  if (options.entry >= scoreboard.capacity()) throw std::runtime_error("no such scoreboard entry");
  ScoreboardEntry& self = scoreboard.entry(options.entry);
  SignalPipe signals({SIGTERM, SIGINT, SIGQUIT, SIGUSR1});
  ignore_sigpipe();
  MasterInfo master{kVersion, options.started, options.generation, options.spool_fsync,
                    options.replication};
  HttpServer server(options.listen_fd, parse_allow(options.allow), [&](Exposition format) {
    std::optional<SpoolUsage> spool;
    if (!options.spool.empty()) spool = spool_usage_or_warn(options.spool);
    auto families = collect_metrics(scoreboard, master, spool);
    return format == Exposition::kOpenMetrics ? render_openmetrics(families)
                                              : render_text(families);
  });
  self.state.store(WorkerState::kServing, std::memory_order_relaxed);
  while (true) {
    self.heartbeat_ms.store(steady_now_ms(), std::memory_order_relaxed);
    flush_log();
    pollfd fds[] = {{server.poll_fd(), POLLIN, 0}, {signals.fd(), POLLIN, 0}};
    poll(fds, 2, server.timeout_ms(kHeartbeatMs));
    SignalSet taken = signals.take();
    if (taken.has(SIGTERM) || taken.has(SIGINT) || taken.has(SIGQUIT)) break;
    server.run();
    if (getppid() != options.master_pid) break;  // the master is gone
  }
  self.state.store(WorkerState::kDraining, std::memory_order_relaxed);
  return 0;
}

}  // namespace
}  // namespace ackd

int main(int argc, char** argv) {
  ackd::ExporterOptions options;
  try {
    options = ackd::parse_exporter_options(std::vector<std::string>(argv, argv + argc));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ackd-metrics: %s\n", e.what());
    return 2;
  }
  try {
    ackd::DaemonConfig logs;
    logs.log_level = options.log_level;
    logs.log_target = options.log_target;
    ackd::init_logging("metrics", logs);
    int status = ackd::serve(options);
    ackd::flush_log();
    return status;
  } catch (const std::exception& e) {
    spdlog::critical("cannot serve the metrics: {}", e.what());
    ackd::flush_log();
    return 1;
  }
}
