#include "client/fin_with_reply.h"

#include <poll.h>
#include <sys/epoll.h>

namespace ackd::client {

bool fin_came_with_reply(int fd, uint32_t events, bool events_may_be_stale) {
  if ((events & EPOLLRDHUP) != 0) return true;
  if (!events_may_be_stale) return false;
  pollfd asked{fd, POLLRDHUP, 0};
  return ::poll(&asked, 1, 0) == 1 && (asked.revents & (POLLRDHUP | POLLHUP)) != 0;
}

}  // namespace ackd::client
