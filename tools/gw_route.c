// SPDX-License-Identifier: GPL-2.0
/*
 * A gateway's routes and nexthops <-> rtnetlink messages. The SRH is built
 * exactly as iproute2's `ip route|nexthop ... encap seg6 mode inline|encap
 * segs S1[,S2]` builds it, so encaps set by seg6mig and by ip are the same
 * bytes in the kernel:
 *
 *   encap:  Segment List = [S2, S1] (reversed), SL = first = nsegs - 1
 *   inline: Segment List = [::, S2, S1], one more slot at index 0 that the
 *           kernel fills with the packet's destination (the VIP) when it
 *           inserts the SRH (seg6_do_srh_inline()).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <linux/lwtunnel.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <linux/seg6.h>
#include <linux/seg6_iptunnel.h>

#include "gw.h"

/* The kernel's struct seg6_iptunnel_encap, with room for our segments. */
struct gw_srh_attr {
	int mode;
	struct ipv6_sr_hdr srh;
	struct in6_addr segments[GW_MAX_SEGS + 1];
};

static size_t gw_srh_build(struct gw_srh_attr *a, const struct gw_route *rt)
{
	int slots = rt->nsegs + (rt->mode == SEG6_IPTUN_MODE_INLINE);
	int i, slot;

	memset(a, 0, sizeof(*a));
	a->mode = rt->mode;
	a->srh.hdrlen = 2 * slots;	/* 8-octet units after the first 8 */
	a->srh.type = 4;		/* IPV6_SRCRT_TYPE_4, the SRH */
	a->srh.segments_left = slots - 1;
	a->srh.first_segment = slots - 1;
	/* The first segment to visit is the last in the list. */
	for (i = 0, slot = slots - 1; i < rt->nsegs; i++, slot--)
		a->segments[slot] = rt->segs[i];
	return sizeof(a->mode) + sizeof(a->srh) + slots * sizeof(struct in6_addr);
}

static size_t gw_vip_len(const struct gw_route *rt)
{
	return rt->family == AF_INET ? sizeof(struct in_addr)
				     : sizeof(struct in6_addr);
}

/* The seg6 encap of @rt as RTA_ENCAP_TYPE/NHA_ENCAP_TYPE + RTA_ENCAP/NHA_ENCAP. */
static void gw_put_encap(struct nlmsghdr *nlh, const struct gw_route *rt,
			 uint16_t type_attr, uint16_t encap_attr)
{
	struct gw_srh_attr srh;
	struct nlattr *encap;

	mnl_attr_put_u16(nlh, type_attr, LWTUNNEL_ENCAP_SEG6);
	encap = mnl_attr_nest_start(nlh, encap_attr);
	mnl_attr_put(nlh, SEG6_IPTUNNEL_SRH, gw_srh_build(&srh, rt), &srh);
	mnl_attr_nest_end(nlh, encap);
}

static struct nlmsghdr *gw_msg(void *buf, uint16_t type, uint16_t flags,
			       uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	return nlh;
}

struct nlmsghdr *gw_nh_msg(void *buf, const struct gw_route *rt, uint32_t id,
			   uint32_t seq, uint16_t flags)
{
	struct nlmsghdr *nlh = gw_msg(buf, RTM_NEWNEXTHOP, flags, seq);
	struct nhmsg *nhm;

	nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));
	nhm->nh_family = rt->family;
	nhm->nh_protocol = GW_RTPROT;
	if (id)
		mnl_attr_put_u32(nlh, NHA_ID, id);
	mnl_attr_put_u32(nlh, NHA_OIF, rt->ifindex);
	gw_put_encap(nlh, rt, NHA_ENCAP_TYPE, NHA_ENCAP);
	return nlh;
}

struct nlmsghdr *gw_nh_del_msg(void *buf, uint32_t id, uint32_t seq)
{
	struct nlmsghdr *nlh = gw_msg(buf, RTM_DELNEXTHOP, 0, seq);

	mnl_nlmsg_put_extra_header(nlh, sizeof(struct nhmsg));
	mnl_attr_put_u32(nlh, NHA_ID, id);
	return nlh;
}

static struct rtmsg *gw_rtm_put(struct nlmsghdr *nlh, const struct gw_route *rt)
{
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = rt->family;
	rtm->rtm_dst_len = gw_vip_len(rt) * 8;
	rtm->rtm_table = rt->table < 256 ? rt->table : RT_TABLE_UNSPEC;
	mnl_attr_put(nlh, RTA_DST, gw_vip_len(rt), &rt->vip);
	mnl_attr_put_u32(nlh, RTA_TABLE, rt->table);
	return rtm;
}

struct nlmsghdr *gw_route_nh_msg(void *buf, const struct gw_route *rt,
				 uint32_t nhid, uint32_t seq, uint16_t flags)
{
	struct nlmsghdr *nlh = gw_msg(buf, RTM_NEWROUTE, flags, seq);
	struct rtmsg *rtm = gw_rtm_put(nlh, rt);

	rtm->rtm_protocol = GW_RTPROT;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put_u32(nlh, RTA_NH_ID, nhid);
	return nlh;
}

struct nlmsghdr *gw_route_del_msg(void *buf, const struct gw_route *rt,
				  uint32_t seq)
{
	struct nlmsghdr *nlh = gw_msg(buf, RTM_DELROUTE, 0, seq);
	struct rtmsg *rtm = gw_rtm_put(nlh, rt);

	/* As ip route del: any protocol, any type. */
	rtm->rtm_scope = RT_SCOPE_NOWHERE;
	return nlh;
}

/* The segments of a dumped SEG6_IPTUNNEL_SRH, in the order visited. */
static int gw_srh_parse(const struct nlattr *attr, struct gw_route *rt)
{
	const struct seg6_iptunnel_encap *tun = mnl_attr_get_payload(attr);
	size_t len = mnl_attr_get_payload_len(attr);
	const struct ipv6_sr_hdr *srh;
	int slots, first, i;

	if (len < sizeof(*tun) + sizeof(*srh))
		return -EINVAL;
	srh = tun->srh;
	slots = srh->first_segment + 1;
	if (len < sizeof(*tun) + sizeof(*srh) + slots * sizeof(struct in6_addr))
		return -EINVAL;
	rt->mode = tun->mode;
	/* Inline: slot 0 is the VIP's place, not a segment. */
	first = rt->mode == SEG6_IPTUN_MODE_INLINE ? 1 : 0;
	rt->nsegs = slots - first;
	for (i = 0; i < rt->nsegs && i < GW_MAX_SEGS; i++)
		memcpy(&rt->segs[i], &srh->segments[slots - 1 - i],
		       sizeof(rt->segs[i]));
	return 0;
}

/* The SEG6_IPTUNNEL_SRH of a (RTA|NHA)_ENCAP of type seg6, or NULL. */
static const struct nlattr *gw_encap_srh(const struct nlattr *encap,
					 uint16_t encap_type)
{
	const struct nlattr *srh;

	if (!encap || encap_type != LWTUNNEL_ENCAP_SEG6)
		return NULL;
	srh = mnl_attr_get_payload(encap);
	/* The first nested attribute: SEG6_IPTUNNEL_SRH. */
	if (mnl_attr_get_payload_len(encap) < sizeof(*srh) ||
	    mnl_attr_get_type(srh) != SEG6_IPTUNNEL_SRH)
		return NULL;
	return srh;
}

bool gw_route_parse(const struct nlmsghdr *nlh, struct gw_route *rt)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *encap = NULL, *dst = NULL, *srh;
	uint16_t encap_type = 0;

	memset(rt, 0, sizeof(*rt));
	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)))
		return false;
	if (rtm->rtm_family != AF_INET6 && rtm->rtm_family != AF_INET)
		return false;
	rt->family = rtm->rtm_family;
	rt->table = rtm->rtm_table;
	rt->protocol = rtm->rtm_protocol;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		switch (mnl_attr_get_type(a)) {
		case RTA_DST:
			dst = a;
			break;
		case RTA_TABLE:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				rt->table = mnl_attr_get_u32(a);
			break;
		case RTA_OIF:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				rt->ifindex = mnl_attr_get_u32(a);
			break;
		case RTA_NH_ID:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				rt->nhid = mnl_attr_get_u32(a);
			break;
		case RTA_ENCAP_TYPE:
			if (!mnl_attr_validate(a, MNL_TYPE_U16))
				encap_type = mnl_attr_get_u16(a);
			break;
		case RTA_ENCAP:
			encap = a;
			break;
		}
	}
	if (!dst || rtm->rtm_dst_len != gw_vip_len(rt) * 8 ||
	    mnl_attr_get_payload_len(dst) != gw_vip_len(rt))
		return false;
	memcpy(&rt->vip, mnl_attr_get_payload(dst), gw_vip_len(rt));
	/* A nexthop's encap comes with the route only in compat mode. */
	srh = gw_encap_srh(encap, encap_type);
	if (srh && gw_srh_parse(srh, rt))
		srh = NULL;
	return srh || rt->nhid;
}

bool gw_nh_parse(const struct nlmsghdr *nlh, uint32_t *id, bool *own,
		 struct gw_route *rt)
{
	const struct nhmsg *nhm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *encap = NULL, *srh;
	uint16_t encap_type = 0;
	bool single = true;

	memset(rt, 0, sizeof(*rt));
	*id = 0;
	if (nlh->nlmsg_type != RTM_NEWNEXTHOP ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*nhm)))
		return false;
	mnl_attr_for_each(a, nlh, sizeof(*nhm)) {
		switch (mnl_attr_get_type(a)) {
		case NHA_ID:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				*id = mnl_attr_get_u32(a);
			break;
		case NHA_OIF:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				rt->ifindex = mnl_attr_get_u32(a);
			break;
		case NHA_ENCAP_TYPE:
			if (!mnl_attr_validate(a, MNL_TYPE_U16))
				encap_type = mnl_attr_get_u16(a);
			break;
		case NHA_ENCAP:
			encap = a;
			break;
		case NHA_GROUP:
		case NHA_BLACKHOLE:
		case NHA_FDB:
			single = false;
			break;
		}
	}
	srh = single ? gw_encap_srh(encap, encap_type) : NULL;
	if (srh && gw_srh_parse(srh, rt))
		srh = NULL;
	if (!srh)
		rt->ifindex = 0;
	*own = single && nhm->nh_protocol == GW_RTPROT;
	return *id != 0;
}

static int gw_oif_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct rtmsg))
		if (mnl_attr_get_type(a) == RTA_OIF &&
		    !mnl_attr_validate(a, MNL_TYPE_U32))
			*(uint32_t *)data = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

int gw_route_get_oif(struct nl *nl, const struct in6_addr *addr,
		     const char *where, uint32_t *ifindex)
{
	char what[INET6_ADDRSTRLEN + 64], sid[INET6_ADDRSTRLEN];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	inet_ntop(AF_INET6, addr, sid, sizeof(sid));
	snprintf(what, sizeof(what), "%.31sthe route to %s", where, sid);
	nlh = nl_msg(nl, RTM_GETROUTE, NLM_F_REQUEST);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = 128;
	mnl_attr_put(nlh, RTA_DST, sizeof(*addr), addr);
	*ifindex = 0;
	return nl_talk(nl, nlh, gw_oif_cb, ifindex, what);
}

bool gw_vip_eq(const struct gw_route *a, const struct gw_route *b)
{
	return a->family == b->family &&
	       !memcmp(&a->vip, &b->vip, gw_vip_len(a));
}

const char *gw_vip_str(const struct gw_route *rt, char *buf, size_t len)
{
	return inet_ntop(rt->family, &rt->vip, buf, len);
}

const char *gw_mode_str(int mode)
{
	switch (mode) {
	case SEG6_IPTUN_MODE_INLINE:
		return "inline";
	case SEG6_IPTUN_MODE_ENCAP:
		return "encap";
	case SEG6_IPTUN_MODE_L2ENCAP:
		return "l2encap";
	default:
		return "other";
	}
}
