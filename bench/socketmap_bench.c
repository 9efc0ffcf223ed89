/* socketmap_bench: lookups through relayersd's socket, and the floor an
 * MTA pays today, a Berkeley DB lookup in the map mapgen exports.
 *
 *   socketmap_bench socket ADDRESS CLIENTS LOOKUPS ENTRIES
 *	CLIENTS threads, each with its own connection to ADDRESS (unix:PATH
 *	or inet:HOST:PORT), each sending one request at a time as sendmail
 *	does ("relayers KEY" netstrings) and reading the whole reply before
 *	the next: LOOKUPS requests in all, shared out evenly.
 *   socketmap_bench bdb MAP.db LOOKUPS ENTRIES
 *	the first socket client's keys in one process, the map kept open,
 *	each lookup bracketed as sendmail 8.17 brackets it (FIELD-NOTES):
 *	fstat for the mtime, flock(LOCK_SH), get, flock(LOCK_UN).
 *
 * Keys are the store_fill entries 0..ENTRIES-1 as sendmail writes
 * ${client_addr} (a dotted quad, or "ipv6:" and the full form), spread
 * over the whole store; with ENTRIES 0, addresses no store holds.  Each
 * request is timed alone with CLOCK_MONOTONIC.  Prints one line:
 * "LABEL n=.. mean=.. p50=.. p99=.. max=.. (us)", then
 * "lookups_per_s=.. found=.. notfound=.. other=..".  Exits 69 if it
 * cannot connect or open, 70 on a broken reply. */
#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "addresses.h"
#include "samples.h"

#define KEY_MAX 64
#define REPLY_MAX 4096
#define MAP_NAME "relayers"

struct tally {
	unsigned long found, notfound, other;
};

struct client {
	pthread_t thread;
	const char *address;
	unsigned long first, count, entries;
	int fd;
	struct samples samples;
	struct tally tally;
	pthread_barrier_t *start;
	const char *error;
};

/* The n-th key, spread over the store by a stride prime to any size. */
static void key_of(unsigned long n, unsigned long entries, char key[KEY_MAX])
{
	struct relay_addr addr;

	if (entries == 0) {
		/* 192.0.2.0/24 and beyond: never filled, never logged in. */
		snprintf(key, KEY_MAX, "192.0.%lu.%lu", 2 + (n >> 8) % 200, n & 255);
		return;
	}
	filled_entry_addr((uint32_t)((n * 2654435761u) % entries), &addr);
	if (addr.family == AF_INET) {
		snprintf(key, KEY_MAX, "%u.%u.%u.%u", addr.octets[0],
			 addr.octets[1], addr.octets[2], addr.octets[3]);
		return;
	}
	int len = snprintf(key, KEY_MAX, "ipv6:");
	for (int i = 0; i < 16; i += 2)
		len += snprintf(key + len, (size_t)(KEY_MAX - len), "%s%x",
				i == 0 ? "" : ":",
				addr.octets[i] << 8 | addr.octets[i + 1]);
}

static int connect_to(const char *address)
{
	int fd = -1;

	if (strncmp(address, "unix:", 5) == 0) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		if (strlen(address + 5) >= sizeof(sun.sun_path))
			return -1;
		strcpy(sun.sun_path, address + 5);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
			close(fd);
			fd = -1;
		}
	} else if (strncmp(address, "inet:", 5) == 0) {
		char host[256];
		const char *port = strrchr(address + 5, ':');
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;

		if (port == NULL || (size_t)(port - address - 5) >= sizeof(host))
			return -1;
		memcpy(host, address + 5, (size_t)(port - address - 5));
		host[port - address - 5] = '\0';
		if (getaddrinfo(host, port + 1, &hints, &ai) != 0)
			return -1;
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
		freeaddrinfo(ai);
	}
	return fd;
}

static bool write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* Reads one whole netstring reply; its text (NUL-ended) into text. */
static bool read_reply(int fd, char text[REPLY_MAX])
{
	char buf[REPLY_MAX + 16];
	size_t have = 0, need = 0, head = 0;

	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		have += (size_t)n;
		if (head == 0) {
			char *colon = memchr(buf, ':', have);

			if (colon == NULL) {
				if (have > 8)
					return false;
				continue;
			}
			head = (size_t)(colon - buf) + 1;
			need = strtoul(buf, NULL, 10);
			if (need >= REPLY_MAX)
				return false;
		}
		if (have >= head + need + 1) {
			if (buf[head + need] != ',')
				return false;
			memcpy(text, buf + head, need);
			text[need] = '\0';
			return true;
		}
		if (have == sizeof(buf))
			return false;
	}
}

static void count_reply(struct tally *t, const char *text)
{
	if (strncmp(text, "OK ", 3) == 0)
		t->found++;
	else if (strncmp(text, "NOTFOUND", 8) == 0)
		t->notfound++;
	else
		t->other++;
}

static void *client_run(void *arg)
{
	struct client *c = arg;
	char key[KEY_MAX], request[KEY_MAX + 32], reply[REPLY_MAX];

	pthread_barrier_wait(c->start);
	for (unsigned long i = 0; i < c->count && c->error == NULL; i++) {
		uint64_t began;
		int len;

		key_of(c->first + i, c->entries, key);
		len = snprintf(request, sizeof(request), "%zu:%s %s,",
			       strlen(MAP_NAME) + 1 + strlen(key), MAP_NAME, key);
		began = now_ns();
		if (!write_all(c->fd, request, (size_t)len) ||
		    !read_reply(c->fd, reply)) {
			c->error = "connection broken";
			break;
		}
		samples_add(&c->samples, now_ns() - began);
		count_reply(&c->tally, reply);
	}
	return NULL;
}

static void print_rate(unsigned long lookups, uint64_t wall_ns, const struct tally *t)
{
	printf("lookups_per_s=%.0f found=%lu notfound=%lu other=%lu\n",
	       wall_ns > 0 ? (double)lookups * 1e9 / (double)wall_ns : 0.0,
	       t->found, t->notfound, t->other);
}

static int run_socket(const char *address, unsigned long clients,
		      unsigned long lookups, unsigned long entries)
{
	struct client *c = calloc(clients, sizeof(*c));
	struct samples all;
	struct tally total = { 0 };
	pthread_barrier_t start;
	uint64_t began;
	char label[64];
	int status = EX_OK;

	if (c == NULL)
		return EX_OSERR;
	pthread_barrier_init(&start, NULL, (unsigned)clients + 1);
	for (unsigned long i = 0; i < clients; i++) {
		c[i].address = address;
		c[i].entries = entries;
		c[i].count = lookups / clients + (i < lookups % clients);
		c[i].first = i * 1000003u;
		c[i].start = &start;
		samples_init(&c[i].samples, c[i].count);
		c[i].fd = connect_to(address);
		if (c[i].fd < 0) {
			fprintf(stderr, "socketmap_bench: connect %s: %s\n",
				address, strerror(errno));
			exit(EX_UNAVAILABLE);
		}
		if (pthread_create(&c[i].thread, NULL, client_run, &c[i]) != 0) {
			perror("socketmap_bench: pthread_create");
			exit(EX_OSERR);
		}
	}
	pthread_barrier_wait(&start);
	began = now_ns();
	for (unsigned long i = 0; i < clients; i++)
		pthread_join(c[i].thread, NULL);
	uint64_t wall = now_ns() - began;

	samples_init(&all, lookups);
	for (unsigned long i = 0; i < clients; i++) {
		if (c[i].error != NULL) {
			fprintf(stderr, "socketmap_bench: client %lu: %s\n", i, c[i].error);
			status = EX_SOFTWARE;
		}
		for (size_t j = 0; j < c[i].samples.count; j++)
			samples_add(&all, c[i].samples.ns[j]);
		total.found += c[i].tally.found;
		total.notfound += c[i].tally.notfound;
		total.other += c[i].tally.other;
		close(c[i].fd);
		samples_free(&c[i].samples);
	}
	snprintf(label, sizeof(label), "socket clients=%lu", clients);
	samples_print(label, &all);
	print_rate(all.count, wall, &total);
	samples_free(&all);
	pthread_barrier_destroy(&start);
	free(c);
	return status;
}

static int run_bdb(const char *path, unsigned long lookups, unsigned long entries)
{
	DB *db = NULL;
	struct samples s;
	struct tally t = { 0 };
	char key[KEY_MAX];
	uint64_t began;
	int fd, status = EX_OK;

	if (db_create(&db, NULL, 0) != 0 ||
	    db->open(db, NULL, path, NULL, DB_HASH, DB_RDONLY, 0) != 0 ||
	    db->fd(db, &fd) != 0) {
		fprintf(stderr, "socketmap_bench: cannot open %s\n", path);
		return EX_UNAVAILABLE;
	}
	samples_init(&s, lookups);
	began = now_ns();
	for (unsigned long i = 0; i < lookups; i++) {
		DBT k = { .data = key, .size = 0 }, v = { 0 };
		struct stat st;
		uint64_t one = now_ns();
		int rc;

		key_of(i, entries, key);
		k.size = (u_int32_t)strlen(key);
		if (fstat(fd, &st) != 0 || flock(fd, LOCK_SH) != 0) {
			perror("socketmap_bench: flock");
			status = EX_OSERR;
			break;
		}
		rc = db->get(db, NULL, &k, &v, 0);
		(void)flock(fd, LOCK_UN);
		samples_add(&s, now_ns() - one);
		if (rc == 0)
			t.found++;
		else if (rc == DB_NOTFOUND)
			t.notfound++;
		else
			t.other++;
	}
	uint64_t wall = now_ns() - began;

	samples_print("bdb (one process)", &s);
	print_rate(s.count, wall, &t);
	samples_free(&s);
	db->close(db, 0);
	return status;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "socket") == 0) {
		unsigned long clients = strtoul(argv[3], NULL, 10);

		if (clients == 0 || clients > 4096)
			goto usage;
		return run_socket(argv[2], clients, strtoul(argv[4], NULL, 10),
				  strtoul(argv[5], NULL, 10));
	}
	if (argc == 5 && strcmp(argv[1], "bdb") == 0)
		return run_bdb(argv[2], strtoul(argv[3], NULL, 10),
			       strtoul(argv[4], NULL, 10));
usage:
	fprintf(stderr, "usage: socketmap_bench socket ADDRESS CLIENTS LOOKUPS ENTRIES\n"
		"       socketmap_bench bdb MAP.db LOOKUPS ENTRIES\n");
	return EX_USAGE;
}
