#include "daemon/replicate/forward_position.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "common/syscall.h"
#include "common/unique_fd.h"

namespace ackd {
namespace {

constexpr const char* kHeader = "ackd-forwarded 1";
constexpr size_t kMaxFileSize = 1 << 20;

bool plain_name(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name[0] != '.';
}

}  // namespace

std::string ForwardPosition::encode() const {
  std::string out = std::string(kHeader) + "\ndone " + (done.empty() ? "-" : done) + "\n";
  for (const auto& [name, offset] : offsets) out += name + " " + std::to_string(offset) + "\n";
  return out;
}

std::optional<ForwardPosition> ForwardPosition::decode(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  if (!std::getline(lines, line) || line != kHeader) return std::nullopt;
  ForwardPosition position;
  std::string word, name;
  if (!(lines >> word >> name) || word != "done") return std::nullopt;
  if (name != "-") {
    if (!plain_name(name)) return std::nullopt;
    position.done = name;
  }
  uint64_t offset;
  while (lines >> name >> offset) {
    if (!plain_name(name)) return std::nullopt;
    position.offsets[name] = offset;
  }
  return position;
}

std::optional<ForwardPosition> read_forward_position(int directory_fd) {
  UniqueFd fd(openat(directory_fd, kForwardedFile, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat st {};
  if (!fd || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<size_t>(st.st_size) > kMaxFileSize) {
    return std::nullopt;
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  ssize_t n = pread(fd.get(), text.data(), text.size(), 0);
  if (n != static_cast<ssize_t>(text.size())) return std::nullopt;
  return ForwardPosition::decode(text);
}

void write_forward_position(int directory_fd, const std::string& directory,
                            const ForwardPosition& position) {
  std::string temporary = std::string(kForwardedFile) + ".new";
  UniqueFd fd(openat(directory_fd, temporary.c_str(),
                     O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640));
  if (!fd) throw_errno("open", directory + "/" + temporary);
  std::string text = position.encode();
  if (write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      fdatasync(fd.get()) != 0) {
    throw_errno("write", directory + "/" + temporary);
  }
  if (renameat(directory_fd, temporary.c_str(), directory_fd, kForwardedFile) != 0) {
    throw_errno("rename", directory + "/" + kForwardedFile);
  }
}

}  // namespace ackd
