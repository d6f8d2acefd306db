/* Bad input through the C API: each gets its result code, none crashes. */
#include <stdint.h>
#include <stdlib.h>

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
  const char bad_utf8_name[] = "Sess\xff";
  sst_header row = {bad_utf8_name, sizeof bad_utf8_name - 1, "1800", 4};
  CHECK_IS(sst_headers_new(&row, 1, &h), SST_RESULT_INVALID_UTF8);
  CHECK(h == NULL);
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

int main(void) {
  test_nulls();
  test_wire_garbage();
  test_engine_misuse();
  return summary("test_bad_input");
}
