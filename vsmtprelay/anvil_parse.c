/* Strict parsing of anvil's CONNECT-DUMP answer (see anvil.h).  One bad
 * line refuses the whole answer: an answer that is not what Dovecot
 * writes is not trusted to say who is logged in. */
#include "anvil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

#define SERVICE_MAX 32

static enum anvil_status refuse(struct anvil_error *err, size_t line_no,
				const char *line, size_t len, const char *why)
{
	char shown[RELAY_ESCAPE_TEXT_MAX];

	err->status = ANVIL_PROTOCOL;
	snprintf(err->text, sizeof(err->text),
		 "anvil's answer is malformed at line %zu (%s): \"%s\"; "
		 "nothing was changed",
		 line_no, why,
		 relay_escape(line, len, shown));
	return ANVIL_PROTOCOL;
}

/* Undoes Dovecot's str_append_tabescaped() in place.  Only the escapes
 * it writes are accepted; a raw NUL is refused.  Returns the new length,
 * or -1. */
static long tab_unescape(char *text, size_t len)
{
	size_t in = 0, out = 0;

	while (in < len) {
		char c = text[in++];

		if (c == '\0')
			return -1;
		if (c == '\001') {
			if (in == len)
				return -1;
			switch (text[in++]) {
			case '1': c = '\001'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'n': c = '\n'; break;
			default: return -1;
			}
		}
		text[out++] = c;
	}
	text[out] = '\0';
	return (long)out;
}

/* 1 to 10 decimal digits, at least min, at most max. */
static bool parse_number(const char *text, size_t len, unsigned long min,
			 unsigned long max, unsigned long *out)
{
	uint64_t value = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		value = value * 10 + (uint64_t)(text[i] - '0');
	}
	if (value < min || value > max)
		return false;
	*out = (unsigned long)value;
	return true;
}

static bool service_name_ok(const char *text, size_t len)
{
	if (len == 0 || len > SERVICE_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((text[i] >= 'a' && text[i] <= 'z') ||
		      (text[i] >= '0' && text[i] <= '9') || text[i] == '-'))
			return false;
	return true;
}

static bool grow(struct anvil_sessions *out, size_t *cap)
{
	struct anvil_session *more;
	size_t want = *cap ? *cap * 2 : 64;

	if (out->count < *cap)
		return true;
	more = realloc(out->item, want * sizeof(*more));
	if (more == NULL)
		return false;
	out->item = more;
	*cap = want;
	return true;
}

struct line_ctx {
	char *text; /* the line, NUL-terminated in place */
	size_t len;
	size_t no;
	/* The line as received, cut where relay_escape() cuts, for errors;
	 * copy_len is the whole line's length, so a cut line is marked. */
	char copy[RELAY_ESCAPE_INPUT_MAX];
	size_t copy_len;
};

/* The ident, already unescaped once: SERVICE/IP/USER for imap and pop3. */
static enum anvil_status parse_ident(struct line_ctx *l, char *ident,
				     size_t len, struct anvil_sessions *out,
				     struct anvil_session *s, bool *keep,
				     struct anvil_error *err)
{
	char *slash = memchr(ident, '/', len), *ip, *user;
	long user_len;

	*keep = false;
	if (slash == NULL || !service_name_ok(ident, (size_t)(slash - ident)))
		return refuse(err, l->no, l->copy, l->copy_len,
			      "no SERVICE/ before the session");
	*slash = '\0';
	s->service = ident;
	if (strcmp(ident, "imap") != 0 && strcmp(ident, "pop3") != 0) {
		out->other_service++; /* lmtp: a delivery, not a login */
		return ANVIL_OK;
	}
	ip = slash + 1;
	user = memchr(ip, '/', len - (size_t)(ip - ident));
	if (user == NULL || user == ip) {
		out->without_addr++; /* a session with no client address */
		return ANVIL_OK;
	}
	if (!relay_addr_parse_n(ip, (size_t)(user - ip), &s->addr))
		return refuse(err, l->no, l->copy, l->copy_len,
			      "the client address is not an IP address");
	user++;
	user_len = tab_unescape(user, len - (size_t)(user - ident));
	if (user_len < 0)
		return refuse(err, l->no, l->copy, l->copy_len,
			      "bad escape or NUL in the user name");
	s->user = user;
	*keep = true;
	return ANVIL_OK;
}

static enum anvil_status parse_line(struct line_ctx *l,
				    struct anvil_sessions *out, size_t *cap,
				    struct anvil_error *err)
{
	char *tab1 = memchr(l->text, '\t', l->len), *tab2, *end = l->text + l->len;
	struct anvil_session s = { 0 };
	long ident_len;
	bool keep;
	enum anvil_status status;

	tab2 = tab1 ? memchr(tab1 + 1, '\t', (size_t)(end - tab1 - 1)) : NULL;
	if (tab2 == NULL || memchr(tab2 + 1, '\t', (size_t)(end - tab2 - 1)))
		return refuse(err, l->no, l->copy, l->copy_len,
			      "not IDENT<TAB>PID<TAB>COUNT");
	if (!parse_number(tab1 + 1, (size_t)(tab2 - tab1 - 1), 1, INT32_MAX,
			  &s.pid))
		return refuse(err, l->no, l->copy, l->copy_len, "bad pid");
	if (!parse_number(tab2 + 1, (size_t)(end - tab2 - 1), 1, UINT32_MAX,
			  &s.count))
		return refuse(err, l->no, l->copy, l->copy_len,
			      "bad connection count");
	ident_len = tab_unescape(l->text, (size_t)(tab1 - l->text));
	if (ident_len < 0)
		return refuse(err, l->no, l->copy, l->copy_len,
			      "bad escape or NUL in the ident");
	status = parse_ident(l, l->text, (size_t)ident_len, out, &s, &keep, err);
	if (status != ANVIL_OK || !keep)
		return status;
	if (!grow(out, cap)) {
		err->status = ANVIL_NOMEM;
		snprintf(err->text, sizeof(err->text),
			 "out of memory for anvil's %zu sessions", out->count);
		return ANVIL_NOMEM;
	}
	out->item[out->count++] = s;
	return ANVIL_OK;
}

enum anvil_status anvil_parse_answer(char *text, size_t len,
				     struct anvil_sessions *out,
				     struct anvil_error *err)
{
	size_t pos = 0, cap = 0;

	memset(out, 0, sizeof(*out));
	for (;;) {
		char *nl = pos < len ? memchr(text + pos, '\n', len - pos) : NULL;
		struct line_ctx l = { .text = text + pos, .no = out->lines + 1 };
		enum anvil_status status;

		if (nl == NULL) {
			anvil_sessions_free(out);
			return refuse(err, l.no, text + pos, len - pos,
				      "the answer has no end");
		}
		l.len = (size_t)(nl - l.text);
		l.copy_len = l.len;
		memcpy(l.copy, l.text,
		       l.len < sizeof(l.copy) ? l.len : sizeof(l.copy));
		if (l.len == 0)
			break;
		*nl = '\0';
		out->lines++;
		status = l.len > ANVIL_LINE_MAX ? refuse(err, l.no, l.copy, l.copy_len, "line too long") : parse_line(&l, out, &cap, err);
		if (status != ANVIL_OK) {
			anvil_sessions_free(out);
			return status;
		}
		pos = (size_t)(nl - text) + 1;
	}
	if (pos + 1 != len) {
		anvil_sessions_free(out);
		return refuse(err, out->lines + 2, text + pos + 1, len - pos - 1,
			      "text after the end of the answer");
	}
	return ANVIL_OK;
}

void anvil_sessions_free(struct anvil_sessions *sessions)
{
	free(sessions->item);
	free(sessions->answer);
	memset(sessions, 0, sizeof(*sessions));
}
