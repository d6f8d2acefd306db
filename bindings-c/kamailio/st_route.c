/*
 * The script functions, the $sst pseudo-variable and the RPC command of the
 * sessiontimer module. Each function hands the message to the library and
 * does what its decision says: forward with its header lines, answer with
 * its status, or complete a 2xx and arm the dialog's expiry.
 */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/dprint.h"
#include "core/pt.h"
#include "core/pvar.h"
#include "core/rpc.h"
#include "core/usr_avp.h"

#include "st_mod.h"

#define ST_LINES 512

static str avp_name = str_init("sessiontimer_transaction");

/* What the forwarded request's transaction keeps until its 2xx: an AVP,
 * stored with the tm transaction in shared memory. */
static int keep_transaction(const sst_proxy_transaction *t)
{
	char text[32];
	int_str name, value;

	snprintf(text, sizeof text, "%d,%d,%u", t->requested ? 1 : 0,
			t->uac_supports ? 1 : 0, t->interval);
	name.s = avp_name;
	value.s.s = text;
	value.s.len = (int)strlen(text);
	destroy_avps(AVP_NAME_STR, name, 1);
	return add_avp(AVP_NAME_STR | AVP_VAL_STR, name, value);
}

static int kept_transaction(sst_proxy_transaction *t)
{
	int_str name, value;
	int requested = 0, supports = 0;
	unsigned int interval = 0;
	char text[32];

	name.s = avp_name;
	if(search_first_avp(AVP_NAME_STR, name, &value, 0) == NULL
			|| value.s.len <= 0 || value.s.len >= (int)sizeof text)
		return -1;
	memcpy(text, value.s.s, value.s.len);
	text[value.s.len] = '\0';
	if(sscanf(text, "%d,%d,%u", &requested, &supports, &interval) != 3)
		return -1;
	t->requested = requested ? 1 : 0;
	t->uac_supports = supports ? 1 : 0;
	t->interval = interval;
	return 0;
}

static void remember(struct sip_msg *msg, uint32_t interval, uint32_t refresher)
{
	st_last.msg_id = msg->id;
	st_last.pid = my_pid();
	st_last.interval = interval;
	st_last.refresher = refresher;
}

/* 400 with the library's statement of the problem (RFC 3261 section 21.4.1). */
static int answer_malformed(struct sip_msg *msg)
{
	char problem[200];
	size_t n = 0;

	if(sst_last_error(problem, sizeof problem - 1, &n) != SST_RESULT_OK)
		n = 0;
	problem[n] = '\0';
	st_count(st_cfg.cnt.malformed);
	LM_INFO("sessiontimer: 400 to a malformed request: %s\n", problem);
	st_reply(msg, 400, NULL, 0, problem);
	return -1;
}

static void count_forward(sst_headers *h, const sst_proxy_transaction *t)
{
	uint32_t asked = 0;

	if(!t->requested)
		return;
	if(sst_headers_session_expires(h, &asked) != SST_RESULT_OK)
		st_count(st_cfg.cnt.inserted);
	else if(t->interval < asked)
		st_count(st_cfg.cnt.lowered);
	else if(t->interval > asked)
		st_count(st_cfg.cnt.raised);
}

static int forward(struct sip_msg *msg, sst_headers *h,
		const sst_proxy_transaction *t, const char *lines, size_t n)
{
	if(n > 0 && st_apply_lines(msg, lines, n) < 0)
		return -2;
	if(keep_transaction(t) < 0)
		return -2;
	count_forward(h, t);
	remember(msg, t->interval, SST_REFRESHER_NONE);
	return 1;
}

static int reject(struct sip_msg *msg, const sst_decision *d, const char *lines,
		size_t n)
{
	if(d->status == 422 && !st_cfg.reject_too_small)
		return 1; /* sst's reject_to_small=0: forward it as it came */
	st_count(d->status == 422 ? st_cfg.cnt.sent_422 : st_cfg.cnt.sent_420);
	return st_reply(msg, d->status, lines, n, NULL) < 0 ? -2 : -1;
}

/* sessiontimer_request(): the proxy's decision on an INVITE or UPDATE (RFC
 * 4028 section 8.1). 1: forward (the edits are applied); -1: answered (422,
 * 420 or 400); -2: internal failure. Other methods: 1, untouched. */
int st_w_request(struct sip_msg *msg, char *p1, char *p2)
{
	uint32_t method;
	sst_headers *h = NULL;
	sst_decision d;
	sst_proxy_transaction t;
	char lines[ST_LINES];
	size_t n = 0;
	int malformed, ret;

	if(msg->first_line.type != SIP_REQUEST || st_method(msg, &method) < 0)
		return -2;
	if(method == SST_METHOD_OTHER)
		return 1;
	if(st_read_headers(msg, &h, &malformed) < 0)
		return malformed ? answer_malformed(msg) : -2;
	memset(&t, 0, sizeof t);
	if(sst_proxy_on_request(
			   st_cfg.proxy, method, h, &d, &t, lines, sizeof lines, &n)
			!= SST_RESULT_OK)
		ret = -2;
	else if(d.kind == SST_DECISION_KIND_REJECT)
		ret = reject(msg, &d, lines, n);
	else
		ret = forward(msg, h, &t, lines, n);
	sst_headers_free(h);
	return ret;
}

/* sessiontimer_reply(): the 2xx of a request sessiontimer_request()
 * forwarded (section 8.2): completed when the UAS left the timer out, and
 * the dialog expires the interval after it. 1: done; -1: not such a 2xx, or
 * a malformed one (left as it is; the UAC answers it); -2: internal failure. */
int st_w_reply(struct sip_msg *msg, char *p1, char *p2)
{
	uint32_t method;
	sst_headers *h = NULL;
	sst_proxy_transaction t;
	sst_proxy_timer timer;
	char lines[ST_LINES];
	size_t n = 0;
	int malformed, code;

	if(msg->first_line.type != SIP_REPLY)
		return -1;
	code = msg->first_line.u.reply.statuscode;
	if(code < 200 || code > 299 || st_method(msg, &method) < 0
			|| method == SST_METHOD_OTHER || kept_transaction(&t) < 0)
		return -1;
	if(st_read_headers(msg, &h, &malformed) < 0) {
		if(malformed)
			st_count(st_cfg.cnt.malformed);
		return -1;
	}
	if(sst_proxy_on_2xx(st_cfg.proxy, &t, h, &timer, lines, sizeof lines, &n)
			!= SST_RESULT_OK) {
		sst_headers_free(h);
		return -2;
	}
	sst_headers_free(h);
	if(n > 0) {
		if(st_apply_lines(msg, lines, n) < 0)
			return -2;
		st_count(st_cfg.cnt.completed_2xx);
	}
	if(timer.interval > 0)
		st_dialog_arm(msg, timer.interval, timer.refresher);
	remember(msg, timer.interval, timer.refresher);
	return 1;
}

/* ---- $sst(interval), $sst(refresher) ----------------------------------- */

int st_pv_parse(pv_spec_p sp, str *in)
{
	int which;

	if(in == NULL || in->s == NULL)
		return -1;
	if(in->len == 8 && strncmp(in->s, "interval", 8) == 0)
		which = 1;
	else if(in->len == 9 && strncmp(in->s, "refresher", 9) == 0)
		which = 2;
	else {
		LM_ERR("sessiontimer: $sst(%.*s): use interval or refresher\n", in->len,
				in->s);
		return -1;
	}
	sp->pvp.pvn.type = PV_NAME_INTSTR;
	sp->pvp.pvn.u.isname.type = 0;
	sp->pvp.pvn.u.isname.name.n = which;
	return 0;
}

/* The timer of this message's decision, else the one its dialog records. */
int st_pv_get(struct sip_msg *msg, pv_param_t *param, pv_value_t *res)
{
	uint32_t interval = 0, refresher = SST_REFRESHER_NONE;

	if(st_last.msg_id == msg->id && st_last.pid == my_pid()) {
		interval = st_last.interval;
		refresher = st_last.refresher;
	} else if(st_dialog_get(msg, &interval, &refresher) < 0) {
		return pv_get_null(msg, param, res);
	}
	if(param->pvn.u.isname.name.n == 1)
		return interval ? pv_get_uintval(msg, param, res, interval)
						: pv_get_null(msg, param, res);
	if(refresher == SST_REFRESHER_UAC)
		return pv_get_strzval(msg, param, res, "uac");
	if(refresher == SST_REFRESHER_UAS)
		return pv_get_strzval(msg, param, res, "uas");
	return pv_get_null(msg, param, res);
}

/* ---- kamcmd sessiontimer.stats ----------------------------------------- */

void st_rpc_stats(rpc_t *rpc, void *ctx)
{
	struct st_counters *c = &st_cfg.cnt;
	void *th;

	if(rpc->add(ctx, "{", &th) < 0)
		return;
	rpc->struct_add(th, "dddddddd", "sent_422",
			(int)counter_get_val(c->sent_422), "sent_420",
			(int)counter_get_val(c->sent_420), "inserted",
			(int)counter_get_val(c->inserted), "lowered",
			(int)counter_get_val(c->lowered), "raised",
			(int)counter_get_val(c->raised), "completed_2xx",
			(int)counter_get_val(c->completed_2xx), "expired",
			(int)counter_get_val(c->expired), "malformed",
			(int)counter_get_val(c->malformed));
}
