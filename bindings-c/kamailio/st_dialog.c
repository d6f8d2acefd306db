/*
 * The dialog side of the sessiontimer module. A dialog's negotiated interval
 * and refresher are dialog variables; its expiry is the dialog's own
 * lifetime, set from the interval of each 2xx (RFC 4028 section 8.2, PX-23:
 * the proxy's expiration is the time the 2xx is forwarded plus the interval,
 * and each 2xx updates it). Both live in the dialog module's shared memory and
 * database, so every process sees them and a restart keeps them.
 */

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"
#include "core/kemi.h"
#include "core/sr_module.h"
#include "modules/dialog/dlg_hash.h"

#include "st_mod.h"

/* The dialog variable of the negotiated timer: "1800;uac". */
static str var_timer = str_init("sessiontimer");

/* The dialog module's dlg_set_timeout_id (its KEMI export): the one way its
 * public interfaces offer to set a dialog's lifetime. */
static sr_kemi_fmnnn_f set_timeout;

/* The dialog module's table of dialogs (its global d_table), for the lock of
 * a dialog's hash entry, which its API does not export: found through the
 * module's own handle. NULL when it cannot be found: the BYEs of an expired
 * dialog then go out unlocked, open to the race bye_both_sides describes. */
static struct dlg_table **dialogs;

static const char *refresher_name(uint32_t refresher)
{
	return refresher == SST_REFRESHER_UAC	? "uac"
		   : refresher == SST_REFRESHER_UAS ? "uas"
											: "";
}

/* BYE to both sides with the library's Reason (RFC 3326) at expiry. The
 * dialog module marks a timed-out dialog deleted before this callback runs,
 * and its BYE sender serves confirmed dialogs only: the dialog reads as
 * confirmed for the two BYEs, then as deleted again, under the lock of its
 * hash entry. Without the lock, the reply to the first BYE, handled by
 * another process, could find the dialog confirmed and end it a second time
 * (the dialog module then logged "bogus ref -1"), and the second BYE found
 * it deleted and was never sent: seen on a loaded machine with the dialog
 * database in realtime mode. The lock is re-entrant for this process, which
 * the dialog module takes again while it sends. */
static void bye_both_sides(struct dlg_cell *dlg)
{
	char buf[160];
	size_t n = 0;
	str hdrs;
	unsigned int state;
	struct dlg_entry *entry;

	memcpy(buf, "Reason: ", 8);
	if(sst_bye_reason(SST_TEARDOWN_NO_REFRESH_RECEIVED, 0, buf + 8,
			   sizeof(buf) - 10, &n)
			!= SST_RESULT_OK)
		return;
	memcpy(buf + 8 + n, "\r\n", 2);
	hdrs.s = buf;
	hdrs.len = (int)(8 + n + 2);
	entry = dialogs != NULL && *dialogs != NULL
					? &(*dialogs)->entries[dlg->h_entry]
					: NULL;
	if(entry != NULL)
		dlg_lock(*dialogs, entry);
	state = dlg->state;
	dlg->state = DLG_STATE_CONFIRMED;
	if(st_cfg.dlg.terminate_dlg(dlg, &hdrs) < 0)
		LM_ERR("sessiontimer: the BYEs of an expired dialog failed\n");
	dlg->state = state;
	if(entry != NULL)
		dlg_unlock(*dialogs, entry);
}

static void on_expired(struct dlg_cell *dlg, int type, struct dlg_cb_params *p)
{
	if(!st_cfg.dlg.get_dlg_varstatus(dlg, &var_timer))
		return; /* a dialog reloaded from the database without a timer */
	LM_INFO("sessiontimer: dialog %.*s expired without a refresh\n",
			dlg->callid.len, dlg->callid.s);
	st_count(st_cfg.cnt.expired);
	if(st_cfg.expire_bye)
		bye_both_sides(dlg);
}

/* A dialog reloaded from the database after a restart: its timer runs on in
 * the dialog module; the expiry callback is registered again. */
static void on_loaded(struct dlg_cell *dlg, int type, struct dlg_cb_params *p)
{
	if(st_cfg.dlg.register_dlgcb(dlg, DLGCB_EXPIRED, on_expired, 0, 0) != 0)
		LM_ERR("sessiontimer: cannot watch a reloaded dialog\n");
}

/* The dialog module's d_table, through the handle Kamailio loaded it with. */
static struct dlg_table **dialog_table(void)
{
	char name[] = "dialog";
	struct sr_module *module = find_module_by_name(name);

	if(module == NULL || module->handle == NULL)
		return NULL;
	return (struct dlg_table **)dlsym(module->handle, "d_table");
}

/* The dialog module's KEMI export `name`. */
static sr_kemi_t *dialog_export(const char *name)
{
	str module = str_init("dialog"), fname;
	sr_kemi_module_t *modules = sr_kemi_modules_get();
	int i;

	fname.s = (char *)name;
	fname.len = (int)strlen(name);
	for(i = 0; i < sr_kemi_modules_size_get(); i++)
		if(modules[i].mname.len == module.len
				&& strncmp(modules[i].mname.s, module.s, module.len) == 0)
			return sr_kemi_lookup(&module, i, &fname);
	return NULL;
}

int st_dialog_init(void)
{
	sr_kemi_t *export;

	if(load_dlg_api(&st_cfg.dlg) != 0) {
		LM_INFO("sessiontimer: no dialog module: no expiry is enforced\n");
		return 0;
	}
	export = dialog_export("dlg_set_timeout_id");
	if(export == NULL || export->func == NULL) {
		LM_ERR("sessiontimer: the dialog module has no dlg_set_timeout_id\n");
		return -1;
	}
	set_timeout = (sr_kemi_fmnnn_f)export->func;
	dialogs = dialog_table();
	if(dialogs == NULL)
		LM_WARN("sessiontimer: the dialog module's table is out of reach: "
				"the BYEs of an expired dialog go out unlocked\n");
	if(st_cfg.dlg.register_dlgcb(NULL, DLGCB_LOADED, on_loaded, 0, 0) != 0)
		return -1;
	st_cfg.have_dialog = 1;
	return 0;
}

/* The 2xx of `msg` set up or refreshed a session of `interval` seconds: the
 * dialog records it (the first time, with the expiry callback) and expires
 * `interval` seconds from now. */
void st_dialog_arm(struct sip_msg *msg, uint32_t interval, uint32_t refresher)
{
	struct dlg_cell *dlg;
	char text[24];
	str value;
	unsigned int entry, id;

	if(!st_cfg.have_dialog || (dlg = st_cfg.dlg.get_dlg(msg)) == NULL)
		return;
	value.s = text;
	value.len = snprintf(text, sizeof text, "%u;%s", interval,
			refresher_name(refresher));
	if(!st_cfg.dlg.get_dlg_varstatus(dlg, &var_timer)
			&& st_cfg.dlg.register_dlgcb(dlg, DLGCB_EXPIRED, on_expired, 0, 0)
					   != 0)
		LM_ERR("sessiontimer: cannot watch the dialog's expiry\n");
	if(st_cfg.dlg.set_dlg_var(dlg, &var_timer, &value) != 0)
		LM_ERR("sessiontimer: cannot record the timer in the dialog\n");
	entry = dlg->h_entry;
	id = dlg->h_id;
	st_cfg.dlg.release_dlg(dlg);
	if(set_timeout(msg, (int)interval, (int)entry, (int)id) < 0)
		LM_ERR("sessiontimer: cannot set the dialog's timeout\n");
}

/* The interval and refresher recorded in the dialog of `msg`. */
int st_dialog_get(struct sip_msg *msg, uint32_t *interval, uint32_t *refresher)
{
	struct dlg_cell *dlg;
	char *side;
	str v;
	int found = -1;

	if(!st_cfg.have_dialog || (dlg = st_cfg.dlg.get_dlg(msg)) == NULL)
		return -1;
	/* get_dlg_varval copies into a NUL-terminated static buffer */
	if(st_cfg.dlg.get_dlg_varval(dlg, &var_timer, &v) == 0 && v.s) {
		*interval = (uint32_t)strtoul(v.s, &side, 10);
		*refresher = strncmp(side, ";uac", 4) == 0	 ? SST_REFRESHER_UAC
					 : strncmp(side, ";uas", 4) == 0 ? SST_REFRESHER_UAS
													 : SST_REFRESHER_NONE;
		found = 0;
	}
	st_cfg.dlg.release_dlg(dlg);
	return found;
}
