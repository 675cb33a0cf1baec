// SPDX-License-Identifier: GPL-2.0
/*
 * seg6mig monitor: print the events of the generic netlink family seg6_mig,
 * one line (or one JSON object) per event, flushed as it comes, so that a
 * pipe (seg6mig monitor -j | seg6mig gw follow) sees each event at once.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <linux/genetlink.h>
#include <linux/seg6_mig.h>

#include "seg6mig.h"

struct event {
	const char *name;
	struct in6_addr sid, vip;
	bool has_vip, has_wait;
	uint32_t pkts, wait_us;
};

static const char *event_name(uint8_t cmd)
{
	switch (cmd) {
	case SEG6_MIG_CMD_ARRIVED:
		return "arrived";
	case SEG6_MIG_CMD_OVERFLOW:
		return "overflow";
	case SEG6_MIG_CMD_EXPIRED:
		return "expired";
	case SEG6_MIG_CMD_PURGED:
		return "purged";
	}
	return NULL;
}

static void print_event(const struct event *e)
{
	char sid[INET6_ADDRSTRLEN], vip[INET6_ADDRSTRLEN];
	struct timeval tv;

	gettimeofday(&tv, NULL);
	inet_ntop(AF_INET6, &e->sid, sid, sizeof(sid));
	inet_ntop(AF_INET6, &e->vip, vip, sizeof(vip));
	if (opts.json) {
		jw_obj_open(NULL);
		jw_str("event", e->name);
		jw_str("sid", sid);
		if (e->has_vip)
			jw_str("vip", vip);
		jw_u64("packets", e->pkts);
		if (e->has_wait)
			jw_u64("wait_us", e->wait_us);
		/* When this process read it: for latency measurements. */
		jw_u64("time_us", (uint64_t)tv.tv_sec * 1000000 + tv.tv_usec);
		jw_obj_close();
		jw_end();
		return;
	}
	printf("%s sid %s", e->name, sid);
	if (e->has_vip)
		printf(" vip %s", vip);
	printf(" packets %u", e->pkts);
	if (e->has_wait)
		printf(" wait %u.%03u ms", e->wait_us / 1000, e->wait_us % 1000);
	putchar('\n');
	fflush(stdout);
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	uint16_t family = *(uint16_t *)data;
	struct event e = { 0 };
	const struct nlattr *a;

	if (nlh->nlmsg_type != family)
		return MNL_CB_OK;
	e.name = event_name(g->cmd);
	if (!e.name)
		return MNL_CB_OK;	/* a newer kernel's event */
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case SEG6_MIG_A_SID:
			if (mnl_attr_get_payload_len(a) == sizeof(e.sid))
				memcpy(&e.sid, mnl_attr_get_payload(a), sizeof(e.sid));
			break;
		case SEG6_MIG_A_VIP:
			if (mnl_attr_get_payload_len(a) == sizeof(e.vip)) {
				memcpy(&e.vip, mnl_attr_get_payload(a), sizeof(e.vip));
				e.has_vip = true;
			}
			break;
		case SEG6_MIG_A_PKTS:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				e.pkts = mnl_attr_get_u32(a);
			break;
		case SEG6_MIG_A_WAIT_US:
			if (!mnl_attr_validate(a, MNL_TYPE_U32)) {
				e.wait_us = mnl_attr_get_u32(a);
				e.has_wait = true;
			}
			break;
		}
	}
	print_event(&e);
	return MNL_CB_OK;
}

int cmd_monitor(int argc, char **argv)
{
	uint32_t group;
	uint16_t family;
	struct nl nl;
	int ret;

	while (argc > 0) {
		const char *arg = next_arg(&argc, &argv, "option");

		if (!strcmp(arg, "-j"))
			opts.json = true;
		else
			usage_error("monitor: unknown argument \"%s\"", arg);
	}

	if (nl_open(&nl, NETLINK_GENERIC))
		return EXIT_KERNEL;
	if (genl_resolve(&nl, SEG6_MIG_GENL_NAME, &family, SEG6_MIG_GENL_MCGRP,
			 &group))
		goto err;
	if (mnl_socket_setsockopt(nl.sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group))) {
		error_msg("joining group %s: %s", SEG6_MIG_GENL_MCGRP,
			  strerror(errno));
		goto err;
	}
	/* Subscribed: tell whoever waits for it (tests, scripts). */
	fputs("seg6mig: listening for seg6_mig events\n", stderr);

	for (;;) {
		ret = mnl_socket_recvfrom(nl.sock, nl.buf, sizeof(nl.buf));
		if (ret < 0) {
			if (errno == ENOBUFS) {
				error_msg("events lost: the socket's buffer overflowed");
				continue;
			}
			error_msg("receiving events: %s", strerror(errno));
			goto err;
		}
		ret = mnl_cb_run(nl.buf, ret, 0, 0, event_cb, &family);
		if (ret < 0) {
			error_msg("reading events: %s", strerror(errno));
			goto err;
		}
	}
err:
	nl_close(&nl);
	return EXIT_KERNEL;
}
