/* The minimal epoll ack server that ackd is measured against (issue 6): the
   fastest simple thing. One thread per core, each with its own SO_REUSEPORT
   socket on 127.0.0.1:PORT and its own level-triggered epoll loop; every LF
   read is answered with the 19-byte ack. No framing state, no logging, no
   limits: a yardstick, not a server.

   Usage: epoll_server PORT [THREADS] [keep|close|udp]
     keep   (default) connections stay open until the client closes
     close  the server closes right after its ack (a FIN: all input was read)
     udp    each datagram is answered with the ack (recvfrom/sendto loop) */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char kAck[] = "I got your message\n";
static int port, close_after_ack, udp;

static int open_socket(int type) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), on = 1;
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
  if (fd < 0 || bind(fd, (struct sockaddr*)&address, sizeof(address)) != 0) {
    perror("epoll_server: bind");
    exit(1);
  }
  if (type != SOCK_DGRAM && listen(fd, 4096) != 0) exit(1);
  return fd;
}

static void* serve_udp(void* unused) {
  int fd = open_socket(SOCK_DGRAM);
  char buffer[65536];
  struct sockaddr_storage from;
  for (;;) {
    socklen_t length = sizeof(from);
    if (recvfrom(fd, buffer, sizeof(buffer), 0, (struct sockaddr*)&from, &length) < 0) continue;
    sendto(fd, kAck, sizeof(kAck) - 1, 0, (struct sockaddr*)&from, length);
  }
  (void)unused;
  return NULL;
}

static void serve_client(int epoll, int fd) {
  char buffer[4096];
  ssize_t n = read(fd, buffer, sizeof(buffer));
  if (n <= 0) {
    close(fd); /* EOF or error; close() also leaves the epoll set */
    return;
  }
  for (ssize_t i = 0; i < n; ++i) {
    if (buffer[i] == '\n') send(fd, kAck, sizeof(kAck) - 1, MSG_NOSIGNAL);
  }
  if (close_after_ack && memchr(buffer, '\n', (size_t)n) != NULL) close(fd);
  (void)epoll;
}

static void* serve_tcp(void* unused) {
  int listener = open_socket(SOCK_STREAM | SOCK_NONBLOCK), epoll = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event event = {.events = EPOLLIN, .data.fd = listener}, events[256];
  epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event);
  for (;;) {
    int ready = epoll_wait(epoll, events, 256, -1);
    for (int i = 0; i < ready; ++i) {
      int fd = events[i].data.fd;
      if (fd != listener) {
        serve_client(epoll, fd);
        continue;
      }
      int client;
      while ((client = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        struct epoll_event in = {.events = EPOLLIN, .data.fd = client};
        epoll_ctl(epoll, EPOLL_CTL_ADD, client, &in);
      }
    }
  }
  (void)unused;
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: epoll_server PORT [THREADS] [keep|close|udp]\n");
    return 2;
  }
  port = atoi(argv[1]);
  int threads = argc > 2 ? atoi(argv[2]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
  close_after_ack = argc > 3 && strcmp(argv[3], "close") == 0;
  udp = argc > 3 && strcmp(argv[3], "udp") == 0;
  signal(SIGPIPE, SIG_IGN);
  pthread_t thread;
  for (int t = 1; t < threads; ++t)
    pthread_create(&thread, NULL, udp ? serve_udp : serve_tcp, NULL);
  udp ? serve_udp(NULL) : serve_tcp(NULL);
  return 0;
}
