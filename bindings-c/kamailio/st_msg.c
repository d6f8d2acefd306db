/*
 * The message side of the sessiontimer module: header rows from a sip_msg to
 * the library, the library's header lines back onto the message, and replies.
 * No session-timer rule lives here: every decision is the library's.
 */

#include <string.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/data_lump.h"
#include "core/data_lump_rpl.h"
#include "core/parser/parse_cseq.h"
#include "modules/sl/sl.h"

#include "st_mod.h"

extern sl_api_t st_slb;

void st_count(counter_handle_t h)
{
	if(st_cfg.enable_stats)
		counter_inc(h);
}

/* The method of a request, or of the request a reply answers (CSeq). */
int st_method(struct sip_msg *msg, uint32_t *method)
{
	int id;

	if(msg->first_line.type == SIP_REQUEST) {
		id = msg->first_line.u.request.method_value;
	} else {
		if(parse_headers(msg, HDR_CSEQ_F, 0) < 0 || msg->cseq == NULL
				|| msg->cseq->parsed == NULL)
			return -1;
		id = get_cseq(msg)->method_id;
	}
	*method = id == METHOD_INVITE   ? SST_METHOD_INVITE
			  : id == METHOD_UPDATE ? SST_METHOD_UPDATE
									: SST_METHOD_OTHER;
	return 0;
}

/* A header value as one line: a folded value's CR and LF read as spaces
 * (RFC 3261 section 7.3.1), in `copy` (pkg memory) when it had any. */
static const char *one_line(str *body, char **copy)
{
	int i;

	*copy = NULL;
	if(memchr(body->s, '\r', body->len) == NULL
			&& memchr(body->s, '\n', body->len) == NULL)
		return body->s;
	*copy = pkg_malloc(body->len ? body->len : 1);
	if(*copy == NULL)
		return NULL;
	for(i = 0; i < body->len; i++)
		(*copy)[i] = (body->s[i] == '\r' || body->s[i] == '\n') ? ' '
																 : body->s[i];
	return *copy;
}

/* Whether the library reads a header of this type: Kamailio's own parser
 * has classified each name (compact forms and any case included), so only
 * these rows cross into the library, which checks them again by name. */
static int timer_header(int type)
{
	switch(type) {
		case HDR_SESSIONEXPIRES_T:
		case HDR_MIN_SE_T:
		case HDR_SUPPORTED_T:
		case HDR_REQUIRE_T:
		case HDR_PROXYREQUIRE_T:
		case HDR_UNSUPPORTED_T:
		case HDR_ALLOW_T:
			return 1;
		default:
			return 0;
	}
}

#define ST_MAX_ROWS 64

/* The message's session-timer header rows read by the library. -1 on
 * failure; with *malformed set when one of them is malformed (answer 400). */
int st_read_headers(struct sip_msg *msg, sst_headers **out, int *malformed)
{
	struct hdr_field *hf;
	sst_header rows[ST_MAX_ROWS];
	char *copies[ST_MAX_ROWS];
	int n = 0, i;
	sst_result r;

	*malformed = 0;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -1;
	for(hf = msg->headers; hf; hf = hf->next) {
		if(!timer_header(hf->type))
			continue;
		if(n == ST_MAX_ROWS) {
			LM_WARN("sessiontimer: more than %d session-timer rows\n", n);
			break;
		}
		rows[n].name = hf->name.s;
		rows[n].name_len = hf->name.len;
		rows[n].value = one_line(&hf->body, &copies[n]);
		rows[n].value_len = rows[n].value ? hf->body.len : 0;
		if(rows[n].value == NULL)
			rows[n].value = "";
		n++;
	}
	r = hf ? SST_RESULT_INVALID_ARGUMENT : sst_headers_new(rows, n, out);
	for(i = 0; i < n; i++)
		if(copies[i])
			pkg_free(copies[i]);
	if(r == SST_RESULT_MALFORMED_HEADER)
		*malformed = 1;
	return r == SST_RESULT_OK ? 0 : -1;
}

/* Whether `line` sets a header whose rows it replaces (Session-Expires or
 * Min-SE); an option tag line (Require: timer, ...) is added beside the
 * message's own rows, which RFC 3261 section 7.3.1 reads as one list. */
static int replaces(const char *line, size_t len, int *type)
{
	if(len >= 16 && strncasecmp(line, "Session-Expires:", 16) == 0) {
		*type = HDR_SESSIONEXPIRES_T;
		return 1;
	}
	if(len >= 7 && strncasecmp(line, "Min-SE:", 7) == 0) {
		*type = HDR_MIN_SE_T;
		return 1;
	}
	return 0;
}

static int remove_rows(struct sip_msg *msg, int type)
{
	struct hdr_field *hf;

	for(hf = msg->headers; hf; hf = hf->next) {
		if(hf->type != type)
			continue;
		if(del_lump(msg, hf->name.s - msg->buf, hf->len, 0) == NULL)
			return -1;
	}
	return 0;
}

static int add_line(struct sip_msg *msg, const char *line, size_t len)
{
	struct lump *anchor;
	char *copy;

	anchor = anchor_lump(msg, msg->unparsed - msg->buf, 0, 0);
	copy = pkg_malloc(len);
	if(anchor == NULL || copy == NULL) {
		if(copy)
			pkg_free(copy);
		return -1;
	}
	memcpy(copy, line, len);
	if(insert_new_lump_before(anchor, copy, len, 0) == NULL) {
		pkg_free(copy);
		return -1;
	}
	return 0;
}

/* Sets the library's header lines ("Name: value\r\n" each) on the message. */
int st_apply_lines(struct sip_msg *msg, const char *lines, size_t len)
{
	const char *end = lines + len, *eol;
	int type;

	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -1;
	while(lines < end) {
		eol = memchr(lines, '\n', end - lines);
		eol = eol ? eol + 1 : end;
		if(replaces(lines, eol - lines, &type) && remove_rows(msg, type) < 0)
			return -1;
		if(add_line(msg, lines, eol - lines) < 0)
			return -1;
		lines = eol;
	}
	return 0;
}

/* A reason phrase: the library's, or the problem the request had. */
static void reason_of(int status, const char *problem, char *buf, str *out)
{
	size_t n = 0, i;

	if(problem != NULL && problem[0] != '\0') {
		for(i = 0; problem[i] && n < 120; i++)
			buf[n++] = (problem[i] >= 0x20 && problem[i] < 0x7f) ? problem[i]
																 : ' ';
	} else if(sst_reason_phrase(status, buf, 127, &n) != SST_RESULT_OK) {
		n = 0;
	}
	out->s = buf;
	out->len = (int)n;
}

/* Answers the request with `status` and the library's header lines. */
int st_reply(struct sip_msg *msg, int status, const char *lines, size_t len,
		const char *problem)
{
	const char *end = lines + len, *eol;
	char buf[128];
	str reason;

	while(lines && lines < end) {
		eol = memchr(lines, '\n', end - lines);
		eol = eol ? eol + 1 : end;
		if(add_lump_rpl(msg, (char *)lines, eol - lines, LUMP_RPL_HDR) == NULL)
			return -1;
		lines = eol;
	}
	reason_of(status, problem, buf, &reason);
	return st_slb.freply(msg, status, &reason) < 0 ? -1 : 0;
}
