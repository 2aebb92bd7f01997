#include "tests/support/haproxy.h"

#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/net.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

std::string global_sections(const TempDir& dir) {
  return "global\n"
         "  log stderr format raw local0 info\n"
         "  stats socket " +
         dir.file("admin.sock") +
         " mode 600 level admin\n"
         "  hard-stop-after 10s\n"
         "defaults\n"
         "  mode tcp\n"
         "  log global\n"
         "  option tcplog\n"
         "  timeout connect 2s\n"
         "  timeout client 30s\n"
         "  timeout server 30s\n";
}

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// A field of a "show stat" CSV line (fields from 0).
std::string csv_field(const std::string& line, size_t index) {
  std::stringstream in(line);
  std::string field;
  for (size_t i = 0; i <= index && std::getline(in, field, ','); ++i) {
  }
  return field;
}

}  // namespace

std::string Haproxy::program() {
  for (const char* path : {"/usr/sbin/haproxy", "/usr/local/sbin/haproxy"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

Haproxy::Haproxy(const std::string& sections, std::vector<uint16_t> ports)
    : dir_(std::make_unique<TempDir>()) {
  std::string config = dir_->file("haproxy.cfg");
  std::ofstream(config) << global_sections(*dir_) << sections;
  RunResult check = run({program(), "-c", "-q", "-f", config});
  if (check.exit_code != 0) {
    throw std::runtime_error("haproxy refused its configuration:\n" + check.out + check.err + "\n" +
                             read_file(config));
  }
  // -db: in the foreground, not a daemon; -W off: no master-worker.
  process_ = std::make_unique<Subprocess>(std::vector<std::string>{program(), "-db", "-f", config},
                                          std::vector<std::string>{}, dir_->file("stdout.log"),
                                          dir_->file("stderr.log"));
  for (uint16_t port : ports) {
    if (!wait_until([&] { return tcp_port_listening(port) || !process_->running(); }, 10s) ||
        !process_->running()) {
      std::string log = this->log();
      stop();
      throw std::runtime_error("haproxy does not listen on port " + std::to_string(port) + ":\n" +
                               log);
    }
  }
  // The admin socket may come a moment after the ports: a command sent
  // then found no socket file (a test failed at once, under ASan).
  auto admin_answers = [&] {
    try {
      return static_cast<bool>(connect_unix(dir_->file("admin.sock")));
    } catch (const std::exception&) {
      return false;
    }
  };
  if (!wait_until(admin_answers, 10s)) {
    std::string log = this->log();
    stop();
    throw std::runtime_error("haproxy's admin socket does not answer:\n" + log);
  }
}

Haproxy::~Haproxy() { stop(); }

std::string Haproxy::log() const { return read_file(dir_->file("stderr.log")); }

std::string Haproxy::command(const std::string& line) const {
  UniqueFd fd = connect_unix(dir_->file("admin.sock"));
  send_all(fd.get(), line + "\n");
  return read_until_eof(fd.get(), 5s);
}

std::string Haproxy::server_status(const std::string& backend, const std::string& server) const {
  std::stringstream stat(command("show stat"));
  std::string line;
  while (std::getline(stat, line)) {
    // pxname,svname,...: the status is field 17.
    if (csv_field(line, 0) == backend && csv_field(line, 1) == server) return csv_field(line, 17);
  }
  return "";
}

void Haproxy::stop(std::chrono::milliseconds timeout) {
  if (!process_ || !process_->running()) return;
  process_->send_signal(SIGTERM);
  if (!process_->wait_for(timeout)) {
    process_->send_signal(SIGKILL);
    process_->wait_for(5s);
  }
}

}  // namespace ackd::test
