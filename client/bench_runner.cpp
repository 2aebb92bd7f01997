#include "client/bench_runner.h"

#include <signal.h>  // NOLINT(modernize-deprecated-headers): sigaction is POSIX
#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <latch>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "client/client_error.h"
#include "client/connect.h"
#include "client/exit_codes.h"
#include "common/endpoint.h"

namespace ackd::client {
namespace {

constexpr auto kProgressInterval = std::chrono::seconds(1);
constexpr auto kWatchInterval = std::chrono::milliseconds(20);

std::atomic<bool> interrupted{false};

void on_interrupt(int /*signo*/) { interrupted.store(true, std::memory_order_relaxed); }

// Ctrl-C ends the run early, with its report; a second one kills as usual.
class InterruptHandler {
 public:
  InterruptHandler() {
    interrupted.store(false);
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, nullptr, &previous_);
    if (previous_.sa_handler != SIG_IGN) sigaction(SIGINT, &action, nullptr);  // as nohup left it
  }
  ~InterruptHandler() { sigaction(SIGINT, &previous_, nullptr); }

 private:
  struct sigaction previous_ {};
};

SocketAddress target_address(const BenchPlan& plan) {
  if (plan.unix_socket) {
    try {
      return SocketAddress::unix_path(plan.path);
    } catch (const std::invalid_argument& e) {
      throw ClientError(kExitUsage, e.what());
    }
  }
  try {
    return bench_address(plan,
                         resolve(plan.endpoint, plan.datagram() ? SOCK_DGRAM : SOCK_STREAM, false));
  } catch (const ResolveError& e) {
    if (!e.unknown_host()) throw ClientError(kExitFailure, e.what());
    throw ClientError(kExitUnknownHost, "unknown host \"" + plan.endpoint.host + "\"");
  }
}

// Every client holds one socket: raise the soft limit as far as needed.
void raise_fd_limit(const BenchPlan& plan) {
  rlim_t need = static_cast<rlim_t>(plan.concurrency) + plan.idle + plan.threads + 64;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= need) return;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < need) {
    throw ClientError(kExitUsage, "--concurrency and --idle need " + std::to_string(need) +
                                      " open files, more than the limit of " +
                                      std::to_string(limit.rlim_max) + " (see ulimit -n)");
  }
  limit.rlim_cur = need;
  setrlimit(RLIMIT_NOFILE, &limit);
}

// The reply each message must get: the ack line, or (--expect echo) the
// message itself, without the LF a stream message ends with.
std::string_view expected_reply(const BenchPlan& plan, std::string_view message) {
  if (plan.expect == BenchExpect::kAck) return plan.ack;
  if (!plan.datagram()) message.remove_suffix(1);
  return message;
}

// The clients, the idle connections and --messages, shared out evenly.
std::vector<WorkerSetup> worker_setups(const BenchPlan& plan, const SocketAddress& address,
                                       std::string_view message, std::string_view preamble,
                                       const TlsClient* tls) {
  std::vector<WorkerSetup> setups(plan.threads);
  uint64_t clients_before = 0;
  for (unsigned t = 0; t < plan.threads; ++t) {
    WorkerSetup& setup = setups[t];
    setup.pattern = plan.pattern;
    setup.address = address;
    setup.socket_type = plan.datagram() ? SOCK_DGRAM : SOCK_STREAM;
    setup.clients = plan.concurrency / plan.threads + (t < plan.concurrency % plan.threads);
    setup.idle = plan.idle / plan.threads + (t < plan.idle % plan.threads);
    if (plan.messages > 0) {  // this thread's share, in proportion to its clients
      auto share = [&](uint64_t clients) {
        return static_cast<uint64_t>(static_cast<unsigned __int128>(plan.messages) * clients /
                                     plan.concurrency);
      };
      setup.budget = share(clients_before + setup.clients) - share(clients_before);
    }
    clients_before += setup.clients;
    setup.timeout = plan.timeout;
    setup.message = message;
    setup.reply = expected_reply(plan, message);
    setup.preamble = preamble;
    setup.tls = tls;
    setup.stop = &interrupted;
  }
  return setups;
}

class ProgressLine {
 public:
  explicit ProgressLine(std::ostream* out) : out_(out) {}
  ~ProgressLine() {
    if (out_ != nullptr && shown_) *out_ << "\r\033[K" << std::flush;
  }

  void update(const std::vector<std::unique_ptr<BenchWorker>>& workers, SteadyTime start,
              SteadyTime now) {
    if (out_ == nullptr || now < next_) return;
    next_ = now + kProgressInterval;
    uint64_t acks = 0, errors = 0;
    for (const auto& worker : workers) {
      acks += worker->acks_so_far();
      errors += worker->errors_so_far();
    }
    double elapsed = std::chrono::duration<double>(now - start).count();
    double interval = std::chrono::duration<double>(now - last_).count();
    char line[160];
    std::snprintf(line, sizeof(line),
                  "\r\033[K%6.1fs  %12llu replies  %10.0f replies/s  %llu errors", elapsed,
                  static_cast<unsigned long long>(acks),
                  interval > 0 ? static_cast<double>(acks - last_acks_) / interval : 0.0,
                  static_cast<unsigned long long>(errors));
    *out_ << line << std::flush;
    shown_ = true;
    last_ = now;
    last_acks_ = acks;
  }
  void start(SteadyTime start) {
    last_ = start;
    next_ = start + kProgressInterval;
  }

 private:
  std::ostream* out_;
  bool shown_ = false;
  SteadyTime next_{};
  SteadyTime last_{};
  uint64_t last_acks_ = 0;
};

}  // namespace

SocketAddress bench_address(const BenchPlan& plan, const std::vector<SocketAddress>& resolved) {
  if (!plan.datagram() && resolved.size() > 1) {
    try {
      return connect_stream(resolved, Deadline(plan.timeout)).peer;
    } catch (const ClientError&) {
      // None accepts: the run counts the first one's refusals or timeouts.
    }
  }
  return resolved.front();
}

std::string bench_message(const BenchPlan& plan) {
  static constexpr std::string_view kText = "ackctl bench message ";
  std::string message(plan.size, ' ');
  for (size_t i = 0; i < message.size(); ++i) message[i] = kText[i % kText.size()];
  if (!plan.datagram()) message.back() = '\n';
  return message;
}

BenchResult run_bench_plan(const BenchPlan& plan, std::ostream* progress) {
  SocketAddress address = target_address(plan);
  raise_fd_limit(plan);
  std::string message = bench_message(plan);
  std::string preamble = plan.proxy.header_for(address);
  InterruptHandler interrupt_handler;
  std::vector<std::unique_ptr<BenchWorker>> workers;
  std::optional<TlsClient> tls;  // one context, shared by the threads
  if (plan.tls.enabled) tls.emplace(plan.tls, plan.unix_socket ? "" : plan.endpoint.host);
  for (const WorkerSetup& setup :
       worker_setups(plan, address, message, preamble, tls ? &*tls : nullptr)) {
    workers.push_back(std::make_unique<BenchWorker>(setup));
  }
  std::latch prepared(static_cast<std::ptrdiff_t>(workers.size()));
  std::latch go(1);
  SteadyTime end = SteadyTime::max();
  std::atomic<size_t> finished{0};
  std::vector<std::thread> threads;
  threads.reserve(workers.size());
  for (auto& worker : workers) {
    threads.emplace_back([&, w = worker.get()] {
      w->prepare();
      prepared.count_down();
      go.wait();
      w->run(end);
      finished.fetch_add(1, std::memory_order_release);
    });
  }
  if (progress != nullptr && plan.idle > 0)
    *progress << "opening " << plan.idle << " idle connections\n";
  prepared.wait();
  SteadyTime start = SteadyClock::now();
  if (plan.duration) end = start + *plan.duration;
  go.count_down();  // publishes `end` to the workers
  {
    ProgressLine line(progress);
    line.start(start);
    while (finished.load(std::memory_order_acquire) < workers.size()) {
      std::this_thread::sleep_for(kWatchInterval);
      line.update(workers, start, SteadyClock::now());
    }
  }
  for (std::thread& thread : threads) thread.join();
  BenchResult result;
  SteadyTime last = start;
  for (const auto& worker : workers) {
    result.counts.add(worker->counts());
    result.latency.merge(worker->latency());
    last = std::max(last, worker->finished_at());
  }
  result.seconds = std::chrono::duration<double>(last - start).count();
  return result;
}

}  // namespace ackd::client
