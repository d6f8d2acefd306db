/* The C API end to end: settings, every role, the session and the engine. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sessiontimer.h"
#include "check.h"

static sst_headers *rows(const sst_header *list, size_t n) {
  sst_headers *h = NULL;
  CHECK_OK(sst_headers_new(list, n, &h));
  return h;
}

#define ROW(n, v) {n, sizeof(n) - 1, v, sizeof(v) - 1}

static void test_policy(void) {
  sst_policy p;
  CHECK_OK(sst_policy_default(&p));
  CHECK(p.session_expires == 1800 && p.min_se == 90 && p.mode == SST_MODE_ORIGINATE);
  CHECK_OK(sst_policy_preset(STR("cisco-cube"), &p));
  CHECK(p.consume_refreshes && p.min_se == 1800);
  CHECK_IS(sst_policy_preset(STR("nobody"), &p), SST_RESULT_INVALID_POLICY);
  p.min_se = 60;
  CHECK_IS(sst_policy_validate(&p), SST_RESULT_INVALID_POLICY);
  p.min_se = 90;
  p.mode = 99;
  CHECK_IS(sst_policy_validate(&p), SST_RESULT_INVALID_ARGUMENT);
  CHECK(strcmp(sst_version(), "0.1.0") == 0);
  CHECK(strcmp(sst_result_str(SST_RESULT_OK), "ok") == 0);
  CHECK(strcmp(sst_result_str(9999), "unknown result code") == 0);
}

static void test_uas(void) {
  sst_uas *uas = NULL;
  sst_policy p;
  CHECK_OK(sst_policy_default(&p));
  p.min_se = 600;
  CHECK_OK(sst_uas_new(&p, &uas));
  const sst_header small[] = {ROW("Supported", "timer"), ROW("Session-Expires", "300")};
  sst_headers *h = rows(small, 2);
  sst_decision d;
  char buf[256];
  size_t n = 0;
  CHECK_OK(sst_uas_decide(uas, SST_METHOD_INVITE, h, NULL, &d, buf, sizeof buf, &n));
  CHECK(d.kind == SST_DECISION_KIND_REJECT && d.status == 422);
  CHECK(n == strlen("Min-SE: 600\r\n") && memcmp(buf, "Min-SE: 600\r\n", n) == 0);
  sst_headers_free(h);

  const char *invite =
      "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
      "k: timer\r\n"
      "x: 1800\r\n"
      "\r\n";
  CHECK_OK(sst_headers_from_message(invite, strlen(invite), &h));
  uint32_t method = 99;
  CHECK_OK(sst_headers_method(h, &method));
  CHECK(method == SST_METHOD_INVITE);
  CHECK_OK(sst_uas_decide(uas, method, h, NULL, &d, buf, sizeof buf, &n));
  CHECK(d.kind == SST_DECISION_KIND_ACCEPT && d.status == 200 && d.has_timer);
  CHECK(d.timer.interval == 1800 && d.timer.refresher == SST_SIDE_REMOTE);
  const char *want = "Session-Expires: 1800;refresher=uac\r\nSupported: timer\r\nRequire: timer\r\n";
  CHECK(n == strlen(want) && memcmp(buf, want, n) == 0);

  /* Too small a buffer: the size needed, and nothing else written. */
  sst_decision untouched = {0};
  CHECK_IS(sst_uas_decide(uas, method, h, NULL, &untouched, buf, 10, &n),
           SST_RESULT_BUFFER_TOO_SMALL);
  CHECK(n == strlen(want) && untouched.status == 0);
  CHECK_IS(sst_uas_decide(uas, SST_METHOD_OTHER, h, NULL, &d, buf, sizeof buf, &n), SST_RESULT_OK);
  CHECK(d.kind == SST_DECISION_KIND_NOT_A_REFRESH && n == 0);
  sst_headers_free(h);
  sst_uas_free(uas);
}

/* The engine takes over the UAC's session `s` under key 42 (and 7 and 8, in
 * a batch): a refresh by UPDATE at half the interval, the fallback to
 * re-INVITE on 501, and BYE on 408 (RFC 4028 section 10). */
static void engine_takes_over(sst_session *s) {
  char buf[256];
  size_t n = 0;
  sst_engine *e = NULL;
  CHECK_OK(sst_engine_new(NULL, &e));
  CHECK_OK(sst_engine_reserve(e, 16));
  CHECK_OK(sst_engine_establish(e, 42, s));
  CHECK_IS(sst_engine_establish(e, 42, s), SST_RESULT_DUPLICATE_SESSION);
  /* A batch: each result reported, the first failure returned, the rest applied. */
  sst_establish batch[3] = {{7, s}, {42, s}, {8, s}};
  sst_result results[3];
  CHECK_IS(sst_engine_establish_batch(e, batch, 3, results), SST_RESULT_DUPLICATE_SESSION);
  CHECK(results[0] == SST_RESULT_OK && results[1] == SST_RESULT_DUPLICATE_SESSION &&
        results[2] == SST_RESULT_OK);
  size_t held = 0;
  CHECK_OK(sst_engine_len(e, &held));
  CHECK(held == 3);
  batch[0].session = NULL;
  CHECK_IS(sst_engine_establish_batch(e, batch, 1, NULL), SST_RESULT_NULL_PARAMETER);
  /* Removed in a batch: 7 and 8 go, 9 is unknown; the first failure returned. */
  const uint64_t gone[3] = {7, 9, 8};
  CHECK_IS(sst_engine_remove_batch(e, gone, 3, results), SST_RESULT_UNKNOWN_SESSION);
  CHECK(results[0] == SST_RESULT_OK && results[1] == SST_RESULT_UNKNOWN_SESSION &&
        results[2] == SST_RESULT_OK);
  CHECK_OK(sst_engine_len(e, &held));
  CHECK(held == 1);
  CHECK_OK(sst_engine_remove_batch(e, NULL, 0, NULL));
  CHECK_IS(sst_engine_remove_batch(e, NULL, 1, NULL), SST_RESULT_NULL_PARAMETER);
  uint64_t next = 0;
  CHECK_OK(sst_engine_next_deadline(e, &next));
  CHECK(next <= 301000);
  sst_action a;
  CHECK_IS(sst_engine_poll(e, 300999, &a, buf, sizeof buf, &n), SST_RESULT_NONE);
  CHECK_IS(sst_engine_poll(e, 301000, &a, buf, 5, &n), SST_RESULT_BUFFER_TOO_SMALL);
  CHECK_OK(sst_engine_poll(e, 301000, &a, buf, sizeof buf, &n));
  CHECK(a.key == 42 && a.kind == SST_ACTION_KIND_SEND_REFRESH && a.method == SST_METHOD_UPDATE);
  CHECK(strstr(buf, "Session-Expires: 600;refresher=uac\r\n") == buf);
  CHECK_OK(sst_engine_on_refresh_response(e, 42, 301500, 501, NULL));
  CHECK_OK(sst_engine_poll(e, 301500, &a, buf, sizeof buf, &n));
  CHECK(a.method == SST_METHOD_INVITE);
  CHECK_OK(sst_engine_on_refresh_response(e, 42, 302000, 408, NULL));
  CHECK_OK(sst_engine_poll(e, 302000, &a, buf, sizeof buf, &n));
  CHECK(a.kind == SST_ACTION_KIND_SEND_BYE && a.reason == SST_TEARDOWN_REFRESH_UNANSWERED && n == 0);
  size_t len = 99;
  CHECK_OK(sst_engine_len(e, &len));
  CHECK(len == 0);
  sst_counters c;
  CHECK_OK(sst_engine_counters(e, &c));
  CHECK(c.established == 3 && c.refresh_unanswered == 1 && c.refreshes_sent == 2);
  sst_engine_free(e);
}

static void test_uac_and_session(void) {
  sst_uac *uac = NULL;
  CHECK_OK(sst_uac_new(NULL, 90, &uac));
  char buf[256];
  size_t n = 0;
  CHECK_OK(sst_uac_request(uac, buf, sizeof buf, &n));
  CHECK(n == strlen("Session-Expires: 90\r\nSupported: timer\r\n"));
  const char *too_small = "SIP/2.0 422 Session Interval Too Small\r\nMin-SE: 600\r\n\r\n";
  sst_headers *r = NULL;
  CHECK_OK(sst_headers_from_message(too_small, strlen(too_small), &r));
  uint16_t status = 0;
  CHECK_OK(sst_headers_status(r, &status));
  CHECK(status == 422);
  CHECK_OK(sst_uac_on_422(uac, r, buf, sizeof buf, &n));
  CHECK(strstr(buf, "Min-SE: 600\r\n") != NULL);
  CHECK_IS(sst_uac_on_422(uac, r, buf, sizeof buf, &n), SST_RESULT_USELESS_422); /* the same 422 again: nothing new to ask */
  sst_headers_free(r);

  const sst_header ok[] = {ROW("Supported", "timer"), ROW("Session-Expires", "600;refresher=uac"),
                           ROW("Allow", "INVITE, ACK, BYE, UPDATE")};
  r = rows(ok, 3);
  sst_timer t;
  CHECK_OK(sst_uac_on_2xx(uac, r, &t));
  CHECK(t.interval == 600 && t.refresher == SST_SIDE_LOCAL);
  sst_session *s = NULL;
  CHECK_OK(sst_uac_establish(uac, r, 1000, &s));
  uint64_t at = 0;
  CHECK_OK(sst_session_refresh_at(s, &at));
  CHECK(at == 1000 + 300000);
  CHECK_IS(sst_session_bye_at(s, SST_BYE_MARGIN_RFC, &at), SST_RESULT_NONE);

  unsigned char bytes[64];
  CHECK_OK(sst_session_to_bytes(s, bytes, sizeof bytes, &n));
  CHECK(n == 22);
  sst_session *copy = NULL;
  CHECK_OK(sst_session_from_bytes(bytes, n, &copy));
  CHECK_OK(sst_session_timer(copy, &t));
  CHECK(t.interval == 600);
  CHECK_IS(sst_session_from_bytes(bytes, n - 1, &copy), SST_RESULT_INVALID_SNAPSHOT);
  sst_session_free(copy);

  engine_takes_over(s);
  sst_session_free(s);
  sst_headers_free(r);
  sst_uac_free(uac);
}

static void test_proxy_and_b2bua(void) {
  sst_proxy *px = NULL;
  CHECK_OK(sst_proxy_new(NULL, &px));
  const sst_header req[] = {ROW("Supported", "timer")};
  sst_headers *h = rows(req, 1);
  sst_decision d;
  sst_proxy_transaction tx;
  char buf[256];
  size_t n = 0;
  CHECK_OK(sst_proxy_on_request(px, SST_METHOD_INVITE, h, &d, &tx, buf, sizeof buf, &n));
  CHECK(d.kind == SST_DECISION_KIND_FORWARD && tx.requested && tx.interval == 1800);
  CHECK(n == strlen("Session-Expires: 1800\r\n"));
  sst_headers *empty = rows(NULL, 0);
  sst_proxy_timer timer;
  CHECK_OK(sst_proxy_on_2xx(px, &tx, empty, &timer, buf, sizeof buf, &n));
  CHECK(timer.interval == 1800 && timer.refresher == SST_REFRESHER_UAC);
  CHECK(strstr(buf, "Require: timer\r\n") != NULL);
  sst_proxy_free(px);

  /* RFC 3261 section 16.3: timers off, Proxy-Require: timer gets 420. */
  sst_policy off;
  CHECK_OK(sst_policy_default(&off));
  off.mode = SST_MODE_OFF;
  CHECK_OK(sst_proxy_new(&off, &px));
  const sst_header insist[] = {ROW("Proxy-Require", "timer")};
  sst_headers *ph = rows(insist, 1);
  CHECK_OK(sst_proxy_on_request(px, SST_METHOD_INVITE, ph, &d, &tx, buf, sizeof buf, &n));
  CHECK(d.kind == SST_DECISION_KIND_REJECT && d.status == 420);
  CHECK(n == strlen("Unsupported: timer\r\n"));
  sst_headers_free(ph);
  sst_proxy_free(px);

  sst_policy cube;
  CHECK_OK(sst_policy_preset(STR("cisco-cube"), &cube));
  sst_b2bua *b = NULL;
  CHECK_OK(sst_b2bua_new(&cube, &cube, &b));
  sst_uac *out_leg = NULL;
  CHECK_OK(sst_b2bua_outbound_uac(b, h, &out_leg));
  CHECK_OK(sst_uac_request(out_leg, buf, sizeof buf, &n));
  CHECK(strstr(buf, "Session-Expires: 1800\r\n") == buf);
  sst_uac_free(out_leg);
  sst_uas *in_leg = NULL;
  CHECK_OK(sst_b2bua_inbound_uas(b, &in_leg));
  sst_uas_free(in_leg);
  const char *sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n";
  uint32_t kind = 99;
  CHECK_OK(sst_classify_refresh(SST_METHOD_INVITE, sdp, strlen(sdp), sdp, strlen(sdp), &kind));
  CHECK(kind == SST_REFRESH_KIND_PURE_REFRESH);
  sst_session *leg = NULL;
  CHECK_OK(sst_session_new(false, false, &leg));
  const sst_header refresh[] = {ROW("k", "timer"), ROW("x", "1800")};
  sst_headers *rh = rows(refresh, 2);
  CHECK_OK(sst_b2bua_on_in_dialog_request(b, SST_LEG_INBOUND, leg, SST_METHOD_INVITE, rh, kind, &d,
                                          buf, sizeof buf, &n));
  CHECK(d.kind == SST_DECISION_KIND_ACCEPT && d.has_timer);
  CHECK_OK(sst_b2bua_on_in_dialog_request(b, SST_LEG_INBOUND, leg, SST_METHOD_INVITE, rh,
                                          SST_REFRESH_KIND_SESSION_CHANGE, &d, buf, sizeof buf, &n));
  CHECK(d.kind == SST_DECISION_KIND_RELAY && n == 0);
  sst_session_free(leg);
  sst_headers_free(rh);
  sst_b2bua_free(b);
  sst_headers_free(empty);
  sst_headers_free(h);
}

static void test_snapshots(void) {
  sst_engine_config cfg;
  CHECK_OK(sst_engine_config_default(&cfg));
  cfg.max_sessions = 100;
  sst_engine *e = NULL;
  CHECK_OK(sst_engine_new(&cfg, &e));
  for (uint64_t key = 0; key < 50; key++) {
    CHECK_OK(sst_engine_establish_proxy(e, key, 90 + (uint32_t)key, key));
  }
  /* An offer of the host's: a proxy session has no refresh to hold. */
  sst_bool go = 0;
  CHECK_OK(sst_engine_offer_started(e, 3, &go));
  CHECK(go);
  CHECK_IS(sst_engine_offer_started(e, 999, &go), SST_RESULT_UNKNOWN_SESSION);
  CHECK_IS(sst_engine_offer_started(e, 3, NULL), SST_RESULT_NULL_PARAMETER);
  size_t need = 0;
  CHECK_IS(sst_engine_snapshot(e, NULL, 0, &need), SST_RESULT_BUFFER_TOO_SMALL);
  unsigned char *data = malloc(need);
  size_t n = 0;
  CHECK_OK(sst_engine_snapshot(e, data, need, &n));
  CHECK(n == need);
  sst_engine *copy = NULL;
  CHECK_OK(sst_engine_restore(&cfg, data, n, &copy));
  data[0] ^= 0xff;
  sst_engine *bad = NULL;
  CHECK_IS(sst_engine_restore(&cfg, data, n, &bad), SST_RESULT_INVALID_SNAPSHOT);
  CHECK(bad == NULL);
  free(data);
  unsigned char one[64];
  CHECK_OK(sst_engine_snapshot_session(e, 7, one, sizeof one, &n));
  CHECK_OK(sst_engine_remove(copy, 7));
  uint64_t key = 0;
  CHECK_OK(sst_engine_restore_session(copy, one, n, &key));
  CHECK(key == 7);
  sst_action a;
  char buf[64];
  size_t ended = 0;
  while (sst_engine_poll(copy, UINT64_MAX, &a, buf, sizeof buf, &n) == SST_RESULT_OK) {
    CHECK(a.kind == SST_ACTION_KIND_SESSION_ENDED && a.reason == SST_TEARDOWN_EXPIRED);
    ended++;
  }
  CHECK(ended == 50);
  sst_engine_free(copy);
  sst_engine_free(e);
}

/* A batch of refreshes applies each report in order; an unknown key fails
   only its own report (RFC 4028 section 10: each 2xx restarts its timer). */
static void test_refreshed_batch(void) {
  sst_engine *e = NULL;
  CHECK_OK(sst_engine_new(NULL, &e));
  sst_session *s = NULL;
  CHECK_OK(sst_session_new(false, false, &s));
  sst_timer theirs = {1800, SST_SIDE_REMOTE};
  CHECK_OK(sst_session_apply(s, &theirs, 0));
  CHECK_OK(sst_engine_establish(e, 1, s));
  CHECK_OK(sst_engine_establish(e, 2, s));
  sst_session_free(s);

  sst_refreshed reports[3] = {
      {1, 1000000, true, {90, SST_SIDE_REMOTE}},
      {9, 1000000, true, {90, SST_SIDE_REMOTE}},
      {2, 2000000, false, {0, 0}},
  };
  sst_result results[3] = {SST_RESULT_PANIC, SST_RESULT_PANIC, SST_RESULT_PANIC};
  CHECK_IS(sst_engine_refreshed_batch(e, reports, 3, results), SST_RESULT_UNKNOWN_SESSION);
  CHECK(results[0] == SST_RESULT_OK && results[1] == SST_RESULT_UNKNOWN_SESSION &&
        results[2] == SST_RESULT_OK);
  char buf[128];
  size_t n = 0;
  CHECK_OK(sst_last_error(buf, sizeof buf, &n));
  CHECK(n > 0 && memchr(buf, '9', n) != NULL);

  /* Session 1 now expires 90 s after t = 1000 s, less the RFC's margin. */
  sst_action a;
  CHECK_OK(sst_engine_poll(e, UINT64_MAX, &a, buf, sizeof buf, &n));
  CHECK(a.key == 1 && a.at_ms == 1000000 + 60000 && a.reason == SST_TEARDOWN_NO_REFRESH_RECEIVED);
  CHECK_IS(sst_engine_poll(e, UINT64_MAX, &a, buf, sizeof buf, &n), SST_RESULT_NONE);

  CHECK_OK(sst_engine_refreshed_batch(e, reports, 0, NULL));
  CHECK_IS(sst_engine_refreshed_batch(e, NULL, 1, NULL), SST_RESULT_NULL_PARAMETER);
  sst_refreshed bad = {2, 0, true, {90, 7}};
  CHECK_IS(sst_engine_refreshed_batch(e, &bad, 1, NULL), SST_RESULT_INVALID_ARGUMENT);
  /* An invalid timer anywhere fails the batch before any report applies:
     session 2, with no timer, gets none from the valid report first. */
  sst_refreshed valid_then_bad[2] = {{2, 3000000, true, {1800, SST_SIDE_REMOTE}}, bad};
  CHECK_IS(sst_engine_refreshed_batch(e, valid_then_bad, 2, NULL), SST_RESULT_INVALID_ARGUMENT);
  uint64_t next = 0;
  CHECK_IS(sst_engine_next_deadline(e, &next), SST_RESULT_NONE);

  /* RFC 4028 section 10: a batched report making us the refresher arms our
     refresh at half the interval. */
  sst_refreshed ours = {2, 4000000, true, {1800, SST_SIDE_LOCAL}};
  CHECK_OK(sst_engine_refreshed_batch(e, &ours, 1, NULL));
  CHECK_OK(sst_engine_next_deadline(e, &next));
  CHECK(next <= 4000000 + 900000);
  char lines[512];
  CHECK_IS(sst_engine_poll(e, 4000000 + 899999, &a, lines, sizeof lines, &n), SST_RESULT_NONE);
  CHECK_OK(sst_engine_poll(e, 4000000 + 900000, &a, lines, sizeof lines, &n));
  CHECK(a.key == 2 && a.kind == SST_ACTION_KIND_SEND_REFRESH && a.at_ms == 4000000 + 900000);
  sst_engine_free(e);
}

/* RFC 4028 section 7.4 on the answering side: sst_uas_establish keeps the
   INVITE's Allow: UPDATE and Min-SE, so the session refreshes by UPDATE. */
static void test_uas_establish(void) {
  sst_uas *uas = NULL;
  CHECK_OK(sst_uas_new(NULL, &uas));
  const char invite[] = "INVITE sip:b@h SIP/2.0\r\nSupported: timer\r\n"
                        "Session-Expires: 1800;refresher=uas\r\nMin-SE: 600\r\n"
                        "Allow: INVITE, UPDATE\r\n\r\n";
  sst_headers *h = NULL;
  CHECK_OK(sst_headers_from_message(invite, sizeof invite - 1, &h));
  sst_decision d;
  char buf[256];
  size_t n = 0;
  CHECK_OK(sst_uas_decide(uas, SST_METHOD_INVITE, h, NULL, &d, buf, sizeof buf, &n));
  CHECK(d.kind == SST_DECISION_KIND_ACCEPT && d.has_timer && d.timer.refresher == SST_SIDE_LOCAL);
  sst_session *s = NULL;
  CHECK_OK(sst_uas_establish(uas, h, &d.timer, 0, &s));
  sst_engine *e = NULL;
  CHECK_OK(sst_engine_new(NULL, &e));
  CHECK_OK(sst_engine_establish(e, 1, s));
  sst_action a;
  CHECK_OK(sst_engine_poll(e, 900000, &a, buf, sizeof buf - 1, &n));
  buf[n] = '\0';
  CHECK(a.kind == SST_ACTION_KIND_SEND_REFRESH && a.method == SST_METHOD_UPDATE);
  CHECK(strstr(buf, "Min-SE: 600\r\n") != NULL);
  sst_engine_free(e);
  sst_session_free(s);
  sst_timer tiny = {30, SST_SIDE_LOCAL};
  s = NULL;
  CHECK_IS(sst_uas_establish(uas, h, &tiny, 0, &s), SST_RESULT_INTERVAL_BELOW_MINIMUM);
  CHECK(s == NULL);
  sst_headers_free(h);
  sst_uas_free(uas);
}

/* The texts the library writes, from the one table in core. */
static void test_names(void) {
  char buf[64];
  size_t n = 0;
  CHECK_OK(sst_reason_phrase(422, buf, sizeof buf, &n));
  CHECK(n == 26 && memcmp(buf, "Session Interval Too Small", n) == 0);
  CHECK_IS(sst_reason_phrase(299, buf, sizeof buf, &n), SST_RESULT_NONE);
  CHECK_IS(sst_reason_phrase(422, buf, 3, &n), SST_RESULT_BUFFER_TOO_SMALL);
  CHECK(n == 26);
  CHECK_OK(sst_method_name(SST_METHOD_UPDATE, buf, sizeof buf, &n));
  CHECK(n == 6 && memcmp(buf, "UPDATE", 6) == 0);
  CHECK_IS(sst_method_name(SST_METHOD_OTHER, buf, sizeof buf, &n), SST_RESULT_NONE);
  CHECK_IS(sst_method_name(99, buf, sizeof buf, &n), SST_RESULT_INVALID_ARGUMENT);
  CHECK(SST_RESULT_PANIC == 15 && SST_RESULT_NONE == 14);
  /* RFC 3326: the BYE's Reason for each teardown, worded once, in core. */
  CHECK_OK(sst_bye_reason(SST_TEARDOWN_NO_REFRESH_RECEIVED, 0, buf, sizeof buf, &n));
  CHECK(n == 48 && memcmp(buf, "SIP;cause=408;text=\"No session refresh received\"", n) == 0);
  CHECK_OK(sst_bye_reason(SST_TEARDOWN_REFRESH_REJECTED, 488, buf, sizeof buf, &n));
  CHECK(memcmp(buf, "SIP;cause=488;", 14) == 0);
  CHECK_IS(sst_bye_reason(SST_TEARDOWN_REMOVED_BY_HOST, 0, buf, sizeof buf, &n), SST_RESULT_NONE);
  CHECK_IS(sst_bye_reason(SST_TEARDOWN_NOT_A_TEARDOWN, 0, buf, sizeof buf, &n), SST_RESULT_NONE);
  CHECK_IS(sst_bye_reason(77, 0, buf, sizeof buf, &n), SST_RESULT_INVALID_ARGUMENT);
  uint16_t status = 0;
  CHECK_OK(sst_b2bua_inbound_status(422, &status));
  CHECK(status == 503);
  CHECK_OK(sst_b2bua_inbound_status(0, &status));
  CHECK(status == 503);
  CHECK_OK(sst_b2bua_inbound_status(486, &status));
  CHECK(status == 486);
  CHECK_OK(sst_reason_phrase(status == 486 ? 502 : 0, buf, sizeof buf, &n));
  CHECK(n == 11 && memcmp(buf, "Bad Gateway", n) == 0);
}

/* The change journal keeps a store in step; a second node adopts a record
   whose BYE time passed while nobody owned it, and sends that BYE at once
   (RFC 4028 section 10; field notes 2.9). */
static void test_journal_and_adoption(void) {
  sst_engine *a = NULL;
  CHECK_OK(sst_engine_new(NULL, &a));
  CHECK_OK(sst_engine_track_changes(a, 1));
  sst_owner first = {1, 5};
  CHECK_OK(sst_engine_set_owner(a, first));
  sst_session *s = NULL;
  CHECK_OK(sst_session_new(false, false, &s));
  sst_timer theirs = {90, SST_SIDE_REMOTE};
  CHECK_OK(sst_session_apply(s, &theirs, 0));
  CHECK_OK(sst_engine_establish(a, 1, s));
  CHECK_OK(sst_engine_establish(a, 2, s));
  sst_session_free(s);
  CHECK_OK(sst_engine_remove(a, 2));
  sst_change c;
  size_t changes = 0;
  unsigned char record[SST_REPLICA_LEN];
  while (sst_engine_next_change(a, &c) == SST_RESULT_OK) {
    if (c.key == 1) {
      CHECK(c.kind == SST_CHANGE_KIND_ESTABLISHED && c.has_record && c.has_expiry);
      CHECK(c.expires_at_ms == 90000);
      memcpy(record, c.record, sizeof record);
    } else {
      CHECK(c.key == 2 && c.kind == SST_CHANGE_KIND_REMOVED && !c.has_record);
    }
    changes++;
  }
  CHECK(changes == 2);
  CHECK_IS(sst_engine_next_change(a, &c), SST_RESULT_NONE);
  CHECK_IS(sst_engine_next_change(a, NULL), SST_RESULT_NULL_PARAMETER);
  sst_owner found = {0, 0};
  CHECK_OK(sst_replica_owner(record, sizeof record, &found));
  CHECK(found.node == 1 && found.epoch == 5);
  sst_owner later = {2, 6};
  CHECK(sst_owner_supersedes(later, found) && !sst_owner_supersedes(found, later));
  unsigned char again[SST_REPLICA_LEN];
  size_t n = 0;
  CHECK_OK(sst_engine_replica(a, 1, again, sizeof again, &n));
  CHECK(n == SST_REPLICA_LEN && memcmp(again, record, n) == 0);

  sst_engine *b = NULL;
  CHECK_OK(sst_engine_new(NULL, &b));
  uint64_t key = 0;
  CHECK_IS(sst_engine_adopt(b, record, 10, 0, &key, &found), SST_RESULT_INVALID_SNAPSHOT);
  CHECK_OK(sst_engine_adopt(b, record, sizeof record, 200000, &key, &found));
  CHECK(key == 1 && found.epoch == 5);
  sst_action act;
  char buf[64];
  CHECK_OK(sst_engine_poll(b, 200000, &act, buf, sizeof buf, &n));
  CHECK(act.kind == SST_ACTION_KIND_SEND_BYE && act.reason == SST_TEARDOWN_NO_REFRESH_RECEIVED);
  sst_engine_free(b);
  sst_engine_free(a);
}

int main(void) {
  test_journal_and_adoption();
  test_uas_establish();
  test_names();
  test_policy();
  test_uas();
  test_uac_and_session();
  test_proxy_and_b2bua();
  test_snapshots();
  test_refreshed_batch();
  return summary("test_api");
}
