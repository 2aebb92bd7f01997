// Fuzzes the config loader (daemon/config/config.h parse_config, with the TOML
// parser under it): any text either parses or throws ConfigError, whose
// every problem line names the file. Any other exception is a finding, and
// so is a config that parses but breaks what the daemon relies on.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>

#include "daemon/config/config.h"
#include "daemon/service/service.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_config: invariant violated: %s\n", what);
    __builtin_trap();
  }
}

// What the rest of the daemon assumes of a config that parsed.
void check_valid(const ackd::Config& config) {
  check(!config.listeners.empty(), "no listener");
  for (const ackd::ListenerConfig& listener : config.listeners) {
    check(!listener.name.empty(), "listener without a name");
    check(listener.max_message >= 1 && listener.max_message <= 16 * 1024 * 1024,
          "max_message out of range");
    // The service is made from what its keys parsed into, and its reply to
    // a message (no LF on a stream) is one line.
    std::unique_ptr<ackd::Service> service = ackd::make_service(listener);
    check(service != nullptr, "a listener whose service cannot be made");
    std::string reply;
    service->respond("message", reply);
    check(reply.find_first_of("\r\n") == std::string::npos, "a reply with a line break");
    if (ackd::is_unix(listener.protocol)) {
      check(!listener.path.empty(), "unix listener without a path");
    } else {
      check(!listener.address.host.empty() && listener.address.port != 0, "bad inet address");
    }
    check(config.find_listener(listener.name) == &listener, "duplicate listener name");
  }
  check(config.daemon.idle_timeout.count() > 0 && config.daemon.message_timeout.count() > 0 &&
            config.daemon.worker_timeout.count() > 0,
        "a timeout of zero");
  check(config.daemon.max_connections >= 1, "max_connections of zero");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    check_valid(ackd::parse_config(text, "fuzz.conf"));
  } catch (const ackd::ConfigError& e) {
    check(!e.problems().empty(), "ConfigError without a problem");
    for (const std::string& problem : e.problems()) {
      check(problem.rfind("fuzz.conf:", 0) == 0, "problem line does not start with the file");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_config: unexpected %s: %s\n", typeid(e).name(), e.what());
    __builtin_trap();
  }
  return 0;
}
