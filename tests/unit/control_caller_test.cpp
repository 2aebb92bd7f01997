// control_caller_allowed: root, the master's own user and members of the
// daemon's group (primary or supplementary) may use the control socket.
#include "daemon/master/control_caller.h"

#include <gtest/gtest.h>

#include <vector>

namespace ackd {
namespace {

constexpr uid_t kMaster = 0;
constexpr gid_t kGroup = 500;

TEST(ControlCaller, RootAndTheMastersUserMayAsk) {
  EXPECT_TRUE(control_caller_allowed({0, 0, {}}, kMaster, std::nullopt));
  EXPECT_TRUE(control_caller_allowed({1000, 1000, {}}, 1000, std::nullopt)) << "a non-root master";
  EXPECT_FALSE(control_caller_allowed({1000, 1000, {}}, kMaster, std::nullopt));
}

TEST(ControlCaller, MembersOfTheGroupMayAsk) {
  std::vector<gid_t> supplementary = {20, kGroup};
  EXPECT_TRUE(control_caller_allowed({1000, kGroup, {}}, kMaster, kGroup)) << "primary group";
  EXPECT_TRUE(control_caller_allowed({1000, 1000, supplementary}, kMaster, kGroup));
  std::vector<gid_t> others = {20, 21};
  EXPECT_FALSE(control_caller_allowed({1000, 1000, others}, kMaster, kGroup));
}

TEST(ControlCaller, NoGroupMeansRootOnly) {
  std::vector<gid_t> groups = {kGroup};
  EXPECT_FALSE(control_caller_allowed({1000, kGroup, groups}, kMaster, std::nullopt));
}

}  // namespace
}  // namespace ackd
