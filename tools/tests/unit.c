// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of seg6mig (cmocka): argument parsing and exit codes, the JSON
 * writer, and the JSON that show and monitor print. show.c and monitor.c
 * are included to reach their printers; main() runs in a child process.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../show.c"
#include "../monitor.c"

int seg6mig_main(int argc, char **argv);

/* Run seg6mig's main with @args in a child; its exit code and stderr. */
static int run(const char *const *args, char *err, size_t len)
{
	char *argv[16];
	int pipefd[2], status, argc = 0;
	size_t used;
	ssize_t n;
	pid_t pid;

	argv[argc++] = "seg6mig";
	while (*args)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(pipefd[1], STDERR_FILENO);
		if (!freopen("/dev/null", "w", stdout))
			_exit(99);
		optind = 1;
		exit(seg6mig_main(argc, argv));
	}
	close(pipefd[1]);
	for (used = 0; used < len - 1; used += n) {
		n = read(pipefd[0], err + used, len - 1 - used);
		if (n <= 0)
			break;
	}
	err[used] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void expect_usage(const char *const *args, const char *msg)
{
	char err[1024];

	assert_int_equal(run(args, err, sizeof(err)), EXIT_USAGE);
	if (!strstr(err, msg))
		fail_msg("stderr \"%s\" lacks \"%s\"", err, msg);
}

static void test_usage_errors(void **state)
{
	(void)state;
	expect_usage((const char *[]){ NULL }, "missing command");
	expect_usage((const char *[]){ "frob", NULL }, "unknown command \"frob\"");
	expect_usage((const char *[]){ "-x", "show", NULL }, "unknown option -x");
	expect_usage((const char *[]){ "-n", NULL }, "option -n needs a network namespace");
	expect_usage((const char *[]){ "show", "extra", NULL },
		     "show: unknown argument \"extra\"");
	expect_usage((const char *[]){ "monitor", "-s", NULL },
		     "monitor: unknown argument \"-s\"");
	expect_usage((const char *[]){ "release", NULL }, "missing VIP");
	expect_usage((const char *[]){ "release", "2001:db8::1", NULL },
		     "missing \"sid SID\"");
	expect_usage((const char *[]){ "release", "2001:db8::1", "sid", NULL },
		     "missing SID");
	expect_usage((const char *[]){ "purge", "2001:db8::1", "via", "fc00::1", NULL },
		     "purge: expected \"sid\", got \"via\"");
	expect_usage((const char *[]){ "purge", "10.0.0.1", "sid", "fc00::1", NULL },
		     "VIP: \"10.0.0.1\" is not an IPv6 address");
	expect_usage((const char *[]){ "purge", "2001:db8::1", "sid", "fc00::1::2", NULL },
		     "SID: \"fc00::1::2\" is not an IPv6 address");
	expect_usage((const char *[]){ "release", "2001:db8::1", "sid", "fc00::1", "x", NULL },
		     "release: unexpected argument \"x\"");
	expect_usage((const char *[]){ "release", "2001:db8::1", "sid", "fc00::1", "deadline", "5", NULL },
		     "release: unexpected argument \"deadline\"");
	expect_usage((const char *[]){ "expect", NULL }, "missing VIP");
	expect_usage((const char *[]){ "expect", "2001:db8::1", "sid", "fc00::1", "deadline", NULL },
		     "missing deadline MS");
	expect_usage((const char *[]){ "expect", "2001:db8::1", "sid", "fc00::1", "deadline", "-1", NULL },
		     "deadline: \"-1\" is not a number");
	expect_usage((const char *[]){ "expect", "2001:db8::1", "sid", "fc00::1", "deadline", "5", "x", NULL },
		     "expect: unexpected argument \"x\"");
	expect_usage((const char *[]){ "unexpect", "2001:db8::1", "sid", "fc00::1", "deadline", "5", NULL },
		     "unexpect: unexpected argument \"deadline\"");
}

static void test_help(void **state)
{
	char err[1024];

	(void)state;
	assert_int_equal(run((const char *[]){ "help", NULL }, err, sizeof(err)), 0);
	assert_int_equal(run((const char *[]){ "-h", NULL }, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

static void test_netns_missing(void **state)
{
	char err[1024];

	(void)state;
	assert_int_equal(run((const char *[]){ "-n", "no-such-ns-s6m", "show", NULL },
			     err, sizeof(err)), EXIT_KERNEL);
	assert_non_null(strstr(err, "cannot open network namespace \"no-such-ns-s6m\""));
}

static void test_parse_u32(void **state)
{
	uint32_t v;

	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);

	(void)state;
	/* Its messages are expected: keep them out of the test's output. */
	dup2(null, STDERR_FILENO);
	assert_int_equal(parse_u32("0", "x", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u32("4294967295", "x", &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(parse_u32("0x10", "x", &v), 0);
	assert_int_equal(v, 16);
	assert_int_not_equal(parse_u32("4294967296", "x", &v), 0);
	assert_int_not_equal(parse_u32("-1", "x", &v), 0);
	assert_int_not_equal(parse_u32("", "x", &v), 0);
	assert_int_not_equal(parse_u32("12a", "x", &v), 0);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(null);
}

/* stdout of @fn(@arg), as a string (static buffer). */
static const char *capture(void (*fn)(const void *), const void *arg)
{
	static char buf[8192];
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t n;

	assert_non_null(tmp);
	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	fn(arg);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return buf;
}

static void write_nested(const void *arg)
{
	(void)arg;
	jw_obj_open(NULL);
	jw_str("s", "a\"b\\c\n");
	jw_u64("n", 18446744073709551615ULL);
	jw_arr_open("a");
	jw_u64("ignored", 1);
	jw_obj_open("ignored");
	jw_bool("t", true);
	jw_obj_close();
	jw_arr_close();
	jw_arr_open("e");
	jw_arr_close();
	jw_obj_close();
	jw_end();
}

static void test_json_writer(void **state)
{
	(void)state;
	assert_string_equal(capture(write_nested, NULL),
		"{\"s\":\"a\\\"b\\\\c\\u000a\",\"n\":18446744073709551615,"
		"\"a\":[1,{\"t\":true}],\"e\":[]}\n");
}

static void show_json(const void *arg)
{
	print_json(arg);
}

static void test_show_json(void **state)
{
	struct vip_info vip = { .pkts = 20, .age_us = 1500 };
	struct vip_info exp = { .left_ms = 59000 };
	struct inst_info insts[2] = {
		{ .sid_len = 128, .action = SEG6_MIG_ACTION_END_FWP, .ifindex = 1 },
		{ .sid_len = 64, .action = SEG6_MIG_ACTION_END_BFW, .ifindex = 1,
		  .table = 100, .presence = SEG6_MIG_PRESENCE_ANNOUNCE,
		  .buf_pkts = 8192, .buf_bytes = 33554432, .hold_ms = 1000,
		  .settle_ms = 30, .qbytes = 23040, .vips = &vip, .nvips = 1,
		  .strict = true, .vip_share = 1024, .expected = &exp,
		  .nexpected = 1 },
	};
	struct dump d = { .insts = insts, .n = 2 };

	(void)state;
	inet_pton(AF_INET6, "fc00:a2::f", &insts[0].sid);
	inet_pton(AF_INET6, "fc00:a2::", &insts[1].sid);
	inet_pton(AF_INET6, "2001:db8::10", &vip.addr);
	inet_pton(AF_INET6, "2001:db8::11", &exp.addr);
	insts[0].stats[SEG6_MIG_STAT_NEXT] = 7;
	insts[1].stats[SEG6_MIG_STAT_QLEN] = 20;
	insts[1].stats[SEG6_MIG_STAT_BUFFERED] = 20;

	opts.stats = false;
	assert_string_equal(capture(show_json, &d),
		"[{\"sid\":\"fc00:a2::f\",\"sid_len\":128,\"action\":\"End.FWP\",\"dev\":\"lo\",\"table\":\"main\",\"presence\":\"carrier\"},"
		"{\"sid\":\"fc00:a2::\",\"sid_len\":64,\"action\":\"End.BFW\",\"dev\":\"lo\",\"table\":\"100\",\"presence\":\"announce\","
		"\"buffer\":8192,\"buffer_bytes\":33554432,\"hold_ms\":1000,\"settle_ms\":30,"
		"\"strict\":true,\"vip_share\":1024,\"qlen\":20,\"qbytes\":23040,"
		"\"vips\":[{\"vip\":\"2001:db8::10\",\"packets\":20,\"age_us\":1500}],"
		"\"expected\":[{\"vip\":\"2001:db8::11\",\"left_ms\":59000}]}]\n");
	opts.stats = true;
	assert_string_equal(capture(show_json, &d),
		"[{\"sid\":\"fc00:a2::f\",\"sid_len\":128,\"action\":\"End.FWP\",\"dev\":\"lo\",\"table\":\"main\",\"presence\":\"carrier\","
		"\"stats\":{\"local\":0,\"next\":7,\"absent\":0,\"errors\":0}},"
		"{\"sid\":\"fc00:a2::\",\"sid_len\":64,\"action\":\"End.BFW\",\"dev\":\"lo\",\"table\":\"100\",\"presence\":\"announce\","
		"\"buffer\":8192,\"buffer_bytes\":33554432,\"hold_ms\":1000,\"settle_ms\":30,"
		"\"strict\":true,\"vip_share\":1024,\"qlen\":20,\"qbytes\":23040,"
		"\"vips\":[{\"vip\":\"2001:db8::10\",\"packets\":20,\"age_us\":1500}],"
		"\"expected\":[{\"vip\":\"2001:db8::11\",\"left_ms\":59000}],"
		"\"stats\":{\"delivered\":0,\"buffered\":20,\"flushed\":0,\"overflow\":0,\"expired\":0,"
		"\"purged\":0,\"errors\":0,\"qlen\":20,\"qlen_max\":0,\"unexpected\":0,\"share\":0}}]\n");
	opts.stats = false;
}

static void event_json(const void *arg)
{
	print_event(arg);
}

static void test_event_json(void **state)
{
	struct event e = { .name = "arrived", .has_vip = true, .has_wait = true,
			   .pkts = 175, .wait_us = 173000 };
	const char *out, *want =
		"{\"event\":\"arrived\",\"sid\":\"fc00:a2::b\",\"vip\":\"2001:db8::10\","
		"\"packets\":175,\"wait_us\":173000,\"time_us\":";

	(void)state;
	inet_pton(AF_INET6, "fc00:a2::b", &e.sid);
	inet_pton(AF_INET6, "2001:db8::10", &e.vip);
	opts.json = true;
	out = capture(event_json, &e);
	opts.json = false;
	assert_memory_equal(out, want, strlen(want));
	assert_string_equal(out + strlen(out) - 2, "}\n");

	e = (struct event){ .name = "overflow", .pkts = 3 };
	inet_pton(AF_INET6, "fc00:a2::b", &e.sid);
	assert_string_equal(capture(event_json, &e),
			    "overflow sid fc00:a2::b packets 3\n");
}

static int count_families(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(int *)data)++;
	return MNL_CB_OK;
}

/* The request loop against the kernel's own genl controller: a dump ends
 * at NLMSG_DONE, a request at its ack, an unknown family is ENOENT.
 */
static void test_nl_talk(void **state)
{
	struct nl *nl = calloc(1, sizeof(*nl));
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	uint16_t id = 0;
	int n = 0, saved, null;

	(void)state;
	alarm(10);	/* a loop that misses the end hangs: fail instead */
	assert_int_equal(nl_open(nl, NETLINK_GENERIC), 0);
	assert_int_equal(genl_resolve(nl, "nlctrl", &id, NULL, NULL), 0);
	assert_int_equal(id, GENL_ID_CTRL);

	nlh = nl_msg(nl, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_DUMP);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	assert_int_equal(nl_talk(nl, nlh, count_families, &n, "dump"), 0);
	assert_true(n >= 1);

	saved = dup(STDERR_FILENO);
	null = open("/dev/null", O_WRONLY);
	dup2(null, STDERR_FILENO);
	assert_int_equal(genl_resolve(nl, "nosuch_s6m", &id, NULL, NULL),
			 -ENOENT);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(null);
	nl_close(nl);
	free(nl);
	alarm(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_netns_missing),
		cmocka_unit_test(test_parse_u32),
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_show_json),
		cmocka_unit_test(test_event_json),
		cmocka_unit_test(test_nl_talk),
	};

	return cmocka_run_group_tests_name("seg6mig", tests, NULL, NULL);
}
