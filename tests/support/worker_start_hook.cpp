// Linked only into ackd_hooked (a test build of ackd): each worker, as it
// starts, does what $ACKD_TEST_WORKER_START says: "abort" (a crash loop, for
// the throttling tests), "sleep MS" (slow to serve, for the readiness
// tests); nothing when it is unset. An upgrade's new master inherits it.
#include <cstdlib>
#include <cstring>
#include <ctime>

extern "C" void ackd_worker_starting() {
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
