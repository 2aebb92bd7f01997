#include "client/top.h"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "client/client_error.h"
#include "client/control.h"
#include "client/deadline.h"
#include "client/exit_codes.h"
#include "client/flush_stdout.h"
#include "common/duration.h"

namespace ackd::client {
namespace {

struct TopOptions {
  ControlOptions control;
  std::string interval = "1s";
  unsigned count = 0;  // frames; 0: until interrupted
};

constexpr const char* kClearScreen = "\x1b[H\x1b[2J";

std::string rate(uint64_t now, std::optional<uint64_t> before, double seconds) {
  if (!before || seconds <= 0 || now < *before) return "-";
  return fmt::format("{:.1f}", static_cast<double>(now - *before) / seconds);
}

struct CounterRow {
  std::string name;
  uint64_t now = 0;
  std::optional<uint64_t> before;  // none: no rate
};

std::optional<uint64_t> reason_count(const StatusFields& s, const std::string& reason) {
  for (const auto& [name, count] : s.refused_by_reason) {
    if (name == reason) return count;
  }
  return std::nullopt;
}

// The counters with a rate: the totals, the refusals by reason that
// happened, and the spool's syncs and replication's when they are on.
std::vector<CounterRow> counters(const StatusFields& now,
                                 const std::optional<StatusFields>& before) {
  std::vector<CounterRow> rows;
  auto add = [&](const char* name, uint64_t StatusFields::*field) {
    rows.push_back({name, now.*field, before ? std::optional((*before).*field) : std::nullopt});
  };
  auto add_optional = [&](const char* name, std::optional<uint64_t> StatusFields::*field) {
    if (!(now.*field)) return;
    rows.push_back({name, *(now.*field), before ? (*before).*field : std::nullopt});
  };
  add("connections", &StatusFields::connections);
  add("messages", &StatusFields::messages);
  add("replies", &StatusFields::replies);
  add("errors", &StatusFields::errors);
  add("udp dropped", &StatusFields::udp_dropped);
  add("refused", &StatusFields::refused);
  for (const auto& [reason, count] : now.refused_by_reason) {
    if (count == 0) continue;
    rows.push_back({"  " + reason, count, before ? reason_count(*before, reason) : std::nullopt});
  }
  add_optional("spool fsyncs", &StatusFields::fsyncs);
  add_optional("replicated", &StatusFields::replicated);
  add_optional("repl. failed", &StatusFields::replication_failed);
  return rows;
}

std::string counter_rows(const StatusFields& now, const std::optional<StatusFields>& before,
                         double seconds) {
  std::string out = fmt::format("{:<24} {:>14} {:>10}\n", "", "total", "per second");
  for (const CounterRow& row : counters(now, before)) {
    out += fmt::format("{:<24} {:>14} {:>10}\n", row.name, row.now,
                       rate(row.now, row.before, seconds));
  }
  out += fmt::format("{:<24} {:>14}\n", "open now", now.open_connections);
  if (now.replication_in_flight) {
    out += fmt::format("{:<24} {:>14}\n", "repl. in flight", *now.replication_in_flight);
  }
  return out;
}

std::string process_rows(const StatusFields& now) {
  std::string out = fmt::format("\n{:<12} {:>7} {:>8} {:>9} {:>11}\n", "ROLE", "RUNNING",
                                "RESTARTS", "THROTTLED", "HUNG-KILLED");
  for (const RoleFields& r : now.roles) {
    if (r.running + r.restarts + r.throttled + r.hung_killed == 0) continue;
    out += fmt::format("{:<12} {:>7} {:>8} {:>9} {:>11}\n", r.role, r.running, r.restarts,
                       r.throttled, r.hung_killed);
  }
  return out + fmt::format("reloads {} ok, {} failed; upgrades {} ok, {} failed\n", now.reloads_ok,
                           now.reloads_failed, now.upgrades_ok, now.upgrades_failed);
}

void run_top(const TopOptions& options) {
  Duration interval;
  try {
    interval = parse_positive_duration("--interval", options.interval);
  } catch (const std::invalid_argument& e) {
    throw ClientError(kExitUsage, e.what());
  }
  bool terminal = isatty(STDOUT_FILENO) == 1;
  std::optional<StatusFields> before;
  auto taken = std::chrono::steady_clock::now();
  for (unsigned frame = 0; options.count == 0 || frame < options.count; ++frame) {
    if (frame > 0) std::this_thread::sleep_for(interval);
    std::string json = run_control(options.control, "status json");
    auto now_time = std::chrono::steady_clock::now();
    StatusFields now;
    try {
      now = parse_status_fields(json);
    } catch (const std::runtime_error& e) {
      throw ClientError(kExitProtocol, std::string("daemon replied: ") + e.what());
    }
    double seconds = std::chrono::duration<double>(now_time - taken).count();
    std::cout << (terminal ? kClearScreen : (frame > 0 ? "\n" : ""))
              << render_top(now, before, seconds);
    flush_stdout();
    before = now;
    taken = now_time;
  }
}

}  // namespace

std::string render_top(const StatusFields& now, const std::optional<StatusFields>& before,
                       double seconds) {
  // A new master (upgrade) or a restart: its totals are no base for rates.
  std::optional<StatusFields> base = before;
  if (base && base->master_pid != now.master_pid && now.messages < base->messages) base.reset();
  std::string out =
      fmt::format("ackd: master pid {}, up {}, generation {}, {} mode, {} workers\n",
                  now.master_pid, format_duration(Duration(now.uptime_ms / 1000 * 1000)),
                  now.generation, now.mode, now.workers);
  for (const AuxFields& a : now.aux) {
    out += fmt::format("{} process: pid {}, {}\n", a.role, a.pid, a.state);
  }
  return out + "\n" + counter_rows(now, base, seconds) + process_rows(now);
}

void setup_top(CLI::App& app) {
  auto options = std::make_shared<TopOptions>();
  CLI::App* top = app.add_subcommand(
      "top", "Show the daemon's totals and their rates per second, refreshed until interrupted");
  top->add_option("--socket", options->control.socket, "The daemon's control socket")
      ->type_name("PATH")
      ->capture_default_str();
  top->add_option("--timeout", options->control.timeout, "Deadline for each reply")
      ->type_name("DURATION")
      ->capture_default_str();
  top->add_option("--interval", options->interval, "Time between two refreshes")
      ->type_name("DURATION")
      ->capture_default_str();
  top->add_option("--count", options->count, "Stop after this many refreshes (0: never)")
      ->type_name("N")
      ->capture_default_str();
  top->footer(control_exit_codes_help("--count refreshes were shown (^C ends it otherwise)"));
  top->callback([options] { run_top(*options); });
}

}  // namespace ackd::client
