/* hold_lock: holds a relay store's whole-file lock, as a long `vsmtprelay
 * expire` or a map export might, so that a test can log in meanwhile.
 *
 *   hold_lock STORE SECONDS
 *
 * Prints "locked" once the lock is held, then sleeps SECONDS (or until
 * killed) and exits, which releases it. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <tdb.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct tdb_context *tdb;
	char *end;
	long seconds;

	if (argc != 3 || (seconds = strtol(argv[2], &end, 10)) <= 0 || *end) {
		fprintf(stderr, "usage: hold_lock STORE SECONDS\n");
		return 64;
	}
	/* No O_CREAT: this must never make or rewrite a store. */
	tdb = tdb_open(argv[1], 0, TDB_DEFAULT, O_RDWR, 0);
	if (!tdb) {
		perror(argv[1]);
		return 66;
	}
	if (tdb_lockall(tdb) != 0) {
		fprintf(stderr, "%s: lockall failed\n", argv[1]);
		return 75;
	}
	printf("locked\n");
	fflush(stdout);
	sleep((unsigned)seconds);
	tdb_unlockall(tdb);
	tdb_close(tdb);
	return 0;
}
