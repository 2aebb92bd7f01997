/* The tutorial's datagram server (seeds/001, "Server code with a datagram
   socket"): loops on recvfrom, displays each datagram and answers the sender
   with "I got your message". Binds 127.0.0.1 only. Usage: udp_server PORT */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

void error(const char* msg) {
  perror(msg);
  exit(1);
}

int main(int argc, char* argv[]) {
  int sock, n;
  socklen_t length, fromlen;
  struct sockaddr_in server;
  struct sockaddr_in from;
  char buf[1024];

  if (argc < 2) {
    fprintf(stderr, "ERROR, no port provided\n");
    exit(1);
  }
  sock = socket(AF_INET, SOCK_DGRAM, 0);
  if (sock < 0) error("Opening socket");
  length = sizeof(server);
  memset(&server, 0, length);
  server.sin_family = AF_INET;
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  server.sin_port = htons(atoi(argv[1]));
  if (bind(sock, (struct sockaddr*)&server, length) < 0) error("binding");
  while (1) {
    fromlen = sizeof(struct sockaddr_in);
    n = recvfrom(sock, buf, 1024, 0, (struct sockaddr*)&from, &fromlen);
    if (n < 0) error("recvfrom");
    write(1, "Received a datagram: ", 21);
    write(1, buf, n);
    write(1, "\n", 1);
    n = sendto(sock, "I got your message", 18, 0, (struct sockaddr*)&from, fromlen);
    if (n < 0) error("sendto");
  }
  return 0;
}
