/* One client connection: its socket, its fixed buffers and its place
 * in a deadline list. */
#ifndef RELAYERSD_CONNECTION_H
#define RELAYERSD_CONNECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "request.h"

/* Replies queued for a client that pipelines faster than it reads; a
 * client whose replies fill this is not read until it takes them. */
#define CONNECTION_OUT_MAX (4 * SOCKETMAP_REPLY_MAX)

enum deadline_list { LIST_NONE,
		     LIST_IDLE,
		     LIST_BUSY };

struct connection {
	int kind; /* EVENT_CONNECTION: see server.c */
	int fd;
	struct connection *prev, *next; /* in list */
	enum deadline_list list;
	uint64_t deadline_ms;
	uint32_t events; /* what epoll watches for */
	bool closing;	 /* send what is queued, then close */
	size_t in_len, out_len, out_sent;
	char in[SOCKETMAP_REQUEST_MAX];
	char out[CONNECTION_OUT_MAX];
};

struct deadline_queue {
	struct connection *head, *tail;
};

void deadline_remove(struct deadline_queue *queue, struct connection *c);
void deadline_append(struct deadline_queue *queue, struct connection *c);

#endif
