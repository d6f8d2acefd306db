/* The README's C quickstart: a UAS decision, then the engine's deadline and action. */
#include <stdio.h>
#include <string.h>
#include <sessiontimer.h>

int main(void) {
  const char *invite = "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nSupported: timer\r\nSession-Expires: 1800\r\nAllow: INVITE, UPDATE\r\n\r\n";
  sst_uas *uas = NULL;
  sst_headers *request = NULL;
  sst_session *session = NULL;
  sst_engine *engine = NULL;
  sst_decision d;
  sst_action action;
  char lines[256];
  size_t n = 0;
  uint64_t next = 0;
  if (sst_uas_new(NULL, &uas) != SST_RESULT_OK ||
      sst_headers_from_message(invite, strlen(invite), &request) != SST_RESULT_OK ||
      sst_uas_decide(uas, SST_METHOD_INVITE, request, NULL, &d, lines, sizeof lines, &n) != SST_RESULT_OK)
    return 1;
  printf("answer %u with:\n%.*s", d.status, (int)n, lines); /* 200, Session-Expires: 1800;refresher=uac ... */
  if (d.kind != SST_DECISION_KIND_ACCEPT)
    return 1; /* 420, 421 or 422: send it with the lines above */
  /* The 200 OK went out at t = 0 ms: the dialog's session keeps what the INVITE said. */
  if (sst_uas_establish(uas, request, d.has_timer ? &d.timer : NULL, 0, &session) != SST_RESULT_OK ||
      sst_engine_new(NULL, &engine) != SST_RESULT_OK || sst_engine_establish(engine, 1, session) != SST_RESULT_OK ||
      sst_engine_next_deadline(engine, &next) != SST_RESULT_OK)
    return 1;
  printf("poll again at %llu ms\n", (unsigned long long)next);
  while (sst_engine_poll(engine, 1768000, &action, lines, sizeof lines, &n) == SST_RESULT_OK)
    printf("dialog %llu: action %u, reason %u\n", (unsigned long long)action.key, action.kind, action.reason);
  sst_engine_free(engine);
  sst_session_free(session);
  sst_headers_free(request);
  sst_uas_free(uas);
  return 0;
}
