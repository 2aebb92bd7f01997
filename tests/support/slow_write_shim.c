/* slow_write_shim: an LD_PRELOAD library for the tests. It makes write()
 * to the files whose path ends with a given suffix take a while longer, so
 * that a test can widen the window in which a process is busy writing (a
 * dispatcher storing its spool) without a slow disk:
 *   SLOW_WRITE_SUFFIX  the end of the files' paths, e.g. ".akspool"
 *   SLOW_WRITE_MS      how long each such write is held before it is made
 *   TORN_WRITE_EVERY   N: every Nth such write is torn, as on a full disk:
 *                      half of it is written, held 50 ms (for readers to
 *                      see it), and the write that follows fails (ENOSPC)
 * Every other call goes straight to the real write. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef ssize_t (*write_fn)(int, const void*, size_t);

static int slowed(int fd) {
  const char* suffix = getenv("SLOW_WRITE_SUFFIX");
  if (suffix == NULL || suffix[0] == '\0') return 0;
  char link[64], path[4096];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  int saved_errno = errno;
  ssize_t n = readlink(link, path, sizeof(path) - 1);
  errno = saved_errno;
  if (n <= 0) return 0;
  path[n] = '\0';
  size_t length = strlen(suffix);
  return (size_t)n >= length && strcmp(path + n - length, suffix) == 0;
}

/* The whole delay, whatever signals come meanwhile. */
static void hold(long ms) {
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += ms / 1000;
  until.tv_nsec += (ms % 1000) * 1000000;
  if (until.tv_nsec >= 1000000000) {
    until.tv_sec += 1;
    until.tv_nsec -= 1000000000;
  }
  int saved_errno = errno;
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR) {
  }
  errno = saved_errno;
}

ssize_t write(int fd, const void* buffer, size_t size) {
  static write_fn real_write;
  static long writes; /* to the matching files */
  static int full;    /* the next one fails */
  if (real_write == NULL) real_write = (write_fn)dlsym(RTLD_NEXT, "write");
  if (!slowed(fd)) return real_write(fd, buffer, size);
  const char* ms = getenv("SLOW_WRITE_MS");
  if (ms != NULL) hold(atol(ms));
  if (full) {
    full = 0;
    errno = ENOSPC;
    return -1;
  }
  const char* every = getenv("TORN_WRITE_EVERY");
  if (every != NULL && atol(every) > 0 && ++writes % atol(every) == 0 && size > 1) {
    ssize_t n = real_write(fd, buffer, size / 2);
    hold(50);
    full = 1;
    return n;
  }
  return real_write(fd, buffer, size);
}
