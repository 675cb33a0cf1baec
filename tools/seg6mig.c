// SPDX-License-Identifier: GPL-2.0
/*
 * seg6mig: show and drive seg6_mig (End.FWP/End.BFW) on a host, and the
 * gateway's R(s)/M(s1,s2) routes.
 *
 *   seg6mig [-n NETNS] [-j] [-s] COMMAND [ARGS]
 *
 * Exit codes: 0 ok, 1 the kernel refused (its message printed), 2 usage.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seg6mig.h"

struct s6m_opts opts;

static const char usage_text[] =
"Usage: seg6mig [-n NETNS] [-j] [-s] COMMAND [ARGS]\n"
"\n"
"On a host (End.FWP/End.BFW, generic netlink family seg6_mig):\n"
"  show                      instances, limits, queues (-s: counters)\n"
"  monitor                   events: VIP arrived, overflow, expiry, purge\n"
"  release VIP sid SID       deliver what End.BFW SID holds for VIP now\n"
"  purge VIP sid SID         drop what End.BFW SID holds for VIP\n"
"  expect VIP sid SID [deadline MS]\n"
"                            a strict End.BFW SID queues for VIP (60 s)\n"
"  unexpect VIP sid SID      it no longer does\n"
"\n"
"On the gateway (routes to each VIP, rtnetlink):\n"
"  gw set VIP run FWP_SID [OPTIONS]           R(s)\n"
"  gw set VIP migrate FWP_SID BFW_SID [OPTIONS]  M(s1,s2)\n"
"  gw del VIP | gw show [VIP] | gw -batch FILE | gw follow\n"
"  (seg6mig gw help for OPTIONS)\n"
"\n"
"  help                      this text\n"
"\n"
"Options:\n"
"  -n NETNS   run in network namespace NETNS (as ip -n)\n"
"  -j         JSON output\n"
"  -s         statistics (show)\n"
"\n"
"Exit status: 0 ok, 1 the kernel refused (its message is printed),\n"
"2 bad usage.\n";

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("seg6mig: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (seg6mig help)\n", stderr);
	exit(EXIT_USAGE);
}

void error_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("seg6mig: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *next_arg(int *argc, char ***argv, const char *what)
{
	const char *arg;

	if (*argc < 1)
		usage_error("missing %s", what);
	arg = **argv;
	(*argc)--;
	(*argv)++;
	return arg;
}

int parse_u32(const char *s, const char *what, uint32_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (*s < '0' || *s > '9' || errno || *end || v > UINT32_MAX) {
		error_msg("%s: \"%s\" is not a number from 0 to %u", what, s,
			  UINT32_MAX);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int parse_in6(const char *s, const char *what, void *addr)
{
	if (inet_pton(AF_INET6, s, addr) == 1)
		return 0;
	error_msg("%s: \"%s\" is not an IPv6 address", what, s);
	return -EINVAL;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs(usage_text, stdout);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "show",	cmd_show },
	{ "monitor",	cmd_monitor },
	{ "release",	cmd_release },
	{ "purge",	cmd_purge },
	{ "expect",	cmd_expect },
	{ "unexpect",	cmd_unexpect },
	{ "gw",		cmd_gw },
	{ "help",	cmd_help },
};

int main(int argc, char **argv)
{
	const char *name;
	unsigned int i;
	int c;

	/* '+': options end at the command, which has its own. */
	opterr = 0;
	while ((c = getopt(argc, argv, "+n:jsh")) != -1) {
		switch (c) {
		case 'n':
			opts.netns = optarg;
			break;
		case 'j':
			opts.json = true;
			break;
		case 's':
			opts.stats = true;
			break;
		case 'h':
			return cmd_help(0, NULL);
		default:
			if (optopt == 'n')
				usage_error("option -n needs a network namespace");
			usage_error("unknown option -%c", optopt);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage_error("missing command");
	name = argv[0];

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name))
			continue;
		if (opts.netns && netns_enter(opts.netns))
			return EXIT_KERNEL;
		return commands[i].fn(argc - 1, argv + 1);
	}
	usage_error("unknown command \"%s\"", name);
}
