#include "daemon/service/ack_service.h"

#include <cassert>
#include <stdexcept>

namespace ackd {
namespace {

constexpr ServiceKey kKeys[] = {{"ack", "an ack text"}};

struct AckOptions final : ServiceOptions {
  std::string ack = "I got your message";
};

class AckService final : public Service {
 public:
  explicit AckService(std::string ack) : ack_(std::move(ack)) {}
  void respond(std::string_view /*message*/, std::string& reply) override { reply += ack_; }

 private:
  std::string ack_;
};

// One ack is one line: the stream transport ends it with the LF.
std::string check_ack(const std::string& text) {
  if (text.find_first_of("\r\n") != std::string::npos) {
    throw std::invalid_argument("must not contain a line break (one ack is one line)");
  }
  return text;
}

ServiceOptionsPtr read_options(ConfigReader& reader, const ServiceTable& listener) {
  auto options = std::make_shared<AckOptions>();
  if (auto v = reader.get_parsed<std::string>(listener.table, listener.prefix, "ack", "a string",
                                              check_ack)) {
    options->ack = *v;
  }
  return options;
}

std::unique_ptr<Service> make(const ServiceOptions* options, const ServiceContext& /*context*/) {
  static const AckOptions kDefaults;
  const auto* ack = options != nullptr ? dynamic_cast<const AckOptions*>(options) : &kDefaults;
  assert(ack != nullptr && "the options of another service");
  return std::make_unique<AckService>(ack->ack);
}

}  // namespace

const ServiceEntry& ack_service() {
  static const ServiceEntry entry{"ack", kKeys, read_options, make};
  return entry;
}

}  // namespace ackd
