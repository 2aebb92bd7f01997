#include "tests/support/exchange.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <charconv>

#include "common/syscall.h"
#include "common/unique_fd.h"
#include "tests/support/net.h"

namespace ackd::test {
namespace {

std::string finish_exchange(const UniqueFd& fd, std::string_view message,
                            std::chrono::milliseconds timeout) {
  send_all(fd.get(), message);
  ::shutdown(fd.get(), SHUT_WR);
  return read_until_eof(fd.get(), timeout);
}

// The string value after "key": (no escapes expected in what tests read).
std::string json_string(std::string_view json, std::string_view key) {
  std::string needle = "\"" + std::string(key) + "\":\"";
  size_t at = json.find(needle);
  if (at == std::string_view::npos) return "";
  size_t begin = at + needle.size();
  return std::string(json.substr(begin, json.find('"', begin) - begin));
}

// The objects of the array "key":[{...},{...}] (flat objects only).
std::vector<std::string_view> json_objects(std::string_view json, std::string_view key) {
  std::vector<std::string_view> objects;
  size_t at = json.find("\"" + std::string(key) + "\":[");
  if (at == std::string_view::npos) return objects;
  size_t end = json.find(']', at);
  for (size_t open = json.find('{', at); open < end; open = json.find('{', open + 1)) {
    size_t close = json.find('}', open);
    if (close == std::string_view::npos) break;
    objects.push_back(json.substr(open, close - open + 1));
  }
  return objects;
}

}  // namespace

std::string tcp_exchange(uint16_t port, std::string_view message,
                         std::chrono::milliseconds timeout) {
  return finish_exchange(connect_tcp(port), message, timeout);
}

std::string unix_exchange(const std::string& path, std::string_view message,
                          std::chrono::milliseconds timeout) {
  return finish_exchange(connect_unix(path), message, timeout);
}

std::string udp_exchange(uint16_t port, std::string_view message,
                         std::chrono::milliseconds timeout) {
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket", "udp");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    throw_errno("connect", "udp " + std::to_string(port));
  }
  send_all(fd.get(), message);
  pollfd p{fd.get(), POLLIN, 0};
  if (retry_eintr([&] { return ::poll(&p, 1, static_cast<int>(timeout.count())); }) <= 0) {
    return "";
  }
  char buffer[2048];
  ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
}

RunResult ackctl(std::vector<std::string> args) {
  args.insert(args.begin(), ACKCTL_BINARY);
  return run(args, "", std::chrono::seconds(10));
}

std::optional<uint64_t> json_number(std::string_view json, std::string_view key, size_t from) {
  std::string needle = "\"" + std::string(key) + "\":";
  size_t at = json.find(needle, from);
  if (at == std::string_view::npos) return std::nullopt;
  const char* begin = json.data() + at + needle.size();
  uint64_t value = 0;
  auto [end, error] = std::from_chars(begin, json.data() + json.size(), value);
  if (error != std::errc() || end == begin) return std::nullopt;
  return value;
}

uint64_t DaemonStatus::open_connections() const {
  uint64_t open = 0;
  for (const WorkerStatus& worker : workers) open += worker.open_connections;
  return open;
}

pid_t DaemonStatus::aux_pid(const std::string& role) const {
  for (const AuxStatus& process : aux) {
    if (process.role == role) return process.pid;
  }
  return 0;
}

std::optional<DaemonStatus> daemon_status(const std::string& socket) {
  RunResult result = ackctl({"status", "--json", "--socket", socket});
  if (result.exit_code != 0) return std::nullopt;
  DaemonStatus status;
  status.json = result.out;
  status.master_pid = static_cast<pid_t>(json_number(result.out, "master_pid").value_or(0));
  status.generation = json_number(result.out, "generation").value_or(0);
  for (std::string_view object : json_objects(result.out, "workers")) {
    WorkerStatus worker;
    worker.pid = static_cast<pid_t>(json_number(object, "pid").value_or(0));
    worker.generation = json_number(object, "generation").value_or(0);
    worker.state = json_string(object, "state");
    worker.open_connections = json_number(object, "open_connections").value_or(0);
    worker.replies = json_number(object, "replies").value_or(0);
    status.workers.push_back(worker);
  }
  for (std::string_view object : json_objects(result.out, "aux")) {
    AuxStatus aux;
    aux.role = json_string(object, "role");
    aux.pid = static_cast<pid_t>(json_number(object, "pid").value_or(0));
    aux.state = json_string(object, "state");
    status.aux.push_back(aux);
  }
  size_t totals = result.out.find("\"totals\":");
  if (totals != std::string::npos)
    status.total_replies = json_number(result.out, "replies", totals).value_or(0);
  return status;
}

}  // namespace ackd::test
