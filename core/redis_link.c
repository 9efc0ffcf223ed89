#include "redis_link.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_trust.h"

bool redis_parse_address(const char *text, char *host, size_t hostlen,
			 int *port)
{
	const char *colon, *start = text, *end;
	char *tail;
	long value;

	if (text[0] == '[') {
		start = text + 1;
		end = strchr(start, ']');
		if (end == NULL || end[1] != ':')
			return false;
		colon = end + 1;
	} else {
		colon = strrchr(text, ':');
		end = colon;
	}
	if (colon == NULL || end == start || (size_t)(end - start) >= hostlen)
		return false;
	errno = 0;
	value = strtol(colon + 1, &tail, 10);
	if (colon[1] < '0' || colon[1] > '9' || *tail != '\0' || errno != 0 ||
	    value < 1 || value > 65535)
		return false;
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';
	*port = (int)value;
	return true;
}

static bool split_credentials(char *line, struct redis_credentials *out)
{
	char *space;

	line[strcspn(line, "\r\n")] = '\0';
	space = strchr(line, ' ');
	if (space != NULL) {
		*space = '\0';
		if (strlen(line) >= sizeof(out->user))
			return false;
		snprintf(out->user, sizeof(out->user), "%s", line);
		line = space + 1;
	}
	if (line[0] == '\0' || strlen(line) >= sizeof(out->password))
		return false;
	snprintf(out->password, sizeof(out->password), "%s", line);
	return true;
}

bool redis_credentials_load(const char *path, struct redis_credentials *out,
			    char *why, size_t whylen)
{
	char line[REDIS_USER_MAX + REDIS_PASSWORD_MAX + 2];
	char trouble[256];
	struct stat st;
	ssize_t got;
	int fd = relay_open_regular(path, O_RDONLY);
	bool ok = false;

	memset(out, 0, sizeof(*out));
	if (fd < 0) {
		snprintf(why, whylen, "password file %s: %s", path, strerror(errno));
		return false;
	}
	if (fstat(fd, &st) != 0 || !relay_file_trusted(&st, trouble, sizeof(trouble))) {
		snprintf(why, whylen, "password file %s: %s", path, trouble);
		goto done;
	}
	/* Whoever reads the password can write the relay view. */
	if ((st.st_mode & 077) != 0) {
		snprintf(why, whylen, "password file %s: mode %04o lets others "
				      "read it; want 0600 or 0400",
			 path,
			 (unsigned)(st.st_mode & 07777));
		goto done;
	}
	got = read(fd, line, sizeof(line) - 1);
	if (got <= 0) {
		snprintf(why, whylen, "password file %s: empty or unreadable", path);
		goto done;
	}
	line[got] = '\0';
	if (!split_credentials(line, out)) {
		snprintf(why, whylen, "password file %s: want one line, "
				      "\"USER PASSWORD\" or \"PASSWORD\"",
			 path);
		goto done;
	}
	out->given = true;
	ok = true;
done:
	explicit_bzero(line, sizeof(line));
	close(fd);
	return ok;
}

const char *redis_reply_fault(redisContext *c, const redisReply *reply,
			      int wanted_type)
{
	/* A blocking context reports its timeout as EAGAIN's text. */
	if (reply == NULL && c->err == REDIS_ERR_IO &&
	    strcmp(c->errstr, strerror(EAGAIN)) == 0)
		return "no answer within the timeout";
	if (reply == NULL)
		return c->errstr[0] != '\0' ? c->errstr : "no reply";
	if (reply->type == REDIS_REPLY_ERROR)
		return reply->str;
	if (reply->type != wanted_type)
		return "unexpected reply type";
	return NULL;
}

static redisContext *connect_to(const char *host, int port, unsigned ms,
				char *why, size_t whylen)
{
	struct timeval tv = { ms / 1000, (long)(ms % 1000) * 1000 };
	redisContext *c = redisConnectWithTimeout(host, port, tv);

	if (c == NULL) {
		snprintf(why, whylen, "redis %s:%d: out of memory", host, port);
		return NULL;
	}
	if (c->err != 0 || redisSetTimeout(c, tv) != REDIS_OK) {
		snprintf(why, whylen, "redis %s:%d: %s", host, port, c->errstr);
		redisFree(c);
		return NULL;
	}
	return c;
}

static bool authenticate(redisContext *c, const struct redis_credentials *cred,
			 const char *where, char *why, size_t whylen)
{
	redisReply *r;
	const char *fault;

	if (cred == NULL || !cred->given)
		return true;
	if (cred->user[0] != '\0')
		r = redisCommand(c, "AUTH %s %s", cred->user, cred->password);
	else
		r = redisCommand(c, "AUTH %s", cred->password);
	fault = redis_reply_fault(c, r, REDIS_REPLY_STATUS);
	if (fault != NULL)
		snprintf(why, whylen, "%s: AUTH: %s", where, fault);
	freeReplyObject(r);
	return fault == NULL;
}

/* Asks each Sentinel in turn for the primary's address. */
static bool ask_sentinels(const struct redis_target *t, char *host,
			  size_t hostlen, int *port, char *why, size_t whylen)
{
	char list[1024], *save = NULL;

	snprintf(list, sizeof(list), "%s", t->sentinels);
	snprintf(why, whylen, "no Sentinel given");
	for (char *one = strtok_r(list, ",", &save); one != NULL;
	     one = strtok_r(NULL, ",", &save)) {
		char shost[256], where[300];
		int sport;
		redisContext *c;
		redisReply *r;
		const char *fault;

		if (!redis_parse_address(one, shost, sizeof(shost), &sport)) {
			snprintf(why, whylen, "Sentinel \"%s\": not HOST:PORT", one);
			continue;
		}
		c = connect_to(shost, sport, t->timeout_ms, why, whylen);
		if (c == NULL)
			continue;
		snprintf(where, sizeof(where), "Sentinel %s:%d", shost, sport);
		if (!authenticate(c, t->sentinel_cred, where, why, whylen)) {
			redisFree(c);
			continue;
		}
		r = redisCommand(c, "SENTINEL get-master-addr-by-name %s", t->master);
		fault = redis_reply_fault(c, r, REDIS_REPLY_ARRAY);
		if (fault == NULL && (r->elements != 2 ||
				      r->element[0]->type != REDIS_REPLY_STRING ||
				      r->element[1]->type != REDIS_REPLY_STRING))
			fault = "no such primary";
		if (fault == NULL && (r->element[0]->len >= hostlen ||
				      (*port = atoi(r->element[1]->str)) <= 0))
			fault = "a garbled address";
		if (fault == NULL)
			snprintf(host, hostlen, "%s", r->element[0]->str);
		else
			snprintf(why, whylen, "Sentinel %s:%d on %s: %s", shost,
				 sport, t->master, fault);
		freeReplyObject(r);
		redisFree(c);
		if (fault == NULL)
			return true;
	}
	return false;
}

/* A replica would refuse the shipper's writes and serve stale reads
 * after a failover: only the primary will do. */
static bool is_primary(redisContext *c, const char *where, char *why,
		       size_t whylen)
{
	redisReply *r = redisCommand(c, "ROLE");
	const char *fault = redis_reply_fault(c, r, REDIS_REPLY_ARRAY);

	if (fault == NULL && (r->elements < 1 ||
			      r->element[0]->type != REDIS_REPLY_STRING))
		fault = "a garbled ROLE reply";
	if (fault == NULL && strcmp(r->element[0]->str, "master") != 0)
		fault = "a replica, not the primary";
	if (fault != NULL)
		snprintf(why, whylen, "%s: %s", where, fault);
	freeReplyObject(r);
	return fault == NULL;
}

redisContext *redis_link_open(const struct redis_target *target,
			      const struct redis_credentials *cred,
			      char *why, size_t whylen)
{
	char host[256], where[300];
	int port = 0;
	redisContext *c;

	if (target->sentinels != NULL) {
		if (!ask_sentinels(target, host, sizeof(host), &port, why, whylen))
			return NULL;
	} else if (target->address == NULL ||
		   !redis_parse_address(target->address, host, sizeof(host), &port)) {
		snprintf(why, whylen, "redis address \"%s\": not HOST:PORT",
			 target->address ? target->address : "");
		return NULL;
	}
	snprintf(where, sizeof(where), "redis %s:%d", host, port);
	c = connect_to(host, port, target->timeout_ms, why, whylen);
	if (c == NULL)
		return NULL;
	if (!authenticate(c, cred, where, why, whylen) ||
	    !is_primary(c, where, why, whylen)) {
		redisFree(c);
		return NULL;
	}
	return c;
}
