/* epoll_fault_shim: an LD_PRELOAD library for the tests. It makes epoll_ctl
 * fail with ENOSPC, as it does at fs.epoll.max_user_watches, for the sockets
 * connected to one peer, so that a test can fail one client's connection
 * without touching the machine's limits:
 *   EPOLL_FAULT_OPS   the operations that fail: "ADD", "MOD" or "ADD,MOD"
 *   EPOLL_FAULT_PEER  the peer's IPv4 address, e.g. "127.0.0.2"
 * or for a while, the listening sockets of each process:
 *   EPOLL_FAULT_LISTENER_ADDS  "FIRST-LAST": its adds of a listening socket
 *                              numbered FIRST to LAST (from 1) fail
 * Every other call goes to the real epoll_ctl. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

typedef int (*epoll_ctl_fn)(int, int, int, struct epoll_event*);

static int operation_fails(int op) {
  const char* ops = getenv("EPOLL_FAULT_OPS");
  if (ops == NULL) return 0;
  if (op == EPOLL_CTL_ADD) return strstr(ops, "ADD") != NULL;
  if (op == EPOLL_CTL_MOD) return strstr(ops, "MOD") != NULL;
  return 0;
}

static int connected_to_faulty_peer(int fd) {
  const char* peer = getenv("EPOLL_FAULT_PEER");
  struct in_addr faulty;
  if (peer == NULL || inet_pton(AF_INET, peer, &faulty) != 1) return 0;
  struct sockaddr_storage address;
  socklen_t length = sizeof(address);
  int saved_errno = errno;
  int connected = getpeername(fd, (struct sockaddr*)&address, &length) == 0;
  errno = saved_errno; /* listeners, pipes: not connected, not ours */
  if (!connected || address.ss_family != AF_INET) return 0;
  return ((const struct sockaddr_in*)&address)->sin_addr.s_addr == faulty.s_addr;
}

static int listening(int fd) {
  int accepting = 0;
  socklen_t length = sizeof(accepting);
  int saved_errno = errno;
  int ok = getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0;
  errno = saved_errno;
  return ok && accepting;
}

static int listener_add_fails(int op, int fd) {
  static unsigned long adds; /* per process (a worker starts from its parent's count) */
  unsigned long first, last;
  const char* range = getenv("EPOLL_FAULT_LISTENER_ADDS");
  if (op != EPOLL_CTL_ADD || range == NULL || !listening(fd)) return 0;
  if (sscanf(range, "%lu-%lu", &first, &last) != 2) return 0;
  ++adds;
  return adds >= first && adds <= last;
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event* event) {
  static epoll_ctl_fn real_epoll_ctl;
  if (real_epoll_ctl == NULL) real_epoll_ctl = (epoll_ctl_fn)dlsym(RTLD_NEXT, "epoll_ctl");
  if ((operation_fails(op) && connected_to_faulty_peer(fd)) || listener_add_fails(op, fd)) {
    errno = ENOSPC;
    return -1;
  }
  return real_epoll_ctl(epfd, op, fd, event);
}
