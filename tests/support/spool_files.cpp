#include "tests/support/spool_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <sstream>

#include "common/spool_reader.h"
#include "tests/support/process.h"

namespace ackd::test {

std::string spool_config(uint16_t port, const std::string& spool, const std::string& ack_after,
                         const std::string& extra, const std::string& mode) {
  chmod(spool.substr(0, spool.rfind('/')).c_str(), 0755);
  std::string process = mode == "fork" ? "mode = \"fork\"\n" : "workers = 2\n";
  return "[daemon]\n" + process +
         "log_messages = false\nshutdown_timeout = \"2s\"\n"
         "[spool]\npath = \"" +
         spool + "\"\nack_after = \"" + ack_after + "\"\n" + extra +
         "[[listener]]\nname = \"tcp\"\nprotocol = \"tcp\"\naddress = \"127.0.0.1:" +
         std::to_string(port) + "\"\n";
}

std::multiset<std::string> spooled_messages(const std::string& spool) {
  RunResult r = run({ACKCTL_BINARY, "spool", "cat", "--json", spool}, "", std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::multiset<std::string> messages;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    size_t at = line.find("\"message\":\"");
    if (at == std::string::npos) continue;
    at += 11;
    messages.insert(line.substr(at, line.rfind('"') - at));
  }
  return messages;
}

uint64_t spool_bytes(const std::string& spool) {
  uint64_t bytes = 0;
  for (const std::string& path : list_segments(spool)) {
    struct stat st {};
    if (stat(path.c_str(), &st) == 0) bytes += static_cast<uint64_t>(st.st_size);
  }
  return bytes;
}

}  // namespace ackd::test
