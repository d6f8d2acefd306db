/* Bad input through the C API: each gets its result code, none crashes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sessiontimer.h"
#include "check.h"

static void test_nulls(void) {
  sst_uas *uas = NULL;
  sst_decision d;
  char buf[64];
  size_t n = 0;
  CHECK_IS(sst_uas_new(NULL, NULL), SST_RESULT_NULL_PARAMETER);
  CHECK_OK(sst_uas_new(NULL, &uas)); /* NULL policy: the RFC's defaults */
  CHECK_IS(sst_uas_decide(NULL, SST_METHOD_INVITE, NULL, NULL, &d, buf, sizeof buf, &n),
           SST_RESULT_NULL_PARAMETER);
  CHECK_IS(sst_uas_decide(uas, SST_METHOD_INVITE, NULL, NULL, &d, buf, sizeof buf, &n),
           SST_RESULT_NULL_PARAMETER);
  sst_headers *h = NULL;
  CHECK_OK(sst_headers_new(NULL, 0, &h)); /* zero rows */
  CHECK_IS(sst_uas_decide(uas, SST_METHOD_INVITE, h, NULL, NULL, buf, sizeof buf, &n),
           SST_RESULT_NULL_PARAMETER);
  CHECK_IS(sst_uas_decide(uas, SST_METHOD_INVITE, h, NULL, &d, buf, sizeof buf, NULL),
           SST_RESULT_NULL_PARAMETER);
  CHECK_IS(sst_uas_decide(uas, SST_METHOD_INVITE, h, NULL, &d, NULL, 10, &n),
           SST_RESULT_NULL_PARAMETER);
  CHECK_IS(sst_uas_decide(uas, 77, h, NULL, &d, buf, sizeof buf, &n), SST_RESULT_INVALID_ARGUMENT);
  sst_timer bad_timer = {1800, 9};
  CHECK_IS(sst_uas_decide(uas, SST_METHOD_INVITE, h, &bad_timer, &d, buf, sizeof buf, &n),
           SST_RESULT_INVALID_ARGUMENT);
  CHECK_IS(sst_headers_new(NULL, 3, &h), SST_RESULT_NULL_PARAMETER);
  CHECK_IS(sst_headers_from_message(NULL, 5, &h), SST_RESULT_NULL_PARAMETER);
  CHECK_IS(sst_engine_new(NULL, NULL), SST_RESULT_NULL_PARAMETER);
  CHECK_IS(sst_engine_poll(NULL, 0, NULL, NULL, 0, NULL), SST_RESULT_NULL_PARAMETER);
  CHECK_IS(sst_engine_next_deadline(NULL, NULL), SST_RESULT_NULL_PARAMETER);
  CHECK_IS(sst_session_apply(NULL, NULL, 0), SST_RESULT_NULL_PARAMETER);
  CHECK_IS(sst_policy_default(NULL), SST_RESULT_NULL_PARAMETER);
  CHECK_IS(sst_last_error(NULL, 0, NULL), SST_RESULT_NULL_PARAMETER);
  sst_headers_free(h);
  sst_uas_free(uas);
  /* Freeing NULL is fine, for every handle. */
  sst_uas_free(NULL);
  sst_uac_free(NULL);
  sst_proxy_free(NULL);
  sst_b2bua_free(NULL);
  sst_session_free(NULL);
  sst_engine_free(NULL);
  sst_headers_free(NULL);
}

static void test_wire_garbage(void) {
  sst_headers *h = NULL;
  /* A name that is not UTF-8 is no session-timer header: skipped, and the
     rows after it are read. A session-timer value that is not UTF-8 is 400. */
  const char bad_utf8_name[] = "Sess\xff";
  sst_header rows[2] = {{bad_utf8_name, sizeof bad_utf8_name - 1, "\xff", 1},
                        {"x", 1, "1800", 4}};
  CHECK_OK(sst_headers_new(rows, 2, &h));
  uint32_t interval = 0;
  CHECK_OK(sst_headers_session_expires(h, &interval));
  CHECK(interval == 1800);
  sst_headers_free(h);
  h = NULL;
  sst_header bad_value = {"Supported", 9, "timer, \xff", 8};
  CHECK_IS(sst_headers_new(&bad_value, 1, &h), SST_RESULT_MALFORMED_HEADER);
  CHECK(h == NULL);
  const char raw_bad[] = "INVITE sip:a@b SIP/2.0\r\nSession-Expires: 90;a=\"\xff\"\r\n\r\n";
  CHECK_IS(sst_headers_from_message(raw_bad, sizeof raw_bad - 1, &h), SST_RESULT_MALFORMED_HEADER);
  /* A control character in a quoted parameter is 400, never copied on. */
  sst_header nul = {"Session-Expires", 15, "90;a=\"\0\"", 9};
  CHECK_IS(sst_headers_new(&nul, 1, &h), SST_RESULT_MALFORMED_HEADER);
  sst_header not_digits = {"Session-Expires", 15, "18x0", 4};
  CHECK_IS(sst_headers_new(&not_digits, 1, &h), SST_RESULT_MALFORMED_HEADER);
  char message[128];
  size_t n = 0;
  CHECK_OK(sst_last_error(message, sizeof message, &n));
  CHECK(n > 0 && n < sizeof message);
  message[n] = '\0';
  CHECK(strstr(message, "Session-Expires") != NULL);
  /* The message can be read twice; too small a buffer reports its size. */
  size_t need = 0;
  CHECK_IS(sst_last_error(message, 3, &need), SST_RESULT_BUFFER_TOO_SMALL);
  CHECK(need == n);

  char *overlong = malloc(5000);
  memset(overlong, '9', 5000);
  sst_header big = {"x", 1, overlong, 5000};
  CHECK_IS(sst_headers_new(&big, 1, &h), SST_RESULT_MALFORMED_HEADER);
  free(overlong);
  sst_header empty_value = {"Min-SE", 6, NULL, 0};
  CHECK_IS(sst_headers_new(&empty_value, 1, &h), SST_RESULT_MALFORMED_HEADER);
  sst_header other = {"Subject", 7, "\xff\xfe", 2}; /* not a timer header: not read */
  CHECK_OK(sst_headers_new(&other, 1, &h));
  sst_headers_free(h);
  const char raw[] = "INVITE sip:a@b SIP/2.0\r\nSubject: \xff\r\nx: 90\r\n\r\n";
  CHECK_OK(sst_headers_from_message(raw, sizeof raw - 1, &h));
  uint32_t se = 0;
  CHECK_OK(sst_headers_session_expires(h, &se));
  CHECK(se == 90);
  sst_headers_free(h);
  CHECK_IS(sst_headers_from_message("garbage", 7, &h), SST_RESULT_MALFORMED_MESSAGE);
  CHECK_IS(sst_headers_from_message("", 0, &h), SST_RESULT_MALFORMED_MESSAGE);
  CHECK_IS(sst_policy_preset("cisco\xff", 6, NULL), SST_RESULT_NULL_PARAMETER);
  sst_policy p;
  CHECK_IS(sst_policy_preset("cisco\xff", 6, &p), SST_RESULT_INVALID_UTF8);
}

static void test_engine_misuse(void) {
  sst_engine_config cfg;
  CHECK_OK(sst_engine_config_default(&cfg));
  cfg.max_sessions = 1;
  sst_engine *e = NULL;
  CHECK_OK(sst_engine_new(&cfg, &e));
  CHECK_OK(sst_engine_establish_proxy(e, 1, 90, 0));
  CHECK_IS(sst_engine_establish_proxy(e, 2, 90, 0), SST_RESULT_ENGINE_FULL);
  CHECK_IS(sst_engine_remove(e, 5), SST_RESULT_UNKNOWN_SESSION);
  CHECK_IS(sst_engine_on_refresh_response(e, 5, 0, 200, NULL), SST_RESULT_UNKNOWN_SESSION);
  uint64_t key = 0;
  CHECK_IS(sst_engine_restore_session(e, (const uint8_t *)"SSTS\x01", 5, &key),
           SST_RESULT_INVALID_SNAPSHOT);
  CHECK_IS(sst_engine_restore_session(e, NULL, 0, &key), SST_RESULT_INVALID_SNAPSHOT);
  sst_owner owner;
  CHECK_IS(sst_engine_adopt(e, (const uint8_t *)"SSTR\x01", 5, 0, &key, &owner),
           SST_RESULT_INVALID_SNAPSHOT);
  CHECK_IS(sst_engine_adopt(e, NULL, 0, 0, &key, &owner), SST_RESULT_INVALID_SNAPSHOT);
  CHECK_IS(sst_engine_adopt(e, NULL, 0, 0, &key, NULL), SST_RESULT_NULL_PARAMETER);
  CHECK_IS(sst_replica_owner((const uint8_t *)"SSTS\x01", 5, &owner), SST_RESULT_INVALID_SNAPSHOT);
  CHECK_IS(sst_engine_replica(e, 5, NULL, 0, NULL), SST_RESULT_UNKNOWN_SESSION);
  CHECK_IS(sst_engine_track_changes(NULL, 1), SST_RESULT_NULL_PARAMETER);
  cfg.max_sessions = (size_t)1 << 31;
  sst_engine *big = NULL;
  CHECK_IS(sst_engine_new(&cfg, &big), SST_RESULT_ENGINE_FULL);
  cfg.policy.refresher = 42;
  CHECK_IS(sst_engine_new(&cfg, &big), SST_RESULT_INVALID_ARGUMENT);
  CHECK(big == NULL);
  sst_engine_free(e);
  sst_session *s = NULL;
  CHECK_IS(sst_session_from_bytes((const uint8_t *)"junk", 4, &s), SST_RESULT_INVALID_SNAPSHOT);
  CHECK(s == NULL);
}

/* An action held back (its lines did not fit) is dropped by sst_engine_remove
   and never reaches a new dialog under the same key (SECURITY.md). */
static void test_held_back_action_dies_with_its_session(void) {
  sst_engine *e = NULL;
  CHECK_OK(sst_engine_new(NULL, &e));
  sst_session *s = NULL;
  CHECK_OK(sst_session_new(false, true, &s));
  sst_timer we_refresh = {90, SST_SIDE_LOCAL};
  CHECK_OK(sst_session_apply(s, &we_refresh, 0));
  CHECK_OK(sst_engine_establish(e, 7, s));
  sst_action a;
  char small[4];
  size_t n = 0;
  CHECK_IS(sst_engine_poll(e, 45000, &a, small, sizeof small, &n), SST_RESULT_BUFFER_TOO_SMALL);
  CHECK(n > sizeof small);
  CHECK_OK(sst_engine_remove(e, 7));
  CHECK_OK(sst_session_apply(s, &we_refresh, 45000)); /* a new dialog, up at 45 s */
  CHECK_OK(sst_engine_establish(e, 7, s));
  char buf[256];
  CHECK_IS(sst_engine_poll(e, 45000, &a, buf, sizeof buf, &n), SST_RESULT_NONE);
  /* Its own refresh is due 45 s after it started. */
  CHECK_OK(sst_engine_poll(e, 90000, &a, buf, sizeof buf, &n));
  CHECK(a.key == 7 && a.kind == SST_ACTION_KIND_SEND_REFRESH);
  /* An interval below 90 from the host is refused, and changes nothing. */
  sst_timer tiny = {30, SST_SIDE_LOCAL};
  CHECK_IS(sst_session_apply(s, &tiny, 5), SST_RESULT_INTERVAL_BELOW_MINIMUM);
  CHECK_IS(sst_engine_refreshed(e, 7, 5, &tiny), SST_RESULT_INTERVAL_BELOW_MINIMUM);
  CHECK_IS(sst_engine_establish_proxy(e, 8, 0, 0), SST_RESULT_INTERVAL_BELOW_MINIMUM);
  sst_session_free(s);
  sst_engine_free(e);
}

/* sst_engine_answer with too small a buffer records nothing: the same call
   with a larger buffer gives the same answer. */
static void test_answer_too_small_changes_nothing(void) {
  sst_engine *e = NULL;
  CHECK_OK(sst_engine_new(NULL, &e));
  sst_session *s = NULL;
  CHECK_OK(sst_session_new(false, false, &s));
  sst_timer peer_refreshes = {1800, SST_SIDE_REMOTE};
  CHECK_OK(sst_session_apply(s, &peer_refreshes, 0));
  CHECK_OK(sst_engine_establish(e, 1, s));
  sst_header rows[2] = {{"Supported", 9, "timer", 5}, {"Session-Expires", 15, "1800", 4}};
  sst_headers *h = NULL;
  CHECK_OK(sst_headers_new(rows, 2, &h));
  sst_decision d;
  char small[8], buf[256];
  size_t n = 0;
  size_t before = 0, after = 0;
  uint8_t snap[64];
  CHECK_OK(sst_engine_snapshot_session(e, 1, snap, sizeof snap, &before));
  uint8_t first[64];
  memcpy(first, snap, before);
  CHECK_IS(sst_engine_answer(e, 1, SST_METHOD_UPDATE, h, &d, small, sizeof small, &n),
           SST_RESULT_BUFFER_TOO_SMALL);
  CHECK_OK(sst_engine_snapshot_session(e, 1, snap, sizeof snap, &after));
  CHECK(after == before && memcmp(first, snap, before) == 0);
  CHECK_OK(sst_engine_answer(e, 1, SST_METHOD_UPDATE, h, &d, buf, sizeof buf, &n));
  CHECK(d.kind == SST_DECISION_KIND_ACCEPT && d.has_timer);
  sst_headers_free(h);
  sst_session_free(s);
  sst_engine_free(e);
}

/* An sst_bool is 0 or anything else, whatever filled it. */
static void test_bool_fields_read_any_byte(void) {
  sst_policy p;
  CHECK_OK(sst_policy_default(&p));
  memset(&p.consume_refreshes, 0x80, sizeof p.consume_refreshes);
  sst_b2bua *b = NULL;
  sst_policy other;
  CHECK_OK(sst_policy_default(&other));
  CHECK_OK(sst_b2bua_new(&p, &other, &b));
  sst_b2bua_free(b);
  sst_refreshed report = {0};
  report.key = 3;
  report.has_timer = 2;
  report.timer.interval = 90;
  report.timer.refresher = SST_SIDE_REMOTE;
  sst_engine *e = NULL;
  CHECK_OK(sst_engine_new(NULL, &e));
  CHECK_OK(sst_engine_establish_proxy(e, 3, 90, 0));
  sst_result r = SST_RESULT_OK;
  CHECK_OK(sst_engine_refreshed_batch(e, &report, 1, &r));
  sst_engine_free(e);
}

int main(void) {
  test_nulls();
  test_wire_garbage();
  test_engine_misuse();
  test_held_back_action_dies_with_its_session();
  test_answer_too_small_changes_nothing();
  test_bool_fields_read_any_byte();
  return summary("test_bad_input");
}
