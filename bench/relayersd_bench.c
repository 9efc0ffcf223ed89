/* relayersd_bench SOCKET CLIENTS SECONDS ENTRIES: lookups through a
 * running relayersd.  CLIENTS connections each keep one request in
 * flight (as each MTA process does), for SECONDS after a short warm-up;
 * prints lookups per second and the latency of each request, send to
 * reply.  Keys are those store_fill made (ENTRIES of them, sendmail's
 * "ipv6:" full form for the IPv6 ones) and, one in four, addresses that
 * are not in the store.  Figures only, never a verdict. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sysexits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "addresses.h"
#include "samples.h"

#define WARMUP_NS 500000000ull
#define MAX_CLIENTS 1024

struct client {
	int fd;
	uint64_t sent_ns;
	size_t have;
	char in[512];
};

struct tally {
	uint64_t ok, notfound, other;
};

static unsigned long next_key;

static int connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		perror("relayersd_bench: connect");
		exit(1);
	}
	return fd;
}

static size_t make_request(unsigned long entries, char *out, size_t room)
{
	char key[RELAY_ADDR_TEXT_MAX + 8], payload[128];
	unsigned long n = next_key++;

	if (entries == 0 || n % 4 == 3) {
		login_client_text((uint32_t)n, key);
	} else {
		struct relay_addr addr;
		char text[RELAY_ADDR_TEXT_MAX];

		filled_entry_addr((uint32_t)((n * 2654435761u) % entries), &addr);
		relay_addr_format_full(&addr, text);
		snprintf(key, sizeof(key), "%s%s",
			 addr.family == AF_INET6 ? "ipv6:" : "", text);
	}
	snprintf(payload, sizeof(payload), "relayers %s", key);
	return (size_t)snprintf(out, room, "%zu:%s,", strlen(payload), payload);
}

static void send_request(struct client *c, unsigned long entries)
{
	char request[160];
	size_t len = make_request(entries, request, sizeof(request));

	c->sent_ns = now_ns();
	c->have = 0;
	if (send(c->fd, request, len, MSG_NOSIGNAL) != (ssize_t)len) {
		perror("relayersd_bench: send");
		exit(1);
	}
}

/* True once c holds a whole reply, counted into t. */
static bool take_reply(struct client *c, struct tally *t)
{
	ssize_t n = recv(c->fd, c->in + c->have, sizeof(c->in) - c->have, 0);
	char *colon;
	unsigned long len;

	if (n <= 0) {
		fprintf(stderr, "relayersd_bench: server closed a connection\n");
		exit(1);
	}
	c->have += (size_t)n;
	colon = memchr(c->in, ':', c->have);
	if (colon == NULL)
		return false;
	len = strtoul(c->in, NULL, 10);
	if (c->have < (size_t)(colon - c->in) + len + 2)
		return false;
	if (strncmp(colon + 1, "OK ", 3) == 0)
		t->ok++;
	else if (strncmp(colon + 1, "NOTFOUND", 8) == 0)
		t->notfound++;
	else
		t->other++;
	return true;
}

int main(int argc, char **argv)
{
	static struct client clients[MAX_CLIENTS];
	static struct pollfd polls[MAX_CLIENTS];
	struct tally tally = { 0, 0, 0 };
	struct samples samples;
	unsigned long n_clients, seconds, entries;
	uint64_t start, measure_from, end, lookups = 0;
	char label[96];

	if (argc != 5) {
		fprintf(stderr, "usage: relayersd_bench SOCKET CLIENTS SECONDS ENTRIES\n");
		return EX_USAGE;
	}
	n_clients = strtoul(argv[2], NULL, 10);
	seconds = strtoul(argv[3], NULL, 10);
	entries = strtoul(argv[4], NULL, 10);
	if (n_clients == 0 || n_clients > MAX_CLIENTS || seconds == 0) {
		fprintf(stderr, "relayersd_bench: 1 to %d clients, 1 s or more\n",
			MAX_CLIENTS);
		return EX_USAGE;
	}
	samples_init(&samples, 1 << 20);
	for (unsigned long i = 0; i < n_clients; i++) {
		clients[i].fd = connect_to(argv[1]);
		polls[i].fd = clients[i].fd;
		polls[i].events = POLLIN;
	}
	start = now_ns();
	measure_from = start + WARMUP_NS;
	end = measure_from + seconds * 1000000000ull;
	for (unsigned long i = 0; i < n_clients; i++)
		send_request(&clients[i], entries);
	while (now_ns() < end) {
		int ready = poll(polls, n_clients, 1000);

		if (ready < 0 && errno != EINTR) {
			perror("relayersd_bench: poll");
			return 1;
		}
		for (unsigned long i = 0; i < n_clients && ready > 0; i++) {
			if (!(polls[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ready--;
			if (!take_reply(&clients[i], &tally))
				continue;
			uint64_t got = now_ns();
			if (clients[i].sent_ns >= measure_from) {
				samples_add(&samples, got - clients[i].sent_ns);
				lookups++;
			}
			send_request(&clients[i], entries);
		}
	}
	snprintf(label, sizeof(label), "relayersd %lu entries, %lu clients:",
		 entries, n_clients);
	printf("%s %.0f lookups/s;", label, (double)lookups / (double)seconds);
	samples_print("", &samples);
	printf("  answers: %llu OK, %llu NOTFOUND, %llu other\n",
	       (unsigned long long)tally.ok, (unsigned long long)tally.notfound,
	       (unsigned long long)tally.other);
	for (unsigned long i = 0; i < n_clients; i++)
		close(clients[i].fd);
	samples_free(&samples);
	return tally.other == 0 ? 0 : 1;
}
