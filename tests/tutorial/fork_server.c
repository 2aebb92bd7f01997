/* The tutorial's "real world" server (seeds/001): accept in a loop and fork a
   process per connection; all of the service is in dostuff(). Binds
   127.0.0.1 only, and ignores SIGCHLD so exited children leave no zombies.
   Usage: fork_server PORT */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

void dostuff(int); /* function prototype */

void error(const char* msg) {
  perror(msg);
  exit(1);
}

int main(int argc, char* argv[]) {
  int sockfd, newsockfd, portno, pid, on = 1;
  socklen_t clilen;
  struct sockaddr_in serv_addr, cli_addr;
  if (argc < 2) {
    fprintf(stderr, "ERROR, no port provided\n");
    exit(1);
  }
  signal(SIGCHLD, SIG_IGN); /* the kernel reaps the children */
  sockfd = socket(AF_INET, SOCK_STREAM, 0);
  if (sockfd < 0) error("ERROR opening socket");
  setsockopt(sockfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  memset(&serv_addr, 0, sizeof(serv_addr));
  portno = atoi(argv[1]);
  serv_addr.sin_family = AF_INET;
  serv_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  serv_addr.sin_port = htons(portno);
  if (bind(sockfd, (struct sockaddr*)&serv_addr, sizeof(serv_addr)) < 0) error("ERROR on binding");
  listen(sockfd, 5);
  clilen = sizeof(cli_addr);
  while (1) {
    newsockfd = accept(sockfd, (struct sockaddr*)&cli_addr, &clilen);
    if (newsockfd < 0) error("ERROR on accept");
    pid = fork();
    if (pid < 0) error("ERROR on fork");
    if (pid == 0) {
      close(sockfd);
      dostuff(newsockfd);
      exit(0);
    } else
      close(newsockfd);
  } /* end of while */
  close(sockfd);
  return 0; /* we never get here */
}

/******** DOSTUFF() *********************
 There is a separate instance of this function
 for each connection.  It handles all communication
 once a connnection has been established.
 *****************************************/
void dostuff(int sock) {
  int n;
  char buffer[256];

  memset(buffer, 0, 256);
  n = read(sock, buffer, 255);
  if (n < 0) error("ERROR reading from socket");
  printf("Here is the message: %s\n", buffer);
  n = write(sock, "I got your message", 18);
  if (n < 0) error("ERROR writing to socket");
}
