#include "tests/support/keepalive_load.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "tests/support/net.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

// The server closed its end (a FIN is waiting to be read, with no data).
bool server_closed(int fd) {
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  if (poll(&p, 1, 0) <= 0) return false;
  char byte;
  return recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
}

}  // namespace

KeepAliveClients::KeepAliveClients(std::function<UniqueFd()> connect, KeepAliveOptions options)
    : connect_(std::move(connect)), options_(std::move(options)), last_acked_(options_.clients) {
  for (unsigned id = 0; id < options_.clients; ++id) threads_.emplace_back([this, id] { run(id); });
}

void KeepAliveClients::stop() {
  stop_ = true;
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

bool KeepAliveClients::wait_for_progress(uint64_t n, std::chrono::milliseconds timeout) {
  uint64_t target = acks_ + errs_ + n;
  return wait_until([&] { return acks_ + errs_ >= target; }, timeout);
}

std::set<std::string> KeepAliveClients::acked() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return acked_;
}

std::vector<std::string> KeepAliveClients::last_acked() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_acked_;
}

std::string KeepAliveClients::first_failures() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string text;
  for (const std::string& line : failure_lines_) text += line + "\n";
  return text;
}

std::string KeepAliveClients::first_errs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string text;
  for (const std::string& line : err_replies_) text += line + "\n";
  return text;
}

void KeepAliveClients::fail(const std::string& why) {
  ++failures_;
  std::lock_guard<std::mutex> lock(mutex_);
  if (failure_lines_.size() < 10) failure_lines_.push_back(why);
}

void KeepAliveClients::run(unsigned id) {
  auto end = std::chrono::steady_clock::now() + options_.bound;
  uint64_t seq = 0;
  UniqueFd fd;
  while (!stop_ && std::chrono::steady_clock::now() < end) {
    if (fd && server_closed(fd.get())) fd.reset();  // closed with the last ack: reconnect
    if (!fd) {
      try {
        fd = connect_();
      } catch (const std::exception&) {
        std::this_thread::sleep_for(options_.retry);  // refused while restarting
        continue;
      }
    }
    std::string message = "c" + std::to_string(id) + "-" + std::to_string(seq) + options_.payload;
    Outcome outcome = exchange(fd.get(), message, id);
    if (outcome != Outcome::kNotDelivered) ++seq;  // else: the same message again
    if (outcome != Outcome::kAnswered) fd.reset();
  }
}

// One message, one reply.
KeepAliveClients::Outcome KeepAliveClients::exchange(int fd, const std::string& message,
                                                     unsigned id) {
  std::string line = message + "\n";
  ssize_t sent = send(fd, line.data(), line.size(), MSG_NOSIGNAL);
  if (sent < 0 && errno == EPIPE) return Outcome::kNotDelivered;
  std::string reply;
  try {
    if (sent < 0) throw std::system_error(errno, std::generic_category(), "send");
    send_all(fd, std::string_view(line).substr(static_cast<size_t>(sent)));
    reply = read_line(fd, options_.reply_timeout);
  } catch (const std::exception& e) {
    fail(message + ": " + e.what());
    return Outcome::kBroken;
  }
  if (reply == options_.ack) {
    ++acks_;
    std::lock_guard<std::mutex> lock(mutex_);
    acked_.insert(message);
    last_acked_[id] = message;
    return Outcome::kAnswered;
  }
  if (reply.rfind("ERR", 0) == 0) {
    ++errs_;
    std::lock_guard<std::mutex> lock(mutex_);
    if (err_replies_.size() < 4) err_replies_.push_back(message + ": " + reply);
    return Outcome::kAnswered;
  }
  fail(message + ": " + (reply.empty() ? "no reply" : "reply \"" + reply + "\""));
  return Outcome::kBroken;
}

}  // namespace ackd::test
