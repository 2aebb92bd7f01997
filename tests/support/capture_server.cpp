#include "tests/support/capture_server.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>

#include "common/syscall.h"

namespace ackd::test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kConnectionTime = std::chrono::seconds(5);  // per connection, at most
constexpr size_t kMaxBytes = 1 << 20;

bool readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) > 0;
}

bool ends_with(const std::string& text, const std::string& end) {
  return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

}  // namespace

CaptureServer::CaptureServer(std::string end, size_t per_connection, std::string ack)
    : end_(std::move(end)), per_connection_(per_connection), ack_(std::move(ack)) {
  listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener_) throw_errno("socket", "capture server");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listener_.get(), 64) != 0 ||
      ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw_errno("bind/listen", "capture server");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { run(); });
}

CaptureServer::~CaptureServer() {
  stop_ = true;
  thread_.join();
}

std::vector<std::string> CaptureServer::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

void CaptureServer::run() {
  auto end = Clock::now() + std::chrono::seconds(60);  // bounded whatever happens
  while (!stop_ && Clock::now() < end) {
    if (!readable(listener_.get(), 20)) continue;
    UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (fd) serve(fd.get());
  }
}

// Reads messages and acks them; then closes first (a FIN after the last
// ack), draining what the client still sends so that the close is no reset.
void CaptureServer::serve(int fd) {
  std::string bytes;
  size_t answered = 0;
  auto deadline = Clock::now() + kConnectionTime;
  char buffer[16384];
  while (answered < per_connection_ && Clock::now() < deadline && bytes.size() < kMaxBytes) {
    if (!readable(fd, 20)) continue;
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
    if (ends_with(bytes, end_)) {
      ++answered;
      ::send(fd, ack_.data(), ack_.size(), MSG_NOSIGNAL);
    }
  }
  {
    std::lock_guard lock(mutex_);
    received_.push_back(bytes);
  }
  ::shutdown(fd, SHUT_WR);
  while (Clock::now() < deadline && readable(fd, 100) &&
         ::recv(fd, buffer, sizeof(buffer), 0) > 0) {
  }
}

}  // namespace ackd::test
