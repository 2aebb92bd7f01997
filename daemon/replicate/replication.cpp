#include "daemon/replicate/replication.h"

namespace ackd {

std::unique_ptr<ReplicationStage> start_replication(const Config& config, ReplyGate& gate,
                                                    EventLoop& loop, ScoreboardEntry* entry) {
  if (!config.replication.sync()) return nullptr;
  auto stage = std::make_unique<ReplicationStage>(config.replication, gate, loop,
                                                  entry != nullptr ? &entry->replication : nullptr);
  std::vector<std::string> subjects;
  for (const ListenerConfig& listener : config.listeners) {
    subjects.push_back(config.replication.subject_for(listener.name));
  }
  stage->start(std::move(subjects));
  return stage;
}

}  // namespace ackd
