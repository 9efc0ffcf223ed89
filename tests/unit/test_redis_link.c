/* core/redis_link: the HOST:PORT forms the Redis options take, and the
 * password file: who may own it, who may read it, what it holds.  The
 * connection itself is tested against real Redis servers in
 * tests/redis/run.sh. */
#include "unit.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "redis_link.h"

static void expect_address(const char *text, const char *host, int port)
{
	char got[64];
	int got_port = 0;

	assert_true(redis_parse_address(text, got, sizeof(got), &got_port));
	assert_string_equal(got, host);
	assert_int_equal(got_port, port);
}

static void test_addresses(void **state)
{
	static const char *const refused[] = {
		"",
		"host",
		"host:",
		":6379",
		"host:0",
		"host:65536",
		"host:-1",
		"host:63 79",
		"host:6379x",
		"[::1]6379",
		"[::1",
		"[]:6379",
		"host:+6379",
	};
	char host[64];
	int port;

	(void)state;
	expect_address("127.0.0.1:6379", "127.0.0.1", 6379);
	expect_address("redis.example.net:26379", "redis.example.net", 26379);
	expect_address("[::1]:6380", "::1", 6380);
	expect_address("[2001:db8::7]:1", "2001:db8::7", 1);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_false(redis_parse_address(refused[i], host, sizeof(host), &port));
	/* A host longer than the caller's room is refused, not cut. */
	assert_false(redis_parse_address("abcdefgh:1", host, 8, &port));
}

static char dir[] = "/tmp/relayers-unit-redis.XXXXXX";

static const char *write_file(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void expect_refused(const char *path, const char *because)
{
	struct redis_credentials cred;
	char why[512];

	assert_false(redis_credentials_load(path, &cred, why, sizeof(why)));
	if (strstr(why, because) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", why, because);
	assert_false(cred.given);
}

static void test_password_file(void **state)
{
	struct redis_credentials cred;
	char why[512], link_path[300], big[1200];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_true(redis_credentials_load(write_file("a", "shipper s3 cr3t\n", 0600),
					   &cred, why, sizeof(why)));
	assert_true(cred.given);
	assert_string_equal(cred.user, "shipper");
	/* The password is the rest of the line, spaces and all. */
	assert_string_equal(cred.password, "s3 cr3t");
	assert_true(redis_credentials_load(write_file("b", "onlypass", 0400),
					   &cred, why, sizeof(why)));
	assert_string_equal(cred.user, "");
	assert_string_equal(cred.password, "onlypass");
	expect_refused(write_file("c", "shipper pw\n", 0640), "lets others read it");
	expect_refused(write_file("d", "shipper pw\n", 0604), "lets others read it");
	expect_refused(write_file("e", "shipper pw\n", 0620), "password file");
	expect_refused(write_file("f", "", 0600), "empty");
	expect_refused(write_file("g", "shipper \n", 0600), "want one line");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect_refused(write_file("h", big, 0600), "want one line");
	snprintf(link_path, sizeof(link_path), "%s/link", dir);
	assert_int_equal(symlink(write_file("i", "pw\n", 0600), link_path), 0);
	expect_refused(link_path, "password file");
	expect_refused("/nonexistent/relayers.pw", "No such file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_password_file),
	};
	int rc = UNIT_RUN("redis_link", tests, NULL, NULL);
	char cmd[100];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (strncmp(dir, "/tmp/relayers-unit-redis.", 25) == 0 && system(cmd) != 0)
		rc = 1;
	return rc;
}
