/*
 * sessiontimer: a Kamailio module on libsessiontimer (RFC 4028 session timers
 * for a proxy). Every session-timer decision comes from the C API
 * (include/sessiontimer.h); this module reads headers from the sip_msg, calls
 * the library and applies its header lines or replies.
 *
 * Where state lives (Kamailio forks workers and timer processes):
 *  - the policy and the sst_proxy: built in mod_init, before the fork, and
 *    never written again, so every process holds the same read-only copy;
 *  - what a forwarded request needs at its 2xx (sst_proxy_transaction): an
 *    AVP, which tm keeps with the transaction in shared memory, so the process
 *    that handles the reply reads what the request's process wrote;
 *  - a dialog's negotiated interval and refresher: dialog variables, which
 *    the dialog module keeps in shared memory and in its database;
 *  - the dialog's expiry: the dialog module's own timer (its lifetime), also
 *    shared and stored, so it survives a restart with a dialog database;
 *  - counters: Kamailio's counters (per process, summed when read).
 */

#ifndef SESSIONTIMER_MOD_H
#define SESSIONTIMER_MOD_H

#include "core/parser/msg_parser.h"
#include "core/counters.h"
#include "core/pvar.h"
#include "core/rpc.h"
#include "modules/dialog/dlg_load.h"
#include "sessiontimer.h"

/* The counters `kamcmd sessiontimer.stats` reports. */
struct st_counters {
	counter_handle_t sent_422;
	counter_handle_t sent_420;
	counter_handle_t inserted;
	counter_handle_t lowered;
	counter_handle_t raised;
	counter_handle_t completed_2xx;
	counter_handle_t expired;
	counter_handle_t malformed;
};

/* What the module was configured with, shared by its files. */
struct st_config {
	sst_proxy *proxy;
	int have_dialog;         /* the dialog module is loaded */
	struct dlg_binds dlg;    /* its API, when loaded */
	int expire_bye;          /* at expiry: BYE both sides (1) or end silently */
	int reject_too_small;    /* sst's reject_to_small: 0 never sends 422 */
	int enable_stats;
	struct st_counters cnt;
};

extern struct st_config st_cfg;

/* The last decision on one message, for $sst(...). */
struct st_last {
	unsigned int msg_id;
	int pid;
	uint32_t interval;
	uint32_t refresher; /* an sst_refresher */
};

extern struct st_last st_last;

/* st_msg.c: the message and the library */
int st_read_headers(struct sip_msg *msg, sst_headers **out, int *malformed);
int st_apply_lines(struct sip_msg *msg, const char *lines, size_t len);
int st_reply(struct sip_msg *msg, int status, const char *lines, size_t len,
		const char *problem);
int st_method(struct sip_msg *msg, uint32_t *method);
void st_count(counter_handle_t h);

/* st_route.c: script functions, $sst, RPC */
int st_w_request(struct sip_msg *msg, char *p1, char *p2);
int st_w_reply(struct sip_msg *msg, char *p1, char *p2);
int st_pv_parse(pv_spec_p sp, str *in);
int st_pv_get(struct sip_msg *msg, pv_param_t *param, pv_value_t *res);
void st_rpc_stats(rpc_t *rpc, void *ctx);

/* st_dialog.c: the dialog module */
int st_dialog_init(void);
void st_dialog_arm(struct sip_msg *msg, uint32_t interval, uint32_t refresher);
int st_dialog_get(struct sip_msg *msg, uint32_t *interval, uint32_t *refresher);

#endif
