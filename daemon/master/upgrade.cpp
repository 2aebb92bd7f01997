#include "daemon/master/upgrade.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <random>

#include "common/syscall.h"
#include "daemon/master/listen_fds.h"
#include "daemon/master/notify.h"
#include "daemon/spawn.h"

namespace ackd {
namespace {

// An abstract-namespace datagram socket only this upgrade knows the name of.
UniqueFd make_notify_socket(std::string& name) {
  UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket", "upgrade notify socket");
  std::random_device random;
  name = "ackd-upgrade-" + std::to_string(getpid()) + "-" + std::to_string(random());
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data(), name.size());
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
    throw_errno("bind", "upgrade notify socket");
  }
  return fd;
}

[[noreturn]] void exec_new_master(const std::string& binary, const std::vector<std::string>& argv,
                                  const std::vector<Listener>& listeners,
                                  const std::vector<NamedFd>& extra, const std::string& notify_name,
                                  pid_t old_master) {
  std::vector<int> fds;
  std::vector<std::string> names;
  for (const Listener& listener : listeners) {
    fds.push_back(listener.fd.get());
    names.push_back(listener.config.name);
  }
  for (const NamedFd& named : extra) {
    if (named.fd < 0) continue;
    fds.push_back(named.fd);
    names.emplace_back(named.name);
  }
  pass_sockets_to_exec(fds, names);
  const char* systemd_socket = std::getenv("NOTIFY_SOCKET");
  setenv(kOriginalNotifyVariable, systemd_socket != nullptr ? systemd_socket : "", 1);
  setenv("NOTIFY_SOCKET", ("@" + notify_name).c_str(), 1);
  setenv(kUpgradeFromVariable, std::to_string(old_master).c_str(), 1);
  if (std::getenv("WATCHDOG_USEC") != nullptr) {
    setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);  // the watchdog moves too
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  execv(binary.c_str(), args.data());
  _exit(127);
}

}  // namespace

std::unique_ptr<Upgrade> Upgrade::start(const std::string& binary,
                                        const std::vector<std::string>& argv,
                                        const std::vector<Listener>& listeners,
                                        const std::vector<NamedFd>& extra, SteadyTime deadline) {
  std::string notify_name;
  UniqueFd notify_fd = make_notify_socket(notify_name);
  pid_t old_master = getpid();
  // No parent-death signal: the new master must outlive us.
  pid_t pid = spawn_child(
      [&]() -> int { exec_new_master(binary, argv, listeners, extra, notify_name, old_master); },
      0);
  return std::unique_ptr<Upgrade>(new Upgrade(pid, std::move(notify_fd), deadline));
}

bool Upgrade::ready() {
  if (killed()) return false;
  char buffer[4096];
  bool ready = false;
  ssize_t n;
  while ((n = recv(notify_.get(), buffer, sizeof(buffer), 0)) > 0) {
    std::string_view message(buffer, static_cast<size_t>(n));
    if (message.find("READY=1") != std::string_view::npos) ready = true;
  }
  return ready;
}

void Upgrade::kill(std::string why) {
  ::kill(pid_, SIGKILL);
  killed_for_ = std::move(why);
}

pid_t finish_upgrade_handshake() {
  const char* from = std::getenv(kUpgradeFromVariable);
  if (from == nullptr) return 0;
  pid_t old_master = static_cast<pid_t>(std::atol(from));
  notify("READY=1");  // to the old master's private socket
  const char* original = std::getenv(kOriginalNotifyVariable);
  if (original != nullptr && original[0] != '\0') {
    setenv("NOTIFY_SOCKET", original, 1);
  } else {
    unsetenv("NOTIFY_SOCKET");
  }
  unsetenv(kOriginalNotifyVariable);
  unsetenv(kUpgradeFromVariable);
  return old_master;
}

std::string current_binary_path() {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string();
}

}  // namespace ackd
