#include "daemon/replicate/replication_status.h"

#include <fmt/format.h>

#include "common/json.h"

namespace ackd {

const char* to_string(LinkState state) {
  switch (state) {
    case LinkState::kOff:
      return "off";
    case LinkState::kConnecting:
      return "connecting";
    case LinkState::kConnected:
      return "connected";
    case LinkState::kDisconnected:
      return "disconnected";
  }
  return "?";
}

namespace {

constexpr LinkState kShownStates[] = {LinkState::kConnecting, LinkState::kConnected,
                                      LinkState::kDisconnected};

uint64_t processes_in(const ReplicationTotals& now, LinkState state) {
  return now.links[static_cast<size_t>(state)];
}

}  // namespace

ReplicationSummary replication_summary(const Scoreboard& scoreboard, const ServeCounts& counts) {
  return {counts.replicated, counts.replication_failed, replication_totals(scoreboard)};
}

std::string render_replication_summary_text(const ReplicationSummary& s) {
  std::string links;
  for (LinkState state : kShownStates) {
    if (processes_in(s.now, state) == 0) continue;
    links += fmt::format("{}{} {}", links.empty() ? "" : ", ", processes_in(s.now, state),
                         to_string(state));
  }
  return fmt::format(
      "replication: {} stored, {} failed, {} in flight, forward lag {}; connections: {}\n",
      s.stored, s.failed, s.now.in_flight, s.now.forward_lag, links.empty() ? "none" : links);
}

std::string render_replication_summary_json(const ReplicationSummary& s) {
  std::string links;
  for (LinkState state : kShownStates) {
    links += fmt::format("{}{}:{}", links.empty() ? "" : ",", json_string(to_string(state)),
                         processes_in(s.now, state));
  }
  return fmt::format(
      ",\"replication_totals\":{{\"stored\":{},\"failed\":{},\"in_flight\":{},\"forward_lag\":{},"
      "\"connections\":{{{}}}}}",
      s.stored, s.failed, s.now.in_flight, s.now.forward_lag, links);
}

ReplicationRow read_replication_board(pid_t pid, const ReplicationBoard& board) {
  ReplicationRow row;
  row.pid = pid;
  auto relaxed = std::memory_order_relaxed;
  row.state = to_string(board.state.load(relaxed));
  if (!row.on()) return row;
  row.server = board.server.load();
  row.in_flight = board.in_flight.load(relaxed);
  row.stored = board.stored.load(relaxed);
  row.failed = board.failed.load(relaxed);
  row.lag = board.forwarded_lag.load(relaxed);
  row.last_error = board.last_error.load();
  return row;
}

std::string render_replication_text(const std::vector<ReplicationRow>& rows) {
  std::string out;
  for (const ReplicationRow& row : rows) {
    if (!row.on()) continue;
    if (out.empty()) {
      out = fmt::format("{:>8} {:<12} {:>9} {:>10} {:>8} {:>8}  {}\n", "PID", "REPLICATION",
                        "IN-FLIGHT", "STORED", "FAILED", "LAG", "SERVER / LAST ERROR");
    }
    std::string where = row.server.empty() ? "-" : row.server;
    if (!row.last_error.empty()) where += " / " + row.last_error;
    out += fmt::format("{:>8} {:<12} {:>9} {:>10} {:>8} {:>8}  {}\n", row.pid, row.state,
                       row.in_flight, row.stored, row.failed, row.lag, where);
  }
  return out;
}

std::string render_replication_json(const std::vector<ReplicationRow>& rows) {
  if (rows.empty()) return "";
  std::string out = ",\"replication\":[";
  for (size_t i = 0; i < rows.size(); ++i) {
    const ReplicationRow& row = rows[i];
    out += fmt::format(
        "{}{{\"pid\":{},\"state\":{},\"server\":{},\"in_flight\":{},\"stored\":{},"
        "\"failed\":{},\"lag\":{},\"last_error\":{}}}",
        i ? "," : "", row.pid, json_string(row.state), json_string(row.server), row.in_flight,
        row.stored, row.failed, row.lag, json_string(row.last_error));
  }
  return out + "]";
}

}  // namespace ackd
