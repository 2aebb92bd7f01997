// Linked only into ackd_crashing (a test build of ackd): every worker aborts
// as it starts, to exercise the master's crash-loop throttling.
#include <cstdlib>

extern "C" void ackd_worker_starting() { std::abort(); }
