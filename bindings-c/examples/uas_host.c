/*
 * An example host in the shape of a PBX module: a UAS on a loopback UDP port
 * that answers each INVITE, re-INVITE and UPDATE by asking libsessiontimer
 * (422, 420 or 421, or 200 with the right session-timer headers; an UPDATE
 * that refreshes the session gets its 200 the same way), BYE with 200, any
 * other method with 405 and Allow, and ignores ACK. Its answers carry its
 * Contact (with its port), Allow (UPDATE included, so the caller may refresh
 * by UPDATE) and, for an INVITE, an SDP answer: the model a C PBX copies.
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

#define ALLOW "Allow: INVITE, ACK, BYE, CANCEL, UPDATE\r\n"

static unsigned short host_port;

/* Sends `status` with the library's reason phrase, the request's dialog
 * headers, `extra` header lines, our Contact and Allow, and `sdp` as body. */
static void respond(int fd, const struct sockaddr_in *to, const char *request, int status,
                    const char *extra, size_t extra_len, const char *sdp) {
  char out[4096] = "", reason[64];
  size_t reason_len = 0;
  if (sst_reason_phrase((uint16_t)status, reason, sizeof reason, &reason_len) != SST_RESULT_OK) {
    reason_len = 0;
  }
  snprintf(out, sizeof out, "SIP/2.0 %d %.*s\r\n", status, (int)reason_len, reason);
  copy_header(request, "Via", "v", out, sizeof out, NULL);
  copy_header(request, "From", "f", out, sizeof out, NULL);
  copy_header(request, "To", "t", out, sizeof out, ";tag=ssthost");
  copy_header(request, "Call-ID", "i", out, sizeof out, NULL);
  copy_header(request, "CSeq", NULL, out, sizeof out, NULL);
  size_t used = strlen(out);
  snprintf(out + used, sizeof out - used,
           "%.*sContact: <sip:host@127.0.0.1:%u>\r\n" ALLOW "%sContent-Length: %zu\r\n\r\n%s",
           (int)extra_len, extra, host_port, sdp[0] ? "Content-Type: application/sdp\r\n" : "",
           strlen(sdp), sdp);
  sendto(fd, out, strlen(out), 0, (const struct sockaddr *)to, sizeof *to);
}

/* An INVITE or UPDATE: the library's decision, answered as it says. */
static void on_request(int fd, const struct sockaddr_in *from, const char *msg, size_t len,
                       const sst_uas *uas, uint32_t method) {
  static const char sdp[] = "v=0\r\no=host 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
                            "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";
  const char *name = method == SST_METHOD_INVITE ? "INVITE" : "UPDATE";
  const char *body = method == SST_METHOD_INVITE ? sdp : "";
  sst_headers *request = NULL;
  sst_decision d;
  char lines[512];
  size_t n = 0;
  sst_result r = sst_headers_from_message(msg, len, &request);
  if (r == SST_RESULT_OK) {
    r = sst_uas_decide(uas, method, request, NULL, &d, lines, sizeof lines, &n);
  }
  sst_headers_free(request);
  if (r != SST_RESULT_OK) {
    printf("%s -> 400 (%s)\n", name, sst_result_str((uint32_t)r));
    respond(fd, from, msg, 400, "", 0, "");
  } else if (d.kind == SST_DECISION_KIND_REJECT) {
    printf("%s -> %u %.*s", name, d.status, (int)n, lines);
    respond(fd, from, msg, d.status, lines, n, "");
  } else if (d.has_timer) {
    printf("%s -> 200 interval %u refresher %s\n", name, d.timer.interval,
           d.timer.refresher == SST_SIDE_LOCAL ? "host" : "caller");
    respond(fd, from, msg, 200, lines, n, body);
  } else {
    printf("%s -> 200 without a timer\n", name);
    respond(fd, from, msg, 200, lines, n, body);
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
  host_port = (unsigned short)atoi(argv[1]);
  addr.sin_port = htons(host_port);
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
      on_request(fd, &from, msg, (size_t)len, uas, SST_METHOD_INVITE);
    } else if (strncmp(msg, "UPDATE ", 7) == 0) {
      on_request(fd, &from, msg, (size_t)len, uas, SST_METHOD_UPDATE);
    } else if (strncmp(msg, "BYE ", 4) == 0) {
      printf("BYE -> 200\n");
      fflush(stdout);
      respond(fd, &from, msg, 200, "", 0, "");
    } else if (strncmp(msg, "SIP/2.0 ", 8) != 0 && strncmp(msg, "ACK ", 4) != 0) {
      printf("%.*s -> 405\n", (int)strcspn(msg, " "), msg); /* RFC 3261 section 8.2.1 */
      fflush(stdout);
      respond(fd, &from, msg, 405, "", 0, "");
    }
  }
  close(fd);
  sst_uas_free(uas);
  return 0;
}
