// SPDX-License-Identifier: GPL-2.0
/*
 * End.FWP and End.BFW (SPEC section 2): is the VIP present on this host,
 * deliver to it, or pass the packet on (End.FWP) / hold it (End.BFW).
 */

#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <net/dst.h>
#include <net/ip6_fib.h>
#include <net/ip6_route.h>
#include <net/lwtunnel.h>

#include "seg6_mig.h"

void seg6_mig_count(struct seg6_mig_inst *inst, int stat, u64 n)
{
	struct seg6_mig_pcpu_stats *s = this_cpu_ptr(inst->stats);
	unsigned long flags;

	/* Also called from process context (queue release, purge). */
	flags = u64_stats_update_begin_irqsave(&s->syncp);
	u64_stats_add(&s->cnt[stat], n);
	u64_stats_update_end_irqrestore(&s->syncp, flags);
}

static void seg6_mig_count_rx(struct seg6_mig_inst *inst, unsigned int len)
{
	struct seg6_mig_pcpu_stats *s = this_cpu_ptr(inst->stats);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&s->syncp);
	u64_stats_inc(&s->packets);
	u64_stats_add(&s->bytes, len);
	u64_stats_update_end_irqrestore(&s->syncp, flags);
}

/* Counters summed over the CPUs, with the queue gauges. */
void seg6_mig_stats_sum(struct seg6_mig_inst *inst, u64 *cnt,
			u64 *packets, u64 *bytes)
{
	int cpu, i;

	memset(cnt, 0, sizeof(u64) * __SEG6_MIG_STAT_MAX);
	*packets = 0;
	*bytes = 0;
	for_each_possible_cpu(cpu) {
		struct seg6_mig_pcpu_stats *s = per_cpu_ptr(inst->stats, cpu);
		u64 c[__SEG6_MIG_STAT_MAX], p, b;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < __SEG6_MIG_STAT_MAX; i++)
				c[i] = u64_stats_read(&s->cnt[i]);
			p = u64_stats_read(&s->packets);
			b = u64_stats_read(&s->bytes);
		} while (u64_stats_fetch_retry(&s->syncp, start));

		for (i = 0; i < __SEG6_MIG_STAT_MAX; i++)
			cnt[i] += c[i];
		*packets += p;
		*bytes += b;
	}
	cnt[SEG6_MIG_STAT_QLEN] = READ_ONCE(inst->qlen);
	cnt[SEG6_MIG_STAT_QLEN_MAX] = READ_ONCE(inst->qlen_max);
}

/*
 * present(v): the route for @vip in @inst's table is a usable, directly
 * connected route out of a port other than the packet's ingress, and that
 * port is up, running, with carrier and operationally up; with the policy
 * "announce", the port has also carried a frame from the VM since it last
 * came up (port.c). Returns the route, held, or NULL when the VIP is
 * absent. @forced (the VIP was released from user space, which knows the
 * VM runs) waives carrier, operational state and announce. Caller holds
 * rcu_read_lock (or BH off).
 */
struct dst_entry *seg6_mig_present(struct seg6_mig_inst *inst,
				   const struct sk_buff *skb,
				   const struct in6_addr *vip,
				   const struct in6_addr *saddr, bool forced)
{
	struct net *net = inst->net;
	struct fib6_table *t;
	struct net_device *dev;
	struct rt6_info *rt;
	struct flowi6 fl6 = {
		.flowi6_iif = skb->dev->ifindex,
		.flowi6_mark = skb->mark,
		.daddr = *vip,
		.saddr = *saddr,
	};

	t = fib6_get_table(net, inst->table ?: RT6_TABLE_MAIN);
	if (!t)
		return NULL;
	rt = ip6_pol_route(net, t, 0, &fl6, NULL, RT6_LOOKUP_F_HAS_SADDR);
	dev = dst_dev(&rt->dst);

	if (rt->dst.error ||
	    (rt->rt6i_flags & (RTF_REJECT | RTF_GATEWAY | RTF_LOCAL)) ||
	    (dev->flags & IFF_LOOPBACK) || dev == skb->dev ||
	    !(dev->flags & IFF_UP) || !netif_running(dev) ||
	    (!forced && (!netif_carrier_ok(dev) || !netif_oper_up(dev))) ||
	    (!forced && inst->presence == SEG6_MIG_PRESENCE_ANNOUNCE &&
	     !seg6_mig_port_announced(net, dev, vip))) {
		dst_release(&rt->dst);
		return NULL;
	}
	return &rt->dst;
}

/*
 * The port the route for @vip in @table leads out of, when it is directly
 * connected, for SEG6_MIG_CMD_RELEASE; NULL otherwise. The device is not
 * held: caller holds rcu_read_lock.
 */
struct net_device *seg6_mig_vip_dev(struct net *net, u32 table,
				    const struct in6_addr *vip)
{
	struct net_device *dev = NULL;
	struct fib6_table *t;
	struct rt6_info *rt;
	struct flowi6 fl6 = {
		.flowi6_iif = LOOPBACK_IFINDEX,
		.daddr = *vip,
	};

	t = fib6_get_table(net, table ?: RT6_TABLE_MAIN);
	if (!t)
		return NULL;
	rt = ip6_pol_route(net, t, 0, &fl6, NULL, 0);
	if (!rt->dst.error &&
	    !(rt->rt6i_flags & (RTF_REJECT | RTF_GATEWAY | RTF_LOCAL)) &&
	    !(dst_dev(&rt->dst)->flags & IFF_LOOPBACK))
		dev = dst_dev(&rt->dst);
	dst_release(&rt->dst);
	return dev;
}

static int seg6_mig_deliver_finish(struct net *net, struct sock *sk,
				   struct sk_buff *skb)
{
	return dst_input(skb);
}

/*
 * Forward the (decapsulated) packet to the VIP over @dst, whose reference
 * it takes, through PRE_ROUTING when lwtunnel netfilter hooks are on: the
 * packet is the client's again, as after the kernel's End.DX6.
 */
int seg6_mig_deliver(struct sk_buff *skb, struct dst_entry *dst)
{
	skb_dst_drop(skb);
	skb_dst_set(skb, dst);

	if (static_branch_unlikely(&nf_hooks_lwtunnel_enabled))
		return NF_HOOK(NFPROTO_IPV6, NF_INET_PRE_ROUTING,
			       dev_net(skb->dev), NULL, skb, skb->dev, NULL,
			       seg6_mig_deliver_finish);
	return dst_input(skb);
}

/* As the kernel's End: route on the new DA in the main table. */
static int seg6_mig_forward_next(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	const struct ipv6hdr *hdr = ipv6_hdr(skb);
	struct dst_entry *dst;
	struct flowi6 fl6 = {
		.flowi6_iif = skb->dev->ifindex,
		.flowi6_mark = skb->mark,
		.flowi6_proto = hdr->nexthdr,
		.flowlabel = ip6_flowinfo(hdr),
		.daddr = hdr->daddr,
		.saddr = hdr->saddr,
	};

	dst = ip6_route_input_lookup(net, skb->dev, &fl6, skb,
				     RT6_LOOKUP_F_HAS_SADDR);
	if ((dst_dev(dst)->flags & IFF_LOOPBACK) && !dst->error) {
		/* Like End, never hand a transit packet to the local stack. */
		dst_release(dst);
		dst = &net->ipv6.ip6_blk_hole_entry->dst;
		dst_hold(dst);
	}
	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
	return dst_input(skb);
}

static int seg6_mig_drop(struct sk_buff *skb, struct seg6_mig_inst *inst,
			 int stat, enum skb_drop_reason reason)
{
	seg6_mig_count(inst, stat, 1);
	kfree_skb_reason(skb, reason);
	return -EINVAL;
}

static int seg6_mig_fwp_input(struct seg6_mig_inst *inst, struct sk_buff *skb,
			      const struct seg6_mig_pkt *pkt)
{
	struct dst_entry *dst;

	dst = seg6_mig_present(inst, skb, &pkt->vip, &pkt->saddr, false);
	if (dst) {
		if (seg6_mig_decap(skb, pkt)) {
			dst_release(dst);
			return seg6_mig_drop(skb, inst, SEG6_MIG_STAT_ERRORS,
					     SEG6_MIG_DROP_BAD_PACKET);
		}
		seg6_mig_count(inst, SEG6_MIG_STAT_LOCAL, 1);
		/* Behind End.BFW's packets for the VIP, if any (queue.c). */
		if (seg6_mig_net_hold(inst->net, skb, &pkt->vip)) {
			dst_release(dst);
			return 0;
		}
		return seg6_mig_deliver(skb, dst);
	}

	if (!seg6_mig_has_next(pkt))
		return seg6_mig_drop(skb, inst, SEG6_MIG_STAT_ABSENT,
				     SKB_DROP_REASON_IP_INNOROUTES);
	if (seg6_mig_advance(skb, pkt))
		return seg6_mig_drop(skb, inst, SEG6_MIG_STAT_ERRORS,
				     SKB_DROP_REASON_NOMEM);
	seg6_mig_count(inst, SEG6_MIG_STAT_NEXT, 1);
	return seg6_mig_forward_next(skb);
}

/* lwtunnel input of an End.FWP/End.BFW route (rcu_read_lock held). */
int seg6_mig_input(struct sk_buff *skb, struct seg6_mig_lwt *slwt)
{
	struct seg6_mig_inst *inst = slwt->inst;
	unsigned int len = skb->len;
	struct seg6_mig_pkt pkt;

	if (seg6_mig_parse(skb, &pkt))
		return seg6_mig_drop(skb, inst, SEG6_MIG_STAT_ERRORS,
				     SEG6_MIG_DROP_BAD_PACKET);
	seg6_mig_count_rx(inst, len);

	if (slwt->action == SEG6_MIG_ACTION_END_FWP)
		return seg6_mig_fwp_input(inst, skb, &pkt);
	return seg6_mig_bfw_input(inst, skb, &pkt);
}
