/* The minimal process-per-connection ack server (issue 6): the floor of what
   fork mode can cost on this machine. A blocking accept loop that forks a
   process per connection; the process reads once, answers the 19-byte ack
   if it read a message, and ends with _exit (its socket closes with a FIN:
   the message was read). SIGCHLD is ignored, so the kernel reaps. No
   framing, no limits, no logging, no max_children: a yardstick, not a
   server. bench/run builds it twice, dynamically linked (libc only) and
   statically, to show what the process image costs a fork.

   Usage: fork_server PORT */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static const char kAck[] = "I got your message\n";

static void serve(int fd) {
  char buffer[4096];
  if (read(fd, buffer, sizeof(buffer)) > 0) send(fd, kAck, sizeof(kAck) - 1, MSG_NOSIGNAL);
  _exit(0);
}

int main(int argc, char* argv[]) {
  if (argc < 2) {
    fprintf(stderr, "usage: fork_server PORT\n");
    return 2;
  }
  int on = 1;
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  signal(SIGCHLD, SIG_IGN);
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (listener < 0 || bind(listener, (struct sockaddr*)&address, sizeof(address)) != 0 ||
      listen(listener, 4096) != 0) {
    perror("fork_server: bind");
    return 1;
  }
  for (;;) {
    int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) continue;
    pid_t pid = fork();
    if (pid == 0) serve(fd);
    close(fd);
  }
}
