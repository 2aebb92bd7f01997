#include "daemon/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace ackd {

void init_logging(const std::string& role, const std::string& level) {
  spdlog::drop_all();
  // The _st sink: each process is single-threaded, and stderr writes of one
  // line are atomic enough for a shared terminal or journal stream.
  auto logger = spdlog::stderr_logger_st("ackd");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e ackd[%P] " + role + " %l: %v");
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace ackd
