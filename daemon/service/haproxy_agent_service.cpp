#include "daemon/service/haproxy_agent_service.h"

namespace ackd {
namespace {

class HaproxyAgentService final : public Service {
 public:
  explicit HaproxyAgentService(const Scoreboard* scoreboard) : scoreboard_(scoreboard) {}

  void respond(std::string_view /*message*/, std::string& reply) override {
    reply.append(answer());
  }
  bool greet(std::string& reply) override {
    reply.append(answer());
    return true;
  }

 private:
  // Without a scoreboard (a test, the config checker) the daemon serves.
  std::string_view answer() const {
    return haproxy_agent_answer(scoreboard_ != nullptr ? scoreboard_->daemon_state()
                                                       : DaemonState::kServing);
  }

  const Scoreboard* scoreboard_;
};

// The agent has no keys of its own. HAProxy sends it nothing: a deferred
// accept would hold each check until it timed out; nor a PROXY header.
ServiceOptionsPtr read_options(ConfigReader& reader, const ServiceTable& listener) {
  const toml::node* defer = listener.table.get("defer_accept");
  if (defer != nullptr && defer->value<std::string>() != "0s") {
    reader.problem(defer->source(), listener.prefix + "defer_accept",
                   "the haproxy-agent service speaks first, its client sends nothing: only "
                   "\"0s\" (the default for it)");
  }
  const toml::node* proxy = listener.table.get("proxy_protocol");
  if (proxy != nullptr && proxy->value<std::string>() != "off") {
    reader.problem(proxy->source(), listener.prefix + "proxy_protocol",
                   "HAProxy's agent-check sends no PROXY header: only \"off\"");
  }
  return nullptr;
}

std::unique_ptr<Service> make(const ServiceOptions* /*options*/, const ServiceContext& context) {
  return std::make_unique<HaproxyAgentService>(context.scoreboard);
}

}  // namespace

std::string_view haproxy_agent_answer(DaemonState state) {
  switch (state) {
    case DaemonState::kServing:
      return "up ready";
    case DaemonState::kDraining:
    case DaemonState::kUpgrading:
      return "drain";
    case DaemonState::kStopping:
      return "maint";
  }
  return "up ready";
}

const ServiceEntry& haproxy_agent_service() {
  static const ServiceEntry entry{"haproxy-agent", {}, read_options, make, /*speaks_first=*/true};
  return entry;
}

}  // namespace ackd
