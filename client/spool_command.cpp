#include "client/spool_command.h"

#include <ctime>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "client/client_error.h"
#include "client/exit_codes.h"
#include "client/flush_stdout.h"
#include "common/escape.h"
#include "common/json.h"
#include "common/spool_reader.h"

namespace ackd::client {
namespace {

struct SpoolOptions {
  std::string directory;
  bool json = false;
};

std::string utc_time(uint64_t time_ns) {
  std::time_t seconds = static_cast<std::time_t>(time_ns / 1000000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:06}Z", text, (time_ns / 1000) % 1000000);
}

std::vector<std::string> segments_of(const std::string& directory) {
  try {
    return list_segments(directory);
  } catch (const std::system_error& e) {
    throw ClientError(kExitFailure, e.what());
  }
}

// Reports a segment that fails verification on stderr; true if it does.
bool report_bad_segment(const std::string& path, const SegmentScan& scan) {
  if (scan.damaged()) {
    std::cerr << fmt::format(
        "ackctl: {}: {} damaged bytes in {} place(s), the first at offset {}: skipped\n", path,
        scan.damaged_bytes, scan.damaged_ranges, scan.first_damage);
  }
  if (scan.torn_tail()) {
    std::cerr << fmt::format("ackctl: {}: torn record after {} records ({} bytes at offset {})\n",
                             path, scan.records, scan.tail_bytes, scan.end_of_records);
  }
  return !scan.clean();
}

[[noreturn]] void throw_bad_segments(uint64_t bad_segments) {
  throw ClientError(kExitProtocol, std::to_string(bad_segments) + " segment(s) fail verification");
}

// Every whole record is shown, damage or not; damage is reported as stats
// does, so that a script never takes a damaged spool for a sound one.
void run_cat(const SpoolOptions& options) {
  uint64_t bad_segments = 0;
  for (const std::string& path : segments_of(options.directory)) {
    SegmentScan scan = scan_segment(path, [&](const SpoolRecord& r) {
      std::cout << (options.json ? SpoolRecordText::json(r.time_ns, r.listener, r.peer, r.message)
                                 : SpoolRecordText::text(r.time_ns, r.listener, r.peer, r.message))
                << '\n';
    });
    flush_stdout();  // the good records come before the report on a terminal
    if (report_bad_segment(path, scan)) ++bad_segments;
  }
  if (bad_segments > 0) throw_bad_segments(bad_segments);
}

void run_stats(const SpoolOptions& options) {
  uint64_t records = 0, bytes = 0, invalid_bytes = 0, bad_segments = 0;
  std::vector<std::string> segments = segments_of(options.directory);
  for (const std::string& path : segments) {
    SegmentScan scan = scan_segment(path);
    records += scan.records;
    bytes += scan.file_bytes;
    invalid_bytes += scan.damaged_bytes + scan.tail_bytes;
    if (report_bad_segment(path, scan)) ++bad_segments;
  }
  if (options.json) {
    std::cout << fmt::format(
        "{{\"segments\":{},\"records\":{},\"bytes\":{},\"invalid_bytes\":{},\"bad_segments\":{}}}"
        "\n",
        segments.size(), records, bytes, invalid_bytes, bad_segments);
  } else {
    std::cout << fmt::format("segments {}\nrecords {}\nbytes {}\ninvalid bytes {}\n",
                             segments.size(), records, bytes, invalid_bytes);
  }
  flush_stdout();
  if (bad_segments > 0) throw_bad_segments(bad_segments);
}

}  // namespace

std::string SpoolRecordText::text(uint64_t time_ns, std::string_view listener,
                                  std::string_view peer, std::string_view message) {
  // As in ackd's log: a peer that could fake the fields after it is quoted.
  std::string shown_peer = escape_for_log(peer);
  const char* quote = needs_quotes_in_log(shown_peer) ? "\"" : "";
  return fmt::format("{} {} {}{}{} {} \"{}\"", utc_time(time_ns), escape_for_log(listener), quote,
                     shown_peer, quote, message.size(), escape_for_log(message));
}

std::string SpoolRecordText::json(uint64_t time_ns, std::string_view listener,
                                  std::string_view peer, std::string_view message) {
  return fmt::format(
      "{{\"time\":\"{}\",\"time_ns\":{},\"listener\":{},\"peer\":{},\"size\":{},"
      "\"message\":{}}}",
      utc_time(time_ns), time_ns, json_string(listener), json_string(peer), message.size(),
      json_string(message));
}

void setup_spool(CLI::App& app) {
  auto options = std::make_shared<SpoolOptions>();
  CLI::App* spool = app.add_subcommand("spool", "Read a spool directory (offline)");
  spool->require_subcommand(1);
  CLI::App* cat = spool->add_subcommand("cat", "Print every record, oldest first");
  CLI::App* stats = spool->add_subcommand("stats", "Count records and verify every checksum");
  for (CLI::App* command : {cat, stats}) {
    command->add_option("DIR", options->directory, "The spool directory ([spool] path)")
        ->required();
    command->add_flag("--json", options->json, "JSON: one object per record (cat) or in all");
    command->footer(kSpoolExitCodesHelp);
  }
  cat->callback([options] { run_cat(*options); });
  stats->callback([options] { run_stats(*options); });
}

}  // namespace ackd::client
