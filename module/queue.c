// SPDX-License-Identifier: GPL-2.0
/*
 * End.BFW's buffer: per route, per VIP FIFOs, bounded in packets and bytes,
 * each packet held at most hold_ms.
 *
 * Ordering. A packet for VIP v is delivered on arrival only when nothing of
 * v is queued or being flushed; otherwise it joins v's queue. Only the
 * release work delivers a queue: it sets v->flushing and delivers v's queue
 * outside the lock, re-taking it until the queue is empty; packets arriving
 * meanwhile on any CPU join the queue and are delivered by that same run,
 * in order. So no packet of v overtakes an earlier one. A packet that finds
 * v present with packets queued kicks the work ("release on the next
 * packet").
 *
 * Release. Netdev and FIB events kick the release work, which re-checks the
 * presence of every queued VIP. A packet found absent may race with such an
 * event; release_seq closes the race: the work bumps it after the event's
 * state is visible and before scanning, and an enqueuer that saw it change
 * since before its own presence lookup kicks the work again.
 *
 * Neighbour. A port that just came up rarely has the VM's neighbour entry
 * resolved, and the neighbour layer holds only a few unresolved packets.
 * So a flush sends one packet to start resolution and leaves the rest
 * queued, in order, until the entry is valid and has sent what it held
 * (else ours would overtake those): NETEVENT_NEIGH_UPDATE, sent after that,
 * kicks the release work again (netns.c).
 *
 * Locking: inst->lock (BH) protects the queues and counters of queue state;
 * packets are delivered without it, with BH disabled. Queued packets hold
 * no dst; skb->dev is their ingress device, purged when it unregisters.
 */

#include <linux/delay.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/ip6_fib.h>
#include <net/ip6_route.h>
#include <net/ndisc.h>

#include "seg6_mig.h"

/* Packets delivered between two chances for the softirq to run. */
#define SEG6_MIG_FLUSH_BATCH	64
/* Backlog (packets) of the releasing CPU under which the next batch goes:
 * well under netdev_max_backlog (1000 by default), where a veth drops.
 */
#define SEG6_MIG_BACKLOG_LOW	128

static struct workqueue_struct *seg6_mig_wq;

/* Have the release work look at @inst's queues (any context). */
void seg6_mig_kick(struct seg6_mig_inst *inst)
{
	queue_work(seg6_mig_wq, &inst->release);
}

static struct seg6_mig_vip *seg6_mig_vip_find(struct seg6_mig_inst *inst,
					      const struct in6_addr *addr)
{
	struct seg6_mig_vip *v;
	u32 key = ipv6_addr_hash(addr);

	hash_for_each_possible(inst->vips, v, node, key)
		if (ipv6_addr_equal(&v->addr, addr))
			return v;
	return NULL;
}

/* Forget @v once it holds nothing and nobody flushes it. */
static void seg6_mig_vip_put(struct seg6_mig_inst *inst, struct seg6_mig_vip *v)
{
	lockdep_assert_held(&inst->lock);
	if (v->flushing || !skb_queue_empty(&v->skbs))
		return;
	hash_del(&v->node);
	kfree(v);
}

static void seg6_mig_unlink(struct seg6_mig_inst *inst, struct seg6_mig_vip *v,
			    struct sk_buff *skb, struct sk_buff_head *to)
{
	__skb_unlink(skb, &v->skbs);
	inst->qlen--;
	inst->qbytes -= skb->truesize;
	__skb_queue_tail(to, skb);
}

static void seg6_mig_free_list(struct seg6_mig_inst *inst,
			       struct sk_buff_head *list, int stat,
			       enum skb_drop_reason reason)
{
	struct sk_buff *skb;

	if (skb_queue_empty(list))
		return;
	seg6_mig_count(inst, stat, skb_queue_len(list));
	while ((skb = __skb_dequeue(list)))
		kfree_skb_reason(skb, reason);
}

/* Queue @skb behind @v's packets (creating @v). False: over a limit. */
static bool seg6_mig_enqueue(struct seg6_mig_inst *inst,
			     struct seg6_mig_vip **vp, struct sk_buff *skb)
{
	struct seg6_mig_vip *v = *vp;

	lockdep_assert_held(&inst->lock);
	if (inst->qlen >= inst->limit_pkts ||
	    inst->qbytes + skb->truesize > inst->limit_bytes)
		return false;
	if (!v) {
		v = kzalloc(sizeof(*v), GFP_ATOMIC);
		if (!v)
			return false;
		v->addr = ipv6_hdr(skb)->daddr;
		__skb_queue_head_init(&v->skbs);
		hash_add(inst->vips, &v->node, ipv6_addr_hash(&v->addr));
		*vp = v;
	}

	skb_dst_drop(skb);
	skb_orphan(skb);
	SEG6_MIG_CB(skb)->enqueued_ns = ktime_get_ns();
	__skb_queue_tail(&v->skbs, skb);
	inst->qlen++;
	inst->qbytes += skb->truesize;
	if (inst->qlen > inst->qlen_max)
		inst->qlen_max = inst->qlen;
	if (!timer_pending(&inst->expiry))
		mod_timer(&inst->expiry,
			  jiffies + msecs_to_jiffies(inst->hold_ms) + 1);
	return true;
}

enum seg6_mig_neigh {
	SEG6_MIG_NEIGH_READY,	/* valid, nothing of ours queued in it */
	SEG6_MIG_NEIGH_PROBE,	/* no resolution running: one packet starts it */
	SEG6_MIG_NEIGH_WAIT,	/* resolving, or sending what it held */
};

/*
 * May packets to @daddr over @dst leave now? Not while the neighbour layer
 * resolves the address or drains the packets it held meanwhile: a packet
 * sent then would overtake those.
 */
static enum seg6_mig_neigh seg6_mig_neigh(struct dst_entry *dst,
					  const struct in6_addr *daddr)
{
	const struct in6_addr *nh = rt6_nexthop((struct rt6_info *)dst, daddr);
	struct neighbour *n;
	u8 state;

	n = __ipv6_neigh_lookup_noref(dst_dev(dst), nh);
	if (!n)
		return SEG6_MIG_NEIGH_PROBE;
	state = READ_ONCE(n->nud_state);
	if (state & NUD_VALID)
		return skb_queue_empty_lockless(&n->arp_queue) ?
		       SEG6_MIG_NEIGH_READY : SEG6_MIG_NEIGH_WAIT;
	return state & NUD_INCOMPLETE ? SEG6_MIG_NEIGH_WAIT :
					SEG6_MIG_NEIGH_PROBE;
}

/*
 * A veth hands what the release sends to this CPU's backlog, which its
 * softirq drains; when that runs late (ksoftirqd), wait for it rather than
 * overflow it. The release work is bound to its CPU (per-CPU workqueue).
 */
static void seg6_mig_backlog_wait(void)
{
	int i;

	for (i = 0; i < 100; i++) {
		struct softnet_data *sd = raw_cpu_ptr(&softnet_data);

		if (skb_queue_len_lockless(&sd->input_pkt_queue) <
		    SEG6_MIG_BACKLOG_LOW)
			return;
		usleep_range(500, 1000);
	}
}

/* Move up to @n packets from the head of @v's queue to @to, for delivery:
 * they count in v's next "arrived" event.
 */
static void seg6_mig_take(struct seg6_mig_inst *inst, struct seg6_mig_vip *v,
			  unsigned int n, struct sk_buff_head *to)
{
	u64 now = ktime_get_ns();
	struct sk_buff *skb;

	while (n-- && (skb = skb_peek(&v->skbs))) {
		v->wait_max_ns = max(v->wait_max_ns,
				     now - SEG6_MIG_CB(skb)->enqueued_ns);
		v->released++;
		seg6_mig_unlink(inst, v, skb, to);
	}
}

/*
 * Deliver @v's queue over @dst (reference taken), oldest first, from the
 * release work, in batches the receiving side can absorb: a veth takes
 * netdev_max_backlog packets per CPU before its softirq runs, so BH is
 * enabled between batches and the backlog is let drain. If the VM's
 * neighbour entry is not valid, one packet goes to start its resolution
 * and the rest stays queued (v->neigh_wait = @stamp) until it is. The
 * caller set v->flushing and does not hold the lock; BH is disabled.
 */
static void seg6_mig_flush(struct seg6_mig_inst *inst, struct seg6_mig_vip *v,
			   struct dst_entry *dst, int stamp)
{
	struct sk_buff_head list;
	bool probed = false;
	struct in6_addr addr;
	struct sk_buff *skb;
	u32 released = 0;
	unsigned int n;
	u64 wait_ns = 0;

	__skb_queue_head_init(&list);
	spin_lock(&inst->lock);
	while (!skb_queue_empty(&v->skbs)) {
		n = SEG6_MIG_FLUSH_BATCH;
		switch (seg6_mig_neigh(dst, &v->addr)) {
		case SEG6_MIG_NEIGH_READY:
			break;
		case SEG6_MIG_NEIGH_PROBE:
			if (!probed) {
				probed = true;
				n = 1;
				break;
			}
			fallthrough;
		case SEG6_MIG_NEIGH_WAIT:
			v->neigh_wait = stamp;
			n = 0;
			break;
		}
		if (!n)
			break;
		seg6_mig_take(inst, v, n, &list);
		spin_unlock(&inst->lock);

		seg6_mig_count(inst, SEG6_MIG_STAT_FLUSHED, skb_queue_len(&list));
		while ((skb = __skb_dequeue(&list)))
			seg6_mig_deliver(skb, dst_clone(dst));
		local_bh_enable();
		seg6_mig_backlog_wait();
		cond_resched();
		local_bh_disable();

		spin_lock(&inst->lock);
	}
	/* All delivered (not left for NDP): the VIP has arrived. */
	if (skb_queue_empty(&v->skbs) && v->released) {
		addr = v->addr;
		released = v->released;
		wait_ns = v->wait_max_ns;
		v->released = 0;
		v->wait_max_ns = 0;
	}
	v->flushing = false;
	inst->nflushing--;
	seg6_mig_vip_put(inst, v);
	spin_unlock(&inst->lock);
	dst_release(dst);
	if (released)
		seg6_mig_event_vip(inst, SEG6_MIG_CMD_ARRIVED, &addr, released,
				   wait_ns);
}

/*
 * Overflow events: at most one per SEG6_MIG_OVERFLOW_EVENT_GAP per route,
 * each with the drops since the previous one, sent from the workqueue.
 */
#define SEG6_MIG_OVERFLOW_EVENT_GAP	(HZ / 10)

static void seg6_mig_overflow_note(struct seg6_mig_inst *inst)
{
	unsigned long next;

	if (!seg6_mig_events_wanted(inst->net))
		return;
	atomic_inc(&inst->overflow_unsent);
	next = READ_ONCE(inst->overflow_sent) + SEG6_MIG_OVERFLOW_EVENT_GAP;
	queue_delayed_work(seg6_mig_wq, &inst->overflow_event,
			   time_after(next, jiffies) ? next - jiffies : 0);
}

static void seg6_mig_overflow_work(struct work_struct *work)
{
	struct seg6_mig_inst *inst = container_of(to_delayed_work(work),
						  struct seg6_mig_inst,
						  overflow_event);
	unsigned int n;
	bool dead;

	spin_lock_bh(&inst->lock);
	dead = inst->dead;
	spin_unlock_bh(&inst->lock);
	n = atomic_xchg(&inst->overflow_unsent, 0);
	if (dead || !n)
		return;
	WRITE_ONCE(inst->overflow_sent, jiffies);
	local_bh_disable();
	seg6_mig_event_overflow(inst, n);
	local_bh_enable();
}

/* End.BFW input, after seg6_mig_parse(). */
int seg6_mig_bfw_input(struct seg6_mig_inst *inst, struct sk_buff *skb,
		       const struct seg6_mig_pkt *pkt)
{
	int seq = atomic_read(&inst->release_seq);
	struct seg6_mig_vip *v;
	struct dst_entry *dst;
	bool forced;

	smp_rmb(); /* release_seq before the presence lookup */
	dst = seg6_mig_present(inst->net, inst->table, skb, &pkt->vip,
			       &pkt->saddr, false);

	if (seg6_mig_decap(skb, pkt)) {
		dst_release(dst);
		seg6_mig_count(inst, SEG6_MIG_STAT_ERRORS, 1);
		kfree_skb_reason(skb, SEG6_MIG_DROP_BAD_PACKET);
		return -EINVAL;
	}

	/* Fast path: present and nothing queued anywhere. */
	if (dst && !READ_ONCE(inst->qlen) && !READ_ONCE(inst->nflushing))
		goto deliver;

	spin_lock(&inst->lock);
	v = seg6_mig_vip_find(inst, &pkt->vip);
	if (dst && (!v || (!v->flushing && skb_queue_empty(&v->skbs)))) {
		spin_unlock(&inst->lock);
		goto deliver;
	}
	if (inst->dead) {
		/* Held and purged at once: the counters still add up. */
		spin_unlock(&inst->lock);
		dst_release(dst);
		seg6_mig_count(inst, SEG6_MIG_STAT_BUFFERED, 1);
		seg6_mig_count(inst, SEG6_MIG_STAT_PURGED, 1);
		kfree_skb_reason(skb, SEG6_MIG_DROP_PURGED);
		return 0;
	}
	if (!seg6_mig_enqueue(inst, &v, skb)) {
		spin_unlock(&inst->lock);
		dst_release(dst);
		seg6_mig_count(inst, SEG6_MIG_STAT_OVERFLOW, 1);
		kfree_skb_reason(skb, SKB_DROP_REASON_FULL_RING);
		seg6_mig_overflow_note(inst);
		return 0;
	}
	seg6_mig_count(inst, SEG6_MIG_STAT_BUFFERED, 1);
	forced = v->forced;
	spin_unlock(&inst->lock);

	if (dst || forced) {
		/* Present (or released), with older packets queued: the
		 * release work delivers them, then this one (it may be doing
		 * so already).
		 */
		dst_release(dst);
		seg6_mig_kick(inst);
		return 0;
	}
	smp_mb(); /* enqueue before re-reading release_seq */
	if (atomic_read(&inst->release_seq) != seq)
		seg6_mig_kick(inst);
	return 0;

deliver:
	seg6_mig_count(inst, SEG6_MIG_STAT_DELIVERED, 1);
	return seg6_mig_deliver(skb, dst);
}

static void seg6_mig_release_work(struct work_struct *work)
{
	struct seg6_mig_inst *inst = container_of(work, struct seg6_mig_inst,
						  release);
	struct seg6_mig_vip *v;
	struct fib6_table *t;
	struct dst_entry *dst;
	struct sk_buff *head;
	bool dead;
	int bkt, stamp;

	/* Once dead, the namespace may be going: do not look into it. */
	spin_lock_bh(&inst->lock);
	dead = inst->dead;
	spin_unlock_bh(&inst->lock);
	if (dead)
		return;

	/* FIB notifiers run before the route is linked, under tb6_lock:
	 * taking it once makes routes announced so far visible.
	 */
	rcu_read_lock();
	t = fib6_get_table(inst->net, inst->table ?: RT6_TABLE_MAIN);
	if (t) {
		spin_lock_bh(&t->tb6_lock);
		spin_unlock_bh(&t->tb6_lock);
	}
	rcu_read_unlock();

	stamp = atomic_inc_return(&inst->release_seq);
	smp_mb__after_atomic(); /* release_seq before the presence lookups */

	local_bh_disable();
	spin_lock(&inst->lock);
restart:
	if (inst->dead)
		goto out;
	hash_for_each(inst->vips, bkt, v, node) {
		/* Skip a VIP this run already left waiting for NDP. */
		if (v->flushing || skb_queue_empty(&v->skbs) ||
		    v->neigh_wait == stamp)
			continue;
		head = skb_peek(&v->skbs);
		dst = seg6_mig_present(inst->net, inst->table, head, &v->addr,
				       &ipv6_hdr(head)->saddr, v->forced);
		if (!dst)
			continue;
		v->flushing = true;
		inst->nflushing++;
		spin_unlock(&inst->lock);
		seg6_mig_flush(inst, v, dst, stamp);
		spin_lock(&inst->lock);
		goto restart;
	}
out:
	spin_unlock(&inst->lock);
	local_bh_enable();
}

static void seg6_mig_expiry(struct timer_list *t)
{
	struct seg6_mig_inst *inst = from_timer(inst, t, expiry);
	u64 hold_ns = (u64)inst->hold_ms * NSEC_PER_MSEC;
	u64 now = ktime_get_ns(), next = U64_MAX;
	struct sk_buff_head expired;
	struct seg6_mig_vip *v;
	struct hlist_node *tmp;
	struct sk_buff *skb;
	int bkt;

	__skb_queue_head_init(&expired);
	spin_lock(&inst->lock);
	hash_for_each_safe(inst->vips, bkt, tmp, v, node) {
		u32 n = 0;

		while ((skb = skb_peek(&v->skbs))) {
			u64 due = SEG6_MIG_CB(skb)->enqueued_ns + hold_ns;

			if (due > now) {
				next = min(next, due);
				break;
			}
			seg6_mig_unlink(inst, v, skb, &expired);
			n++;
		}
		if (n)
			seg6_mig_event_vip(inst, SEG6_MIG_CMD_EXPIRED, &v->addr,
					   n, 0);
		seg6_mig_vip_put(inst, v);
	}
	if (next != U64_MAX && !inst->dead)
		mod_timer(&inst->expiry,
			  jiffies + nsecs_to_jiffies(next - now) + 1);
	spin_unlock(&inst->lock);

	seg6_mig_free_list(inst, &expired, SEG6_MIG_STAT_EXPIRED,
			   SKB_DROP_REASON_NOT_SPECIFIED);
}

/*
 * Drop queued packets that came in through @dev, for @vip (NULL: any), as
 * purged. Returns how many.
 */
unsigned int seg6_mig_bfw_purge(struct seg6_mig_inst *inst,
				const struct net_device *dev,
				const struct in6_addr *vip)
{
	struct sk_buff_head purged;
	struct seg6_mig_vip *v;
	struct sk_buff *skb, *next;
	struct hlist_node *tmp;
	unsigned int total;
	int bkt;

	__skb_queue_head_init(&purged);
	spin_lock_bh(&inst->lock);
	hash_for_each_safe(inst->vips, bkt, tmp, v, node) {
		u32 n = 0;

		if (vip && !ipv6_addr_equal(&v->addr, vip))
			continue;
		skb_queue_walk_safe(&v->skbs, skb, next) {
			if (dev && skb->dev != dev)
				continue;
			seg6_mig_unlink(inst, v, skb, &purged);
			n++;
		}
		if (n)
			seg6_mig_event_vip(inst, SEG6_MIG_CMD_PURGED, &v->addr,
					   n, 0);
		seg6_mig_vip_put(inst, v);
	}
	spin_unlock_bh(&inst->lock);

	total = skb_queue_len(&purged);
	seg6_mig_free_list(inst, &purged, SEG6_MIG_STAT_PURGED,
			   SEG6_MIG_DROP_PURGED);
	return total;
}

/*
 * SEG6_MIG_CMD_RELEASE: deliver @vip's queue once its route is usable,
 * whatever its port's carrier says. Returns the packets queued for it.
 */
unsigned int seg6_mig_bfw_release(struct seg6_mig_inst *inst,
				  const struct in6_addr *vip)
{
	struct seg6_mig_vip *v;
	unsigned int n = 0;

	spin_lock_bh(&inst->lock);
	v = seg6_mig_vip_find(inst, vip);
	if (v) {
		v->forced = true;
		n = skb_queue_len(&v->skbs);
	}
	spin_unlock_bh(&inst->lock);
	if (n)
		seg6_mig_kick(inst);
	return n;
}

/*
 * The VIPs with packets queued, as SEG6_MIG_A_VIPS, from the *@skip-th on;
 * *@skip counts those put. -EMSGSIZE: @skb is full.
 */
int seg6_mig_fill_vips(struct sk_buff *skb, struct seg6_mig_inst *inst,
		       unsigned long *skip)
{
	u64 now = ktime_get_ns();
	struct nlattr *vips, *nest;
	struct seg6_mig_vip *v;
	unsigned long i = 0;
	int bkt, err = 0;
	u64 age;

	vips = nla_nest_start(skb, SEG6_MIG_A_VIPS);
	if (!vips)
		return -EMSGSIZE;
	spin_lock_bh(&inst->lock);
	hash_for_each(inst->vips, bkt, v, node) {
		if (skb_queue_empty(&v->skbs) || i++ < *skip)
			continue;
		age = now - SEG6_MIG_CB(skb_peek(&v->skbs))->enqueued_ns;
		nest = nla_nest_start(skb, SEG6_MIG_A_VIP);
		if (!nest ||
		    nla_put_in6_addr(skb, SEG6_MIG_VIP_ADDR, &v->addr) ||
		    nla_put_u32(skb, SEG6_MIG_VIP_PKTS,
				skb_queue_len(&v->skbs)) ||
		    nla_put_u32(skb, SEG6_MIG_VIP_AGE_US,
				min_t(u64, div_u64(age, NSEC_PER_USEC),
				      U32_MAX))) {
			if (nest)
				nla_nest_cancel(skb, nest);
			err = -EMSGSIZE;
			break;
		}
		nla_nest_end(skb, nest);
		(*skip)++;
	}
	spin_unlock_bh(&inst->lock);
	nla_nest_end(skb, vips);
	return err;
}

/* Stop queueing, wait for the timer and the release work, free the queue.
 * Process context; may be called twice (netns exit, then route teardown).
 */
void seg6_mig_bfw_stop(struct seg6_mig_inst *inst)
{
	spin_lock_bh(&inst->lock);
	inst->dead = true;
	spin_unlock_bh(&inst->lock);
	timer_shutdown_sync(&inst->expiry);
	cancel_work_sync(&inst->release);
	cancel_delayed_work_sync(&inst->overflow_event);
	seg6_mig_bfw_purge(inst, NULL, NULL);
}

static void seg6_mig_inst_teardown(struct work_struct *work)
{
	struct seg6_mig_inst *inst = container_of(work, struct seg6_mig_inst,
						  teardown);

	seg6_mig_net_del(inst);
	if (inst->action == SEG6_MIG_ACTION_END_BFW)
		seg6_mig_bfw_stop(inst);
	free_percpu(inst->stats);
	kfree(inst);
	/* The module's exit waits for this work (destroy_workqueue). */
	module_put(THIS_MODULE);
}

struct seg6_mig_inst *seg6_mig_inst_new(struct net *net, u32 action, u32 table)
{
	struct seg6_mig_inst *inst;

	inst = kzalloc(sizeof(*inst), GFP_KERNEL);
	if (!inst)
		return NULL;
	inst->stats = netdev_alloc_pcpu_stats(struct seg6_mig_pcpu_stats);
	if (!inst->stats) {
		kfree(inst);
		return NULL;
	}
	inst->action = action;
	inst->table = table;
	inst->net = net;
	INIT_WORK(&inst->teardown, seg6_mig_inst_teardown);
	INIT_WORK(&inst->release, seg6_mig_release_work);
	INIT_DELAYED_WORK(&inst->overflow_event, seg6_mig_overflow_work);
	INIT_LIST_HEAD(&inst->node);
	timer_setup(&inst->expiry, seg6_mig_expiry, 0);
	spin_lock_init(&inst->lock);
	hash_init(inst->vips);
	__module_get(THIS_MODULE);
	return inst;
}

/* From the route's destroy_state, in any context. */
void seg6_mig_inst_put(struct seg6_mig_inst *inst)
{
	WRITE_ONCE(inst->gone, true);	/* no longer reported */
	queue_work(seg6_mig_wq, &inst->teardown);
}

int seg6_mig_queue_init(void)
{
	BUILD_BUG_ON(sizeof(struct seg6_mig_cb) >
		     sizeof_field(struct sk_buff, cb));

	/* High priority: queued packets should reach the VM within 1 ms of
	 * its port coming up.
	 */
	seg6_mig_wq = alloc_workqueue("seg6_mig", WQ_HIGHPRI | WQ_MEM_RECLAIM,
				      0);
	return seg6_mig_wq ? 0 : -ENOMEM;
}

/* Wait for every release and teardown queued so far. */
void seg6_mig_queue_flush(void)
{
	flush_workqueue(seg6_mig_wq);
}

void seg6_mig_queue_exit(void)
{
	destroy_workqueue(seg6_mig_wq);
}
