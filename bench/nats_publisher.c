/* The minimal JetStream publisher that ackd's mode = "sync" is measured
   against (issue 17): nats.c's asynchronous publishing, IN_FLIGHT messages
   awaiting their publish ack at all times (MaxPending, stalling beyond it),
   each message as ackd stores one: a SIZE-byte body, the same four headers
   and a unique Nats-Msg-Id. No framing, no clients: a yardstick.

   Usage: nats_publisher URL[,URL...] STREAM SUBJECT IN_FLIGHT SECONDS SIZE
   Prints {"acks":N,"errors":N,"seconds":S,"rate":R}. The stream must exist. */
#include <nats/nats.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_long acks, errors;

static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure) {
  (void)js;
  (void)closure;
  if (pa != NULL && pae == NULL) atomic_fetch_add(&acks, 1);
  else atomic_fetch_add(&errors, 1);
  natsMsg_Destroy(msg);
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: nats_publisher URLS STREAM SUBJECT IN_FLIGHT SECONDS SIZE\n");
    return 2;
  }
  const char *servers[16];
  int count = 0;
  for (char *url = strtok(argv[1], ","); url != NULL && count < 16; url = strtok(NULL, ","))
    servers[count++] = url;
  const char *stream = argv[2], *subject = argv[3];
  long in_flight = atol(argv[4]);
  double seconds = atof(argv[5]);
  int size = atoi(argv[6]);
  natsOptions *opts = NULL;
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  jsOptions jo;
  natsOptions_Create(&opts);
  natsOptions_SetServers(opts, servers, count);
  if (natsConnection_Connect(&nc, opts) != NATS_OK) {
    fprintf(stderr, "nats_publisher: cannot connect: %s\n", nats_GetLastError(NULL));
    return 1;
  }
  jsOptions_Init(&jo);
  jo.PublishAsync.MaxPending = in_flight;
  jo.PublishAsync.StallWait = 10000;
  jo.PublishAsync.AckHandler = on_ack;
  natsConnection_JetStream(&js, nc, &jo);

  char *body = malloc((size_t)size);
  memset(body, 'x', (size_t)size);
  char id[64], host[256] = "localhost";
  gethostname(host, sizeof(host) - 1);
  int64_t start = nats_Now(), end = start + (int64_t)(seconds * 1000);
  long sent = 0;
  while (nats_Now() < end) {
    natsMsg *msg = NULL;
    natsMsg_Create(&msg, subject, NULL, body, size);
    natsMsgHeader_Set(msg, "Ackd-Time", "2026-01-01T00:00:00.000000000Z");
    natsMsgHeader_Set(msg, "Ackd-Listener", "tcp");
    natsMsgHeader_Set(msg, "Ackd-Peer", "127.0.0.1:40000");
    natsMsgHeader_Set(msg, "Ackd-Host", host);
    snprintf(id, sizeof(id), "bench:%d:%ld", (int)getpid(), sent++);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = id;
    po.ExpectStream = stream;
    po.MaxWait = 5000;
    if (js_PublishMsgAsync(js, &msg, &po) != NATS_OK) {
      atomic_fetch_add(&errors, 1);
      natsMsg_Destroy(msg);
    }
  }
  jsPubOptions done;
  jsPubOptions_Init(&done);
  done.MaxWait = 10000;
  js_PublishAsyncComplete(js, &done);
  double elapsed = (double)(nats_Now() - start) / 1000.0;
  printf("{\"acks\":%ld,\"errors\":%ld,\"seconds\":%.3f,\"rate\":%.0f}\n", atomic_load(&acks),
         atomic_load(&errors), elapsed, (double)atomic_load(&acks) / elapsed);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  natsOptions_Destroy(opts);
  free(body);
  nats_Close();
  return 0;
}
