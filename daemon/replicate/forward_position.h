// ForwardPosition: how far the forwarder has shipped the spool, kept in
// <spool>/forwarded so that it resumes there after a restart or an outage.
// "done NAME": every segment up to NAME (in name order, which is creation
// order) is in the stream; then one "NAME OFFSET" line per later segment
// begun. Retention (enforce_spool_limit) removes only segments up to done,
// and closed ones after it whose offset is their size (wholly shipped).
//
//   ackd-forwarded 1
//   done 0001733462000000-0001234-000003.akspool
//   0001733462000100-0001235-000000.akspool 65536
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace ackd {

inline constexpr const char* kForwardedFile = "forwarded";

struct ForwardPosition {
  std::string done;                         // "" : none yet
  std::map<std::string, uint64_t> offsets;  // segments after done, begun

  std::string encode() const;
  // nullopt: not a position file (then the forwarder starts from the beginning).
  static std::optional<ForwardPosition> decode(const std::string& text);
};

// Reads <directory>/forwarded through `directory_fd` without following a
// link (the master reads it as root). nullopt if absent or unreadable.
std::optional<ForwardPosition> read_forward_position(int directory_fd);
// Replaces it atomically (a temporary file, fdatasync, rename). Throws
// std::system_error.
void write_forward_position(int directory_fd, const std::string& directory,
                            const ForwardPosition& position);

}  // namespace ackd
