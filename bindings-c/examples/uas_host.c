/*
 * An example host in the shape of a PBX module: a UAS on a loopback UDP port
 * that answers each INVITE by asking libsessiontimer (422 or 200 with the
 * right session-timer headers), BYE with 200, and ignores ACK.
 *
 *   uas_host PORT SECONDS MIN_SE
 *
 * It stops after SECONDS. One line per decision goes to stdout.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sessiontimer.h>

/* Copies the request's header line `name` (or its compact form) into out. */
static void copy_header(const char *msg, const char *name, const char *compact, char *out,
                        size_t cap, const char *suffix) {
  const char *line = msg;
  while ((line = strstr(line, "\r\n")) != NULL) {
    line += 2;
    const char *colon = strchr(line, ':');
    const char *end = strstr(line, "\r\n");
    if (colon == NULL || end == NULL || colon > end) break;
    size_t len = (size_t)(colon - line);
    while (len > 0 && line[len - 1] == ' ') len--;
    if ((len == strlen(name) && strncasecmp(line, name, len) == 0) ||
        (compact != NULL && len == 1 && tolower((unsigned char)line[0]) == compact[0])) {
      const char *value = colon + 1;
      while (*value == ' ') value++;
      size_t used = strlen(out);
      snprintf(out + used, cap - used, "%s: %.*s%s\r\n", name, (int)(end - value), value,
               suffix != NULL && strstr(value, ";tag=") == NULL ? suffix : "");
      return;
    }
  }
}

static void respond(int fd, const struct sockaddr_in *to, const char *request, int status,
                    const char *reason, const char *extra, size_t extra_len) {
  char out[2048] = "";
  snprintf(out, sizeof out, "SIP/2.0 %d %s\r\n", status, reason);
  copy_header(request, "Via", "v", out, sizeof out, NULL);
  copy_header(request, "From", "f", out, sizeof out, NULL);
  copy_header(request, "To", "t", out, sizeof out, ";tag=ssthost");
  copy_header(request, "Call-ID", "i", out, sizeof out, NULL);
  copy_header(request, "CSeq", NULL, out, sizeof out, NULL);
  size_t used = strlen(out);
  snprintf(out + used, sizeof out - used,
           "%.*sContact: <sip:host@127.0.0.1>\r\nContent-Length: 0\r\n\r\n", (int)extra_len, extra);
  sendto(fd, out, strlen(out), 0, (const struct sockaddr *)to, sizeof *to);
}

static void on_invite(int fd, const struct sockaddr_in *from, const char *msg, size_t len,
                      const sst_uas *uas) {
  sst_headers *request = NULL;
  sst_decision d;
  char lines[512];
  size_t n = 0;
  sst_result r = sst_headers_from_message(msg, len, &request);
  if (r == SST_RESULT_OK) {
    r = sst_uas_decide(uas, SST_METHOD_INVITE, request, NULL, &d, lines, sizeof lines, &n);
  }
  sst_headers_free(request);
  if (r != SST_RESULT_OK) {
    printf("INVITE -> 400 (%s)\n", sst_result_str((uint32_t)r));
    respond(fd, from, msg, 400, "Bad Request", "", 0);
  } else if (d.kind == SST_DECISION_KIND_REJECT) {
    printf("INVITE -> %u %.*s", d.status, (int)n, lines);
    respond(fd, from, msg, d.status, "Session Interval Too Small", lines, n);
  } else {
    printf("INVITE -> 200 interval %u refresher %s\n", d.timer.interval,
           d.timer.refresher == SST_SIDE_LOCAL ? "host" : "caller");
    respond(fd, from, msg, 200, "OK", lines, n);
  }
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s PORT SECONDS MIN_SE\n", argv[0]);
    return 2;
  }
  sst_policy policy;
  sst_uas *uas = NULL;
  if (sst_policy_default(&policy) != SST_RESULT_OK) return 1;
  policy.min_se = (uint32_t)atoi(argv[3]);
  if (sst_uas_new(&policy, &uas) != SST_RESULT_OK) return 1;

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)atoi(argv[1]));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    perror("bind");
    return 1;
  }
  printf("listening on 127.0.0.1:%s\n", argv[1]);
  fflush(stdout);
  time_t stop = time(NULL) + atoi(argv[2]);
  char msg[4096];
  while (time(NULL) < stop) {
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(fd, &fds);
    struct timeval tick = {0, 200000};
    if (select(fd + 1, &fds, NULL, NULL, &tick) <= 0) continue;
    struct sockaddr_in from;
    socklen_t from_len = sizeof from;
    ssize_t len = recvfrom(fd, msg, sizeof msg - 1, 0, (struct sockaddr *)&from, &from_len);
    if (len <= 0) continue;
    msg[len] = '\0';
    if (strncmp(msg, "INVITE ", 7) == 0) {
      on_invite(fd, &from, msg, (size_t)len, uas);
    } else if (strncmp(msg, "BYE ", 4) == 0) {
      printf("BYE -> 200\n");
      fflush(stdout);
      respond(fd, &from, msg, 200, "OK", "", 0);
    }
  }
  close(fd);
  sst_uas_free(uas);
  return 0;
}
