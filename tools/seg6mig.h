/* SPDX-License-Identifier: GPL-2.0 */
/*
 * seg6mig: the seg6_mig command line tool. Declarations shared by its files.
 *
 *   seg6mig.c   main: global options, subcommand table, help
 *   nl.c        netlink sockets: requests, acks, extack messages, genl family
 *   json.c      a streaming JSON writer (for -j)
 *   show.c      show, release, purge (generic netlink family seg6_mig)
 *   monitor.c   monitor: the family's events
 *   gw.c        gw: the gateway's routes, R(s) and M(s1,s2) (rtnetlink);
 *               gw_route.c, gw_fib.c, gw_apply.c, gw_batch.c,
 *               gw_follow.c: see gw.h
 */
#ifndef SEG6MIG_H
#define SEG6MIG_H

#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

/* Exit codes. */
#define EXIT_KERNEL	1	/* the kernel refused: its message printed */
#define EXIT_USAGE	2	/* bad command line */

/* Global options, parsed by main() before the subcommand. */
struct s6m_opts {
	bool json;		/* -j */
	bool stats;		/* -s */
	const char *netns;	/* -n NETNS */
};

extern struct s6m_opts opts;

/* seg6mig.c */
void __attribute__((format(printf, 1, 2), noreturn)) usage_error(const char *fmt, ...);
void __attribute__((format(printf, 1, 2))) error_msg(const char *fmt, ...);
/* Arguments of a subcommand: next word, or a usage error naming @what. */
const char *next_arg(int *argc, char ***argv, const char *what);
int parse_u32(const char *s, const char *what, uint32_t *out);
int parse_in6(const char *s, const char *what, void *addr);

/* nl.c */
struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	char buf[32768];	/* a dump message: up to 32 KiB */
};

int nl_open(struct nl *nl, int bus);
void nl_close(struct nl *nl);
/* A request in nl->buf: header with the next sequence number. */
struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags);
/*
 * Send @nlh and read replies until its ack or dump end, passing each data
 * message to @cb. On error prints "@what: <extack message or strerror>"
 * (nothing if @what is NULL: the kernel refusing is then the caller's to
 * report) and returns -errno.
 */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	    const char *what);
/* The extack message of an NLMSG_ERROR message, or NULL. */
const char *nl_err_extack(const struct nlmsghdr *nlh);
/* Resolve a generic netlink family (and optionally a multicast group). */
int genl_resolve(struct nl *nl, const char *family, uint16_t *id,
		 const char *group, uint32_t *group_id);
/* Enter /run/netns/@name, as ip -n does. */
int netns_enter(const char *name);

/* json.c: output goes to stdout; keys are ignored inside arrays. */
void jw_obj_open(const char *key);
void jw_obj_close(void);
void jw_arr_open(const char *key);
void jw_arr_close(void);
void jw_str(const char *key, const char *val);
void jw_u64(const char *key, uint64_t val);
void jw_bool(const char *key, bool val);
/* End of a top-level value: newline and flush. */
void jw_end(void);

/* Subcommands: argc/argv start after the subcommand's name. */
int cmd_show(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_purge(int argc, char **argv);
int cmd_expect(int argc, char **argv);
int cmd_unexpect(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_gw(int argc, char **argv);

#endif /* SEG6MIG_H */
