// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink plumbing for seg6mig: sockets that ask for extended acks, one
 * request/reply loop that prints the kernel's message on error, generic
 * netlink family resolution and network namespaces.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "seg6mig.h"

int nl_open(struct nl *nl, int bus)
{
	int one = 1;

	nl->sock = mnl_socket_open(bus);
	if (!nl->sock) {
		error_msg("netlink socket: %s", strerror(errno));
		return -errno;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		error_msg("netlink bind: %s", strerror(errno));
		mnl_socket_close(nl->sock);
		return -errno;
	}
	/* Best effort: old kernels just print no message. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = time(NULL);
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

/* The extack message of an error or ack message, if any. */
static const char *nl_extack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	unsigned int off = sizeof(*err);
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&err->msg);
	mnl_attr_for_each(attr, nlh, off)
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    !mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
			return mnl_attr_get_str(attr);
	return NULL;
}

struct nl_talk {
	mnl_cb_t cb;
	void *data;
	const char *what;
	int err;
};

static int nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct nl_talk *t = data;
	const char *msg;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		t->err = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;	/* the ack */
	t->err = err->error;
	msg = nl_extack_msg(nlh);
	if (!t->what)
		return MNL_CB_ERROR;	/* the caller reports it */
	if (msg && *msg)
		error_msg("%s: %s (%s)", t->what, msg, strerror(-err->error));
	else
		error_msg("%s: %s", t->what, strerror(-err->error));
	return MNL_CB_ERROR;
}

/* End of a dump; its payload is the dump's error, if any. */
static int nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_talk *t = data;
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err >= 0)
		return MNL_CB_STOP;
	t->err = err;
	if (t->what)
		error_msg("%s: %s", t->what, strerror(-err));
	return MNL_CB_ERROR;
}

static int nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_talk *t = data;

	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	    const char *what)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = nl_error_cb,
		[NLMSG_DONE] = nl_done_cb,
	};
	struct nl_talk t = { .cb = cb, .data = data, .what = what };
	unsigned int seq = nlh->nlmsg_seq;
	int ret;

	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		error_msg("%s: %s", what ?: "netlink", strerror(errno));
		return -errno;
	}
	do {
		ret = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (ret < 0) {
			error_msg("%s: %s", what ?: "netlink", strerror(errno));
			return -errno;
		}
		ret = mnl_cb_run2(nl->buf, ret, seq, nl->portid, nl_data_cb, &t,
				  ctl, NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	if (ret == MNL_CB_ERROR) {
		if (!t.err) {
			t.err = -errno ?: -EIO;
			error_msg("%s: %s", what ?: "netlink", strerror(-t.err));
		}
		return t.err;
	}
	return 0;
}

struct genl_resolve {
	const char *group;
	uint16_t id;
	uint32_t group_id;
};

static int genl_group_cb(const struct nlattr *grp, struct genl_resolve *r)
{
	const struct nlattr *a;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(a, grp) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
		    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
			 !mnl_attr_validate(a, MNL_TYPE_U32))
			id = mnl_attr_get_u32(a);
	}
	if (name && r->group && !strcmp(name, r->group))
		r->group_id = id;
	return MNL_CB_OK;
}

static int genl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct genl_resolve *r = data;
	const struct nlattr *a, *grp;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (!mnl_attr_validate(a, MNL_TYPE_U16))
				r->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, a)
				genl_group_cb(grp, r);
			break;
		}
	}
	return MNL_CB_OK;
}

int genl_resolve(struct nl *nl, const char *family, uint16_t *id,
		 const char *group, uint32_t *group_id)
{
	struct genl_resolve r = { .group = group };
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	char what[64];
	int err;

	nlh = nl_msg(nl, GENL_ID_CTRL, NLM_F_REQUEST);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);

	snprintf(what, sizeof(what), "generic netlink family %s", family);
	err = nl_talk(nl, nlh, genl_family_cb, &r, what);
	/* A missing family is the usual error: say what it means. */
	if (err == -ENOENT)
		error_msg("is the seg6_mig module loaded? (modprobe seg6_mig)");
	if (err)
		return err;
	*id = r.id;
	if (group) {
		if (!r.group_id) {
			error_msg("%s has no multicast group %s", family, group);
			return -ENOENT;
		}
		*group_id = r.group_id;
	}
	return 0;
}

int netns_enter(const char *name)
{
	char path[256];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_msg("cannot open network namespace \"%s\": %s", name,
			  strerror(errno));
		return -errno;
	}
	if (setns(fd, CLONE_NEWNET)) {
		error_msg("setting the network namespace \"%s\": %s", name,
			  strerror(errno));
		close(fd);
		return -errno;
	}
	close(fd);
	return 0;
}

/*
 * For callers that read their own acks (gw -batch sends many requests at
 * once): the extack message of an NLMSG_ERROR message, or NULL.
 */
const char *nl_err_extack(const struct nlmsghdr *nlh)
{
	return nl_extack_msg(nlh);
}
