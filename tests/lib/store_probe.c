#include "store_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void read_first_line(int fd, char *out, size_t size)
{
	size_t used = 0;
	ssize_t n;
	char drain[512];

	while (used + 1 < size && (n = read(fd, out + used, size - 1 - used)) > 0)
		used += (size_t)n;
	out[used] = '\0';
	out[strcspn(out, "\n")] = '\0';
	while (read(fd, drain, sizeof(drain)) > 0)
		; /* the rest, so that the child never blocks on a full pipe */
}

int store_probe(const char *command, const char *store, const char *arg,
		char *out, size_t size)
{
	const char *build = getenv("RELAYERS_BUILD");
	char tool[4096];
	int fds[2], status;
	pid_t pid;

	snprintf(tool, sizeof(tool), "%s/tests/store-tool",
		 build != NULL ? build : "build");
	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(tool, tool, command, store, arg, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return -1;
	}
	read_first_line(fds[0], out, size);
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}
