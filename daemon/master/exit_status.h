// How a child ended, in words for the log: "exited with status 1",
// "killed by signal 9 (Killed), core dumped".
#pragma once

#include <string>

namespace ackd {

std::string describe_exit(int status);

}  // namespace ackd
