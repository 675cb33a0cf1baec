// SPDX-License-Identifier: GPL-2.0
/*
 * seg6mig gw -batch FILE|-: many VIP changes, few netlink round trips.
 *
 * Semantics (also in seg6mig-gw(8)):
 *  1. The whole file is read and checked first: every line is "set ..." or
 *     "del ..." as on the command line (without "gw"), blank lines and
 *     "#" comments are skipped, a missing dev is resolved from the route to
 *     the FWP SID. Any bad line is reported with its number and nothing at
 *     all is applied (exit 2; exit 1 if only a route lookup failed).
 *  2. The lines are then applied in file order (gw_apply.c), each one a
 *     request of its own, atomic on its own; a line the kernel refuses
 *     does not stop the others. Every refused line is reported with its
 *     number and the kernel's message; the exit status is then 1 and the
 *     summary says how many lines were applied. There is no rollback. A
 *     VIP's later lines are not applied when its first set was refused
 *     (each says so). A line refused for lack of memory is sent again
 *     (gw_apply.c), unless a later line for the same VIP and table was
 *     applied.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw.h"

#define GW_BATCH_WORDS		16

struct gw_batch {
	struct gw_line *lines;
	size_t n, alloc;
	unsigned int bad;
};

/* Split @s in place into words; "#" starts a comment. */
static int gw_split(char *s, char **argv, int max)
{
	char *save, *w;
	int argc = 0;

	s[strcspn(s, "#")] = '\0';
	for (w = strtok_r(s, " \t\r\n", &save); w;
	     w = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == max)
			return -1;
		argv[argc++] = w;
	}
	return argc;
}

/* Check one line (@s is split in place); keep it if it is a change. */
static int gw_batch_add(struct gw_batch *b, char *s, unsigned int lineno)
{
	char where[32], *argv[GW_BATCH_WORDS];
	struct gw_line *l;
	char *text;
	int argc;

	s[strcspn(s, "\r\n")] = '\0';
	text = strdup(s);
	if (!text)
		return -ENOMEM;
	snprintf(where, sizeof(where), "line %u: ", lineno);
	argc = gw_split(s, argv, GW_BATCH_WORDS);
	if (argc == 0) {
		free(text);
		return 0;
	}
	if (b->n == b->alloc) {
		size_t alloc = b->alloc ? 2 * b->alloc : 1024;
		void *p = realloc(b->lines, alloc * sizeof(*b->lines));

		if (!p) {
			free(text);
			return -ENOMEM;
		}
		b->lines = p;
		b->alloc = alloc;
	}
	l = &b->lines[b->n];
	memset(l, 0, sizeof(*l));
	if (argc < 0) {
		error_msg("%smore than %d words", where, GW_BATCH_WORDS);
		b->bad++;
	} else if (gw_parse_change(argc, argv, where, &l->c)) {
		b->bad++;
	} else {
		l->lineno = lineno;
		l->text = text;
		b->n++;
		return 0;
	}
	free(text);
	return 0;
}

static int gw_batch_read(struct gw_batch *b, const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	unsigned int lineno = 0;
	size_t cap = 0;
	char *s = NULL;
	int err = 0;

	if (!f) {
		error_msg("gw -batch: %s: %s", file, strerror(errno));
		return -errno;
	}
	while (!err && getline(&s, &cap, f) >= 0)
		err = gw_batch_add(b, s, ++lineno);
	if (!err && ferror(f))
		err = -EIO;
	if (err)
		error_msg("gw -batch: %s: %s", file, strerror(-err));
	free(s);
	if (f != stdin)
		fclose(f);
	return err;
}

/* A missing dev: the route to the FWP SID's device, looked up once per SID. */
#define GW_DEV_CACHE	256

static int gw_batch_resolve(struct nl *nl, struct gw_batch *b)
{
	static struct {
		struct in6_addr sid;
		uint32_t ifindex;
	} cache[GW_DEV_CACHE];
	unsigned int ncache = 0, j;
	char where[32];
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct gw_route *rt = &b->lines[i].c.rt;

		if (b->lines[i].c.op != GW_SET || rt->ifindex)
			continue;
		for (j = 0; j < ncache; j++)
			if (!memcmp(&cache[j].sid, &rt->segs[0], sizeof(rt->segs[0])))
				break;
		if (j < ncache) {
			rt->ifindex = cache[j].ifindex;
			continue;
		}
		snprintf(where, sizeof(where), "line %u: ", b->lines[i].lineno);
		if (gw_resolve_dev(nl, rt, where))
			return -ENETUNREACH;
		if (ncache < GW_DEV_CACHE) {
			cache[ncache].sid = rt->segs[0];
			cache[ncache++].ifindex = rt->ifindex;
		}
	}
	return 0;
}

/* The one table every line names, or 0 (all). */
static uint32_t gw_batch_table(const struct gw_batch *b)
{
	size_t i;

	for (i = 1; i < b->n; i++)
		if (b->lines[i].c.rt.table != b->lines[0].c.rt.table)
			return 0;
	return b->lines[0].c.rt.table;
}

static int gw_batch_apply(struct nl *nl, struct gw_batch *b)
{
	struct gw_result res;
	struct gw_fib fib;
	int ret;

	/* The VIPs seg6mig holds: one dump, whatever the batch's size. */
	ret = gw_fib_dump(nl, AF_UNSPEC, gw_batch_table(b), GW_RTPROT, &fib);
	if (ret)
		return EXIT_KERNEL;
	ret = gw_apply(nl, b->lines, b->n, &fib, &res);
	gw_fib_free(&fib);
	if (ret < 0)
		return EXIT_KERNEL;
	if (res.superseded)
		error_msg("gw -batch: %zu line(s) refused for lack of memory not sent again: a later line for the same VIP was applied",
			  res.superseded);
	if (ret && res.blocked)
		error_msg("gw -batch: %zu of %zu line(s) applied, %zu refused, %zu not applied (above)",
			  res.applied, b->n, res.refused, res.blocked);
	else if (ret)
		error_msg("gw -batch: %zu of %zu line(s) applied, %zu refused (above)",
			  res.applied, b->n, res.refused);
	return ret ? EXIT_KERNEL : 0;
}

int gw_batch(const char *file)
{
	struct gw_batch b = { 0 };
	int ret = 0;
	struct nl nl;
	size_t i;

	if (gw_batch_read(&b, file)) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (b.bad) {
		error_msg("gw -batch: %u bad line(s), nothing applied", b.bad);
		ret = EXIT_USAGE;
		goto out;
	}
	if (!b.n)
		goto out;
	if (nl_open(&nl, NETLINK_ROUTE)) {
		ret = EXIT_KERNEL;
		goto out;
	}
	if (gw_batch_resolve(&nl, &b)) {
		error_msg("gw -batch: nothing applied");
		ret = EXIT_KERNEL;
	} else {
		ret = gw_batch_apply(&nl, &b);
	}
	nl_close(&nl);
out:
	for (i = 0; i < b.n; i++) {
		free(b.lines[i].text);
		free(b.lines[i].extack);
	}
	free(b.lines);
	return ret;
}
