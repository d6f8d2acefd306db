/*
 * sessiontimer: RFC 4028 session timers for a Kamailio proxy, every decision
 * made by libsessiontimer. A drop-in for the sst module (README, "Kamailio
 * module"): the same parameter names where the meaning is the same.
 *
 *   sessiontimer_request()  INVITE / re-INVITE / UPDATE, request route:
 *                           forward with the library's edits (1), or answer
 *                           422 / 420 / 400 (-1); -2 on an internal failure.
 *   sessiontimer_reply()    its 2xx, onreply_route: complete it (section
 *                           8.2) and arm the dialog's expiry (1); -1 when the
 *                           reply is not one to handle.
 *   $sst(interval), $sst(refresher)   the negotiated timer.
 *   kamcmd sessiontimer.stats         the counters.
 */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/mod_fix.h"
#include "core/pvar.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/usr_avp.h"
#include "modules/sl/sl.h"

#include "st_mod.h"

MODULE_VERSION

struct st_config st_cfg;
struct st_last st_last;
sl_api_t st_slb;

/* Module parameters: every knob of the library's policy, by its name. */
static char *p_preset = NULL, *p_mode = NULL, *p_refresher = NULL;
static char *p_refresh_method = NULL, *p_bye_margin = NULL;
static char *p_expire_action = "silent";
static int p_session_expires = -1, p_min_se = -1, p_max_se = -1;
static int p_max_422 = -1, p_raise = -1, p_insert = -1, p_consume = -1;
static int p_silent_peer = -1, p_accept_501 = -1;
static int p_reject = 1, p_stats = 1;

static int mod_init(void);
static void mod_destroy(void);

static cmd_export_t cmds[] = {
	{"sessiontimer_request", (cmd_function)st_w_request, 0, 0, 0, REQUEST_ROUTE},
	{"sessiontimer_reply", (cmd_function)st_w_reply, 0, 0, 0, ONREPLY_ROUTE},
	{0, 0, 0, 0, 0, 0}};

static param_export_t params[] = {{"preset", PARAM_STRING, &p_preset},
		{"mode", PARAM_STRING, &p_mode},
		{"session_expires", INT_PARAM, &p_session_expires},
		{"min_se", INT_PARAM, &p_min_se},
		{"max_session_expires", INT_PARAM, &p_max_se},
		{"refresher", PARAM_STRING, &p_refresher},
		{"refresh_method", PARAM_STRING, &p_refresh_method},
		{"bye_margin", PARAM_STRING, &p_bye_margin},
		{"max_422_retries", INT_PARAM, &p_max_422},
		{"raise_unsupported_interval", INT_PARAM, &p_raise},
		{"insert_on_outbound_leg", INT_PARAM, &p_insert},
		{"consume_refreshes", INT_PARAM, &p_consume},
		{"refresh_for_silent_peer", INT_PARAM, &p_silent_peer},
		{"accept_501_as_refreshed", INT_PARAM, &p_accept_501},
		{"expire_action", PARAM_STRING, &p_expire_action},
		{"reject_to_small", INT_PARAM, &p_reject},
		{"enable_stats", INT_PARAM, &p_stats}, {0, 0, 0}};

static pv_export_t pvs[] = {{{"sst", sizeof("sst") - 1}, PVT_OTHER, st_pv_get, 0,
									st_pv_parse, 0, 0, 0},
		{{0, 0}, 0, 0, 0, 0, 0, 0, 0}};

static const char *rpc_stats_doc[] = {
		"Counters: 422 and 420 sent, intervals inserted, lowered, raised, "
		"2xx completed, dialogs ended at expiry, malformed headers.",
		0};

static rpc_export_t rpcs[] = {
		{"sessiontimer.stats", st_rpc_stats, rpc_stats_doc, 0}, {0, 0, 0, 0}};

struct module_exports exports = {"sessiontimer", DEFAULT_DLFLAGS, cmds,
		params, rpcs, pvs, 0, mod_init, 0, mod_destroy};

/* ---- configuration ------------------------------------------------------ */

/* The index of `text` in `names`, or -1. */
static int name_index(const char *text, const char *const *names, int n)
{
	int i;

	for(i = 0; i < n; i++)
		if(strcasecmp(text, names[i]) == 0)
			return i;
	return -1;
}

/* Sets an enum knob given by name (the library's names, as in Python). */
static int set_enum(const char *param, const char *text,
		const char *const *names, int n, uint32_t *field)
{
	int i;

	if(text == NULL)
		return 0;
	i = name_index(text, names, n);
	if(i < 0) {
		LM_ERR("sessiontimer: %s=\"%s\" is not a known value\n", param, text);
		return -1;
	}
	*field = (uint32_t)i;
	return 0;
}

static void set_int(int value, uint32_t *field)
{
	if(value >= 0)
		*field = (uint32_t)value;
}

static void set_flag(int value, sst_bool *field)
{
	if(value >= 0)
		*field = value ? 1 : 0;
}

/* The policy: the preset (or the RFC's defaults), then each knob given. */
static int build_policy(sst_policy *p)
{
	static const char *const modes[] = {
			"off", "accept", "originate", "required", "always"};
	static const char *const refreshers[] = {
			"auto", "local", "remote", "uac", "uas"};
	static const char *const methods[] = {"auto", "reinvite_only"};
	static const char *const margins[] = {"rfc", "one_tenth", "none"};
	sst_result r;

	r = p_preset ? sst_policy_preset(p_preset, strlen(p_preset), p)
				 : sst_policy_default(p);
	if(r != SST_RESULT_OK) {
		LM_ERR("sessiontimer: preset \"%s\": %s\n", p_preset ? p_preset : "",
				sst_result_str(r));
		return -1;
	}
	if(set_enum("mode", p_mode, modes, 5, &p->mode) < 0
			|| set_enum("refresher", p_refresher, refreshers, 5, &p->refresher)
					   < 0
			|| set_enum("refresh_method", p_refresh_method, methods, 2,
					   &p->refresh_method)
					   < 0
			|| set_enum("bye_margin", p_bye_margin, margins, 3, &p->bye_margin)
					   < 0)
		return -1;
	set_int(p_session_expires, &p->session_expires);
	set_int(p_min_se, &p->min_se);
	set_int(p_max_se, &p->max_session_expires);
	if(p_max_422 >= 0)
		p->max_422_retries = (uint8_t)(p_max_422 > 255 ? 255 : p_max_422);
	set_flag(p_raise, &p->raise_unsupported_interval);
	set_flag(p_insert, &p->insert_on_outbound_leg);
	set_flag(p_consume, &p->consume_refreshes);
	set_flag(p_silent_peer, &p->refresh_for_silent_peer);
	set_flag(p_accept_501, &p->accept_501_as_refreshed);
	return 0;
}

static int register_counters(void)
{
	struct {
		counter_handle_t *h;
		const char *name;
		const char *doc;
	} defs[] = {
			{&st_cfg.cnt.sent_422, "sent_422", "422 responses sent"},
			{&st_cfg.cnt.sent_420, "sent_420", "420 responses sent"},
			{&st_cfg.cnt.inserted, "inserted", "intervals inserted"},
			{&st_cfg.cnt.lowered, "lowered", "intervals lowered"},
			{&st_cfg.cnt.raised, "raised", "intervals raised"},
			{&st_cfg.cnt.completed_2xx, "completed_2xx", "2xx completed"},
			{&st_cfg.cnt.expired, "expired", "dialogs ended at expiry"},
			{&st_cfg.cnt.malformed, "malformed", "malformed headers"},
	};
	size_t i;

	for(i = 0; i < sizeof defs / sizeof defs[0]; i++)
		if(counter_register(defs[i].h, "sessiontimer", defs[i].name, 0, 0, 0,
				   defs[i].doc, 0)
				< 0)
			return -1;
	return 0;
}

static int mod_init(void)
{
	sst_policy policy;
	sst_result r;
	char err[256];
	size_t n = 0;

	if(build_policy(&policy) < 0)
		return -1;
	r = sst_proxy_new(&policy, &st_cfg.proxy);
	if(r != SST_RESULT_OK) {
		if(sst_last_error(err, sizeof err - 1, &n) != SST_RESULT_OK)
			n = 0;
		err[n] = '\0';
		LM_ERR("sessiontimer: bad settings: %s\n", err);
		return -1;
	}
	if(strcasecmp(p_expire_action, "bye") != 0
			&& strcasecmp(p_expire_action, "silent") != 0) {
		LM_ERR("sessiontimer: expire_action must be \"bye\" or \"silent\"\n");
		return -1;
	}
	st_cfg.expire_bye = strcasecmp(p_expire_action, "bye") == 0;
	st_cfg.reject_too_small = p_reject;
	st_cfg.enable_stats = p_stats;
	if(sl_load_api(&st_slb) != 0) {
		LM_ERR("sessiontimer: the sl module must be loaded\n");
		return -1;
	}
	if(register_counters() < 0 || st_dialog_init() < 0)
		return -1;
	return 0;
}

static void mod_destroy(void)
{
	sst_proxy_free(st_cfg.proxy);
	st_cfg.proxy = NULL;
}
