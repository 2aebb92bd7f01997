// ControlServer: the master's control socket (unix stream, 0600, or 0660
// for the daemon's group). One request line per connection ("status",
// "status json", "reload", "stop"), one reply, then close. Requests are
// tiny and bounded by short timeouts, so the master never waits long.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/listener.h"

namespace ackd {

class ControlServer {
 public:
  using Handler = std::function<std::string(std::string_view request)>;

  // nullptr (and a warning) if the socket cannot be created: status is an
  // aid, not a reason to refuse to serve.
  static std::unique_ptr<ControlServer> open(const std::string& path, const std::string& group);
  ~ControlServer();

  int fd() const { return listener_.fd.get(); }
  void serve_one(const Handler& handler);

 private:
  explicit ControlServer(Listener listener) : listener_(std::move(listener)) {}
  Listener listener_;
};

}  // namespace ackd
