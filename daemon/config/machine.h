// Machine: what a config may name on the host it runs on (users, groups,
// directories), behind functions, so that the config checks a start depends
// on can be tested with a made-up machine.
#pragma once

#include <functional>
#include <string>

namespace ackd {

struct Machine {
  std::function<bool(const std::string& name)> user_exists;
  std::function<bool(const std::string& name)> group_exists;
  std::function<bool(const std::string& path)> is_directory;  // following symlinks
};

// This host: the user and group databases (NSS) and the file system.
const Machine& this_machine();

}  // namespace ackd
