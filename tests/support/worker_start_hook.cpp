// Linked only into ackd_hooked (a test build of ackd): each worker, as it
// starts, does what $ACKD_TEST_WORKER_START says: "abort" (a crash loop, for
// the throttling tests), "sleep MS" (slow to serve, for the readiness
// tests); nothing when it is unset. An upgrade's new master inherits it.
//
// The seam is the linker's, so production code holds no hook: ackd_hooked
// links with --wrap for ackd::run_worker (tests/CMakeLists.txt), which sends
// the supervisor's call here first. If run_worker's signature changes, the
// __real_ symbol below is undefined and ackd_hooked fails to link.
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "daemon/serve/worker.h"

namespace {

void do_what_the_test_asks() {
  const char* what = std::getenv("ACKD_TEST_WORKER_START");
  if (what == nullptr) return;
  if (std::strcmp(what, "abort") == 0) std::abort();
  if (std::strncmp(what, "sleep ", 6) == 0) {
    long ms = std::atol(what + 6);
    timespec pause{ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&pause, &pause) != 0) {
    }
  }
}

}  // namespace

// ackd::run_worker(const ackd::WorkerSpec&), mangled.
extern "C" int __real__ZN4ackd10run_workerERKNS_10WorkerSpecE(const ackd::WorkerSpec& spec);

extern "C" int __wrap__ZN4ackd10run_workerERKNS_10WorkerSpecE(const ackd::WorkerSpec& spec) {
  do_what_the_test_asks();
  return __real__ZN4ackd10run_workerERKNS_10WorkerSpecE(spec);
}
