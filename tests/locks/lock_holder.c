/* lock-holder: takes a lock on a relay store the way a stuck process
 * would, prints "held", and waits to be killed.
 *
 *   lock-holder STORE lockall|transaction|openlock|chainlock:ADDR [stop]
 *
 * lockall      tdb_lockall: every chain and the free list, for writing
 * transaction  an open tdb transaction with one uncommitted store
 * openlock     a plain fcntl write lock on byte 0, tdb's open lock
 * freelist     the same on byte 164, tdb's free-list lock, as a writer
 *              stopped in the middle of an allocation holds it
 * seqnum       the same on byte 48, the sequence number's lock
 * chainlock    the chain lock of one key, as a writer mid-store holds it
 * With "stop" the holder then stops itself (SIGSTOP), like a writer
 * frozen by a debugger or a swapped-out machine. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <tdb.h>
#include <unistd.h>

/* Offsets from tdb's lock.c: OPEN_LOCK, TDB_SEQNUM_OFS, and the lock of
 * list -1 (FREELIST_TOP - 4). */
#define OPEN_LOCK_BYTE 0
#define SEQNUM_LOCK_BYTE 48
#define FREELIST_LOCK_BYTE 164

static int hold_byte(const char *path, off_t byte)
{
	struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1 };
	int fd = open(path, O_RDWR);

	return fd >= 0 && fcntl(fd, F_SETLKW, &lock) == 0 ? 0 : -1;
}

static TDB_DATA text(const char *s)
{
	TDB_DATA d = { (unsigned char *)s, strlen(s) };
	return d;
}

static int hold_tdb_lock(const char *path, const char *mode)
{
	struct tdb_context *tdb = tdb_open(path, 0, TDB_INCOMPATIBLE_HASH | TDB_SEQNUM, O_RDWR, 0);

	if (tdb == NULL)
		return -1;
	if (strcmp(mode, "lockall") == 0)
		return tdb_lockall(tdb);
	if (strcmp(mode, "transaction") == 0)
		return tdb_transaction_start(tdb) == 0 &&
				       tdb_store(tdb, text("203.0.113.250"), text("1"),
						 TDB_REPLACE) == 0
			       ? 0
			       : -1;
	if (strncmp(mode, "chainlock:", 10) == 0)
		return tdb_chainlock(tdb, text(mode + 10));
	return -1;
}

int main(int argc, char **argv)
{
	int held;

	if (argc < 3) {
		fprintf(stderr, "usage: lock-holder STORE MODE [stop]\n");
		return 2;
	}
	if (strcmp(argv[2], "openlock") == 0)
		held = hold_byte(argv[1], OPEN_LOCK_BYTE);
	else if (strcmp(argv[2], "freelist") == 0)
		held = hold_byte(argv[1], FREELIST_LOCK_BYTE);
	else if (strcmp(argv[2], "seqnum") == 0)
		held = hold_byte(argv[1], SEQNUM_LOCK_BYTE);
	else
		held = hold_tdb_lock(argv[1], argv[2]);
	if (held != 0) {
		perror("lock-holder");
		return 1;
	}
	printf("held\n");
	fflush(stdout);
	if (argc > 3 && strcmp(argv[3], "stop") == 0)
		raise(SIGSTOP);
	for (;;)
		pause();
}
