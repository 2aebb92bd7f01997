#include "tests/support/exchange_load.h"

#include <algorithm>
#include <chrono>

#include "tests/support/exchange.h"

namespace ackd::test {

ExchangeLoad::ExchangeLoad(uint16_t port, std::vector<std::string> acks)
    : port_(port), acks_(std::move(acks)), thread_([this] { run(); }) {}

void ExchangeLoad::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::string ExchangeLoad::failures() const {
  std::lock_guard lock(mutex_);
  std::string text;
  for (const std::string& failure : failures_) text += failure + "\n";
  return text;
}

void ExchangeLoad::run() {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int i = 0; !stop_ && std::chrono::steady_clock::now() < end; ++i) {
    try {
      std::string reply = tcp_exchange(port_, "n" + std::to_string(i) + "\n");
      if (std::find(acks_.begin(), acks_.end(), reply) == acks_.end()) {
        fail("exchange " + std::to_string(i) + ": reply \"" + reply + "\"");
      } else {
        ++done_;
      }
    } catch (const std::exception& e) {
      fail("exchange " + std::to_string(i) + ": " + e.what());
    }
  }
}

void ExchangeLoad::fail(const std::string& why) {
  ++failed_;
  std::lock_guard lock(mutex_);
  if (failures_.size() < 10) failures_.push_back(why);
}

}  // namespace ackd::test
