#include "tests/support/ports.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "common/syscall.h"
#include "common/unique_fd.h"

namespace ackd::test {
namespace {

// Ports are picked from this one up to the kernel's ephemeral range.
constexpr uint16_t kLowest = 15000;
constexpr const char* kReservations = "/tmp/ackd-test-ports";

sockaddr_in loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  return address;
}

// Binds a fresh socket of `type` to 127.0.0.1:port; returns it, or an invalid
// fd if the port is taken.
UniqueFd bind_loopback(int type, uint16_t port) {
  UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket", "");
  sockaddr_in address = loopback(port);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    if (errno == EADDRINUSE) return UniqueFd();
    throw_errno("bind", "127.0.0.1:" + std::to_string(port));
  }
  return fd;
}

bool free_for_tcp_and_udp(uint16_t port) {
  return bind_loopback(SOCK_STREAM, port) && bind_loopback(SOCK_DGRAM, port);
}

// The first port the kernel may hand out on its own (ip_local_port_range).
uint16_t ephemeral_low() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned low = 32768;
  range >> low;
  return static_cast<uint16_t>(low);
}

// The port, reserved for the rest of this process's life by an flock on
// a file of its own in a directory all test processes share: no other
// test (in this process or another) picks it meanwhile. True if reserved,
// or if reservations cannot be made here (then the bind probe alone
// decides).
bool reserve(uint16_t port, std::vector<UniqueFd>& held) {
  if (mkdir(kReservations, 01777) == 0) chmod(kReservations, 01777);  // whatever the umask
  std::string path = std::string(kReservations) + "/" + std::to_string(port);
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) return true;
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) return false;
  held.push_back(std::move(fd));
  return true;
}

// Below the ephemeral range, at random, reserved and free.
uint16_t reserved_port(uint16_t highest) {
  static std::mutex mutex;
  static std::vector<UniqueFd> held;
  static std::mt19937 random{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mutex);
  std::uniform_int_distribution<uint16_t> pick(kLowest, highest);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    uint16_t port = pick(random);
    size_t before = held.size();
    if (!reserve(port, held)) continue;
    if (free_for_tcp_and_udp(port)) return port;
    if (held.size() > before) held.pop_back();  // in use by someone else: not ours to hold
  }
  throw_errno("free_port", "127.0.0.1", EADDRINUSE);
}

// Where the ephemeral range leaves no room below it: one the kernel picks.
uint16_t kernel_port() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    UniqueFd tcp = bind_loopback(SOCK_STREAM, 0);
    sockaddr_in address{};
    socklen_t length = sizeof(address);
    if (::getsockname(tcp.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw_errno("getsockname", "");
    }
    uint16_t port = ntohs(address.sin_port);
    if (bind_loopback(SOCK_DGRAM, port)) return port;  // free for UDP too
  }
  throw_errno("free_port", "127.0.0.1", EADDRINUSE);
}

}  // namespace

uint16_t free_port() {
  uint16_t low = ephemeral_low();
  if (low <= kLowest + 1000) return kernel_port();
  return reserved_port(static_cast<uint16_t>(low - 1));
}

}  // namespace ackd::test
