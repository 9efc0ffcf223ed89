#include "connection.h"

#include <stddef.h>

void deadline_remove(struct deadline_queue *queue, struct connection *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		queue->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		queue->tail = c->prev;
	c->prev = c->next = NULL;
}

/* Every connection in a queue has the same timeout, so appending keeps
 * the queue in deadline order and its head is always due first. */
void deadline_append(struct deadline_queue *queue, struct connection *c)
{
	c->prev = queue->tail;
	c->next = NULL;
	if (queue->tail != NULL)
		queue->tail->next = c;
	else
		queue->head = c;
	queue->tail = c;
}
