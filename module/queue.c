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
 * A flush ends only once what it sent has left every CPU's backlog (see
 * seg6_mig_backlog_barrier()): until then v stays "flushing", so a packet
 * arriving on another CPU cannot be delivered ahead of them.
 *
 * End.FWP. When the gateway moves v from M(s1,s2) to R(s2), packets sent
 * before the switch may still be on the longer path through s1 while the
 * first ones sent after it reach this host's End.FWP. So End.BFW tracks
 * every VIP it gets packets for until the route's settle time after the
 * last one, and End.FWP of the same namespace hands its packets for such a
 * VIP over (seg6_mig_bfw_hold()): they wait in v->late and leave after v's
 * own queue, once End.BFW got nothing for v for the settle time.
 *
 * Neighbour. A port that just came up rarely has the VM's neighbour entry
 * resolved, and the neighbour layer holds only a few unresolved packets,
 * which it sends from whichever CPU receives the answer. So a flush starts
 * resolution without a packet and keeps v's queue, in order, until the
 * entry is valid and has sent whatever else it held:
 * NETEVENT_NEIGH_UPDATE, sent after that, kicks the release work again
 * (netns.c).
 *
 * Strict. A strict route queues only for the VIPs it expects (struct
 * seg6_mig_expect, added by SEG6_MIG_CMD_EXPECT with a deadline): a packet
 * for any other absent VIP is dropped as unexpected before a struct
 * seg6_mig_vip is made for it, so junk takes neither buffer nor VIP slots.
 * A packet for a present VIP is delivered, strict or not: that is End.FWP's
 * delivery, which holds nothing. An expected VIP whose deadline passed is
 * removed when a lookup or a dump meets it; release does not remove it.
 *
 * Share. With vip_share set, one VIP holds at most that many packets (its
 * End.BFW queue and End.FWP's behind it), so that a flood for one VIP
 * cannot take the buffer from the others; the rest is dropped as share.
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
/* VIPs an instance tracks at most (queued, or seen within the settle time). */
#define SEG6_MIG_VIPS_MAX	4096
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

/* Run @work on the module's workqueue (port.c's hook work). */
void seg6_mig_queue_work(struct work_struct *work)
{
	queue_work(seg6_mig_wq, work);
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

/* A buffer of 0 packets or 0 bytes: End.BFW holds nothing ("sr-drop"). */
static bool seg6_mig_buffers(const struct seg6_mig_inst *inst)
{
	return inst->limit_pkts && inst->limit_bytes;
}

static bool seg6_mig_settled(const struct seg6_mig_inst *inst,
			     const struct seg6_mig_vip *v, u64 now)
{
	return now - v->last_ns >= (u64)inst->settle_ms * NSEC_PER_MSEC;
}

/* Track @addr (packets of it queued or seen). NULL: out of memory or over
 * SEG6_MIG_VIPS_MAX.
 */
static struct seg6_mig_vip *seg6_mig_vip_new(struct seg6_mig_inst *inst,
					     const struct in6_addr *addr)
{
	struct seg6_mig_vip *v;

	lockdep_assert_held(&inst->lock);
	if (inst->nvips >= SEG6_MIG_VIPS_MAX)
		return NULL;
	v = kzalloc(sizeof(*v), GFP_ATOMIC);
	if (!v)
		return NULL;
	v->addr = *addr;
	__skb_queue_head_init(&v->skbs);
	__skb_queue_head_init(&v->late);
	hash_add(inst->vips, &v->node, ipv6_addr_hash(addr));
	WRITE_ONCE(inst->nvips, inst->nvips + 1);
	return v;
}

/*
 * Have the release work look at @inst's VIPs again once @v has settled.
 * The timer keeps the earliest such time of all VIPs (timer_reduce()), so
 * End.FWP's packets leave v->late when v settles, not up to a settle time
 * later; the work arms it again for those not settled yet. Rounded up, and
 * one jiffy more for the tick's phase: early only by ktime vs jiffies skew,
 * which the work's re-arm covers.
 */
static void seg6_mig_settle_arm(struct seg6_mig_inst *inst,
				const struct seg6_mig_vip *v, u64 now)
{
	u64 at = v->last_ns + (u64)inst->settle_ms * NSEC_PER_MSEC;
	unsigned int ms = 0;

	if (at > now)
		ms = DIV_ROUND_UP_ULL(at - now, NSEC_PER_MSEC);
	timer_reduce(&inst->settle, jiffies + msecs_to_jiffies(ms) + 1);
}

/*
 * Forget @v once it holds nothing, nobody flushes it and it settled. Until
 * it settled, the settle timer has the release work look again (and
 * deliver v->late).
 */
static void seg6_mig_vip_put(struct seg6_mig_inst *inst, struct seg6_mig_vip *v)
{
	u64 now = ktime_get_ns();

	lockdep_assert_held(&inst->lock);
	if (v->flushing || !skb_queue_empty(&v->skbs))
		return;		/* put again when that ends */
	if (!skb_queue_empty(&v->late) || !seg6_mig_settled(inst, v, now)) {
		seg6_mig_settle_arm(inst, v, now);
		return;
	}
	hash_del(&v->node);
	WRITE_ONCE(inst->nvips, inst->nvips - 1);
	kfree(v);
}

static void seg6_mig_unlink(struct seg6_mig_inst *inst,
			    struct sk_buff_head *from, struct sk_buff *skb,
			    struct sk_buff_head *to)
{
	__skb_unlink(skb, from);
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

/* Has @v its share of the buffer already? */
static bool seg6_mig_over_share(const struct seg6_mig_inst *inst,
				const struct seg6_mig_vip *v)
{
	lockdep_assert_held(&inst->lock);
	return inst->vip_share &&
	       skb_queue_len(&v->skbs) + skb_queue_len(&v->late) >=
	       inst->vip_share;
}

static struct seg6_mig_expect *
seg6_mig_expect_find(struct seg6_mig_inst *inst, const struct in6_addr *addr)
{
	struct seg6_mig_expect *e;

	hash_for_each_possible(inst->expect, e, node, ipv6_addr_hash(addr))
		if (ipv6_addr_equal(&e->addr, addr))
			return e;
	return NULL;
}

static void seg6_mig_expect_del(struct seg6_mig_inst *inst,
				struct seg6_mig_expect *e)
{
	lockdep_assert_held(&inst->lock);
	hash_del(&e->node);
	inst->nexpect--;
	kfree(e);
}

/* Is @addr expected now? Removes it if its deadline passed. */
static bool seg6_mig_expected(struct seg6_mig_inst *inst,
			      const struct in6_addr *addr, u64 now)
{
	struct seg6_mig_expect *e;

	lockdep_assert_held(&inst->lock);
	e = seg6_mig_expect_find(inst, addr);
	if (!e)
		return false;
	if ((s64)(now - e->deadline_ns) >= 0) {
		seg6_mig_expect_del(inst, e);
		return false;
	}
	return true;
}

/* Remove the expected VIPs whose deadline passed. */
static void seg6_mig_expect_prune(struct seg6_mig_inst *inst, u64 now)
{
	struct seg6_mig_expect *e;
	struct hlist_node *tmp;
	int bkt;

	lockdep_assert_held(&inst->lock);
	hash_for_each_safe(inst->expect, bkt, tmp, e, node)
		if ((s64)(now - e->deadline_ns) >= 0)
			seg6_mig_expect_del(inst, e);
}

/*
 * SEG6_MIG_CMD_EXPECT: expect @vip for @ms from now (again, if expected).
 * Under seg6_mig_net_lock, BH disabled. -ENOSPC: SEG6_MIG_EXPECT_MAX VIPs
 * are expected already.
 */
int seg6_mig_bfw_expect(struct seg6_mig_inst *inst, const struct in6_addr *vip,
			u32 ms)
{
	u64 now = ktime_get_ns();
	struct seg6_mig_expect *e;
	int err = 0;

	spin_lock(&inst->lock);
	if (inst->dead) {
		err = -ENOENT;
		goto out;
	}
	seg6_mig_expect_prune(inst, now);
	e = seg6_mig_expect_find(inst, vip);
	if (!e) {
		if (inst->nexpect >= SEG6_MIG_EXPECT_MAX) {
			err = -ENOSPC;
			goto out;
		}
		e = kzalloc(sizeof(*e), GFP_ATOMIC);
		if (!e) {
			err = -ENOMEM;
			goto out;
		}
		e->addr = *vip;
		hash_add(inst->expect, &e->node, ipv6_addr_hash(vip));
		inst->nexpect++;
	}
	e->deadline_ns = now + (u64)ms * NSEC_PER_MSEC;
out:
	spin_unlock(&inst->lock);
	return err;
}

/* SEG6_MIG_CMD_UNEXPECT: -ENOENT if @vip is not expected. As above. */
int seg6_mig_bfw_unexpect(struct seg6_mig_inst *inst,
			  const struct in6_addr *vip, u32 ms)
{
	struct seg6_mig_expect *e;
	int err = -ESRCH;

	spin_lock(&inst->lock);
	e = seg6_mig_expect_find(inst, vip);
	if (e) {
		seg6_mig_expect_del(inst, e);
		err = 0;
	}
	spin_unlock(&inst->lock);
	return err;
}

/* The expected VIPs, as SEG6_MIG_A_EXPECTED; those past due are removed. */
int seg6_mig_fill_expected(struct sk_buff *skb, struct seg6_mig_inst *inst)
{
	u64 now = ktime_get_ns();
	struct seg6_mig_expect *e;
	struct nlattr *nest, *vip;
	int bkt, err = 0;

	nest = nla_nest_start(skb, SEG6_MIG_A_EXPECTED);
	if (!nest)
		return -EMSGSIZE;
	spin_lock_bh(&inst->lock);
	seg6_mig_expect_prune(inst, now);
	hash_for_each(inst->expect, bkt, e, node) {
		u64 left = div_u64(e->deadline_ns - now, NSEC_PER_MSEC);

		vip = nla_nest_start(skb, SEG6_MIG_A_VIP);
		if (!vip ||
		    nla_put_in6_addr(skb, SEG6_MIG_VIP_ADDR, &e->addr) ||
		    nla_put_u32(skb, SEG6_MIG_VIP_LEFT_MS,
				min_t(u64, left, U32_MAX))) {
			err = -EMSGSIZE;
			break;
		}
		nla_nest_end(skb, vip);
	}
	spin_unlock_bh(&inst->lock);
	if (err) {
		nla_nest_cancel(skb, nest);
		return err;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Queue @skb at the tail of @list, one of @v's. False: over a limit. */
static bool seg6_mig_enqueue(struct seg6_mig_inst *inst,
			     struct sk_buff_head *list, struct sk_buff *skb)
{
	lockdep_assert_held(&inst->lock);
	if (inst->qlen >= inst->limit_pkts ||
	    inst->qbytes + skb->truesize > inst->limit_bytes)
		return false;

	skb_dst_drop(skb);
	skb_orphan(skb);
	SEG6_MIG_CB(skb)->enqueued_ns = ktime_get_ns();
	__skb_queue_tail(list, skb);
	inst->qlen++;
	inst->qbytes += skb->truesize;
	if (inst->qlen > inst->qlen_max)
		inst->qlen_max = inst->qlen;
	if (!timer_pending(&inst->expiry))
		mod_timer(&inst->expiry,
			  jiffies + msecs_to_jiffies(inst->hold_ms) + 1);
	return true;
}

/*
 * May packets to @daddr over @dst leave now? Only once its neighbour entry
 * is valid and holds nothing: a packet sent while the neighbour layer
 * resolves the address, or drains what it held meanwhile, would overtake
 * those. If no resolution runs, start one, without a packet. BH disabled.
 */
static bool seg6_mig_neigh_ready(struct dst_entry *dst,
				 const struct in6_addr *daddr)
{
	const struct in6_addr *nh = rt6_nexthop((struct rt6_info *)dst, daddr);
	struct net_device *dev = dst_dev(dst);
	struct neighbour *n;
	bool ready = false;
	u8 state;

	/* BH off is an RCU reader already, but the neighbour table's
	 * rcu_dereference() wants rcu_read_lock() (lockdep says so).
	 */
	rcu_read_lock();
	n = __ipv6_neigh_lookup_noref(dev, nh);
	if (n) {
		state = READ_ONCE(n->nud_state);
		if (state & NUD_VALID) {
			ready = skb_queue_empty_lockless(&n->arp_queue);
			goto out;
		}
		if (state & NUD_INCOMPLETE)
			goto out;
	} else {
		n = __neigh_create(&nd_tbl, nh, dev, false);
		if (IS_ERR(n))
			goto out;
	}
	/* NONE, FAILED: solicit; the answer's neighbour update kicks us. */
	neigh_event_send(n, NULL);
out:
	rcu_read_unlock();
	return ready;
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

/* Where @sd's backlog stands: its tail (RPS counters). */
static unsigned int seg6_mig_backlog_mark(struct softnet_data *sd)
{
#ifdef CONFIG_RPS
	return READ_ONCE(sd->input_queue_tail);
#else
	return 0;
#endif
}

/* Has @sd's backlog received all it held when @mark was taken? */
static bool seg6_mig_backlog_passed(struct softnet_data *sd,
				    unsigned int mark)
{
#ifdef CONFIG_RPS
	return (int)(READ_ONCE(sd->input_queue_head) - mark) >= 0;
#else
	/* No counters: wait for it to be empty. */
	return !skb_queue_len_lockless(&sd->input_pkt_queue) &&
	       !skb_queue_len_lockless(&sd->process_queue);
#endif
}

/*
 * Packets the release sent through a veth wait in a CPU's backlog (this
 * CPU's, or the one RPS chose) until that CPU's softirq receives them. A
 * packet of the same VIP delivered meanwhile on another CPU would overtake
 * them, so wait until every backlog has received what it held once our
 * last packet was in: RFS orders flows moving between CPUs with the same
 * head and tail counters. Bounded, so that a CPU whose softirq does not run
 * cannot stall the release; process context.
 */
static void seg6_mig_backlog_barrier(void)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(100);
	int cpu;

	for_each_online_cpu(cpu) {
		struct softnet_data *sd = &per_cpu(softnet_data, cpu);
		unsigned int mark = seg6_mig_backlog_mark(sd);

		while (!seg6_mig_backlog_passed(sd, mark)) {
			if (time_after(jiffies, deadline))
				return;
			usleep_range(20, 50);
		}
	}
}

/*
 * The queue of @v to deliver from now: its own, then End.FWP's packets
 * once End.BFW's have settled. NULL: none.
 */
static struct sk_buff_head *seg6_mig_ready(struct seg6_mig_inst *inst,
					   struct seg6_mig_vip *v, u64 now)
{
	if (!skb_queue_empty(&v->skbs))
		return &v->skbs;
	if (!skb_queue_empty(&v->late) && seg6_mig_settled(inst, v, now))
		return &v->late;
	return NULL;
}

/* Move up to @n packets from the head of @list, one of @v's, to @to, for
 * delivery: End.BFW's own count in v's next "arrived" event.
 */
static void seg6_mig_take(struct seg6_mig_inst *inst, struct seg6_mig_vip *v,
			  struct sk_buff_head *list, unsigned int n,
			  struct sk_buff_head *to)
{
	u64 now = ktime_get_ns();
	struct sk_buff *skb;

	while (n-- && (skb = skb_peek(list))) {
		if (list == &v->skbs) {
			v->wait_max_ns = max(v->wait_max_ns,
					     now - SEG6_MIG_CB(skb)->enqueued_ns);
			v->released++;
		}
		seg6_mig_unlink(inst, list, skb, to);
	}
}

/* v's held packets are out: tell user space (lock not held). */
static void seg6_mig_arrived(struct seg6_mig_inst *inst, struct seg6_mig_vip *v)
{
	struct in6_addr addr = v->addr;
	u32 released = v->released;
	u64 wait_ns = v->wait_max_ns;

	v->released = 0;
	v->wait_max_ns = 0;
	spin_unlock(&inst->lock);
	seg6_mig_event_vip(inst, SEG6_MIG_CMD_ARRIVED, &addr, released, wait_ns);
	spin_lock(&inst->lock);
}

/*
 * Deliver @v's queues over @dst (reference taken), oldest first, from the
 * release work, in batches the receiving side can absorb: a veth takes
 * netdev_max_backlog packets per CPU before its softirq runs, so BH is
 * enabled between batches and the backlog is let drain. Nothing is left
 * to deliver only once the backlogs received the last batch; packets that
 * came meanwhile go in another round. If the VM's neighbour entry is not
 * ready, the queue stays (v->neigh_wait = @stamp). The caller set
 * v->flushing and does not hold the lock; BH is disabled.
 */
static void seg6_mig_flush(struct seg6_mig_inst *inst, struct seg6_mig_vip *v,
			   struct dst_entry *dst, int stamp)
{
	struct sk_buff_head batch, *list;
	struct sk_buff *skb;
	bool sent = false;
	bool ready;

	__skb_queue_head_init(&batch);
	spin_lock(&inst->lock);
	for (;;) {
		list = seg6_mig_ready(inst, v, ktime_get_ns());
		if (!list) {
			if (!sent)
				break;
			sent = false;
			spin_unlock(&inst->lock);
			local_bh_enable();
			seg6_mig_backlog_barrier();
			local_bh_disable();
			spin_lock(&inst->lock);
			if (v->released && skb_queue_empty(&v->skbs))
				seg6_mig_arrived(inst, v);
			continue;
		}
		/* Not under inst->lock: the neighbour layer takes its table's
		 * lock, under which it calls the netevent notifier, which
		 * takes seg6_mig_net_lock, under which inst->lock is taken
		 * (seg6_mig_bfw_purge()). A neighbour update after this look
		 * kicks the release work again.
		 */
		spin_unlock(&inst->lock);
		ready = seg6_mig_neigh_ready(dst, &v->addr);
		spin_lock(&inst->lock);
		if (!ready) {
			v->neigh_wait = stamp;
			break;
		}
		list = seg6_mig_ready(inst, v, ktime_get_ns());
		if (!list)
			continue;
		seg6_mig_take(inst, v, list, SEG6_MIG_FLUSH_BATCH, &batch);
		spin_unlock(&inst->lock);

		seg6_mig_count(inst, SEG6_MIG_STAT_FLUSHED,
			       skb_queue_len(&batch));
		/* ip6_forward() and dst_input() read RCU-protected state;
		 * BH off does not satisfy rcu_dereference()'s checks.
		 */
		rcu_read_lock();
		while ((skb = __skb_dequeue(&batch)))
			seg6_mig_deliver(skb, dst_clone(dst));
		rcu_read_unlock();
		sent = true;
		local_bh_enable();
		seg6_mig_backlog_wait();
		cond_resched();
		local_bh_disable();

		spin_lock(&inst->lock);
	}
	v->flushing = false;
	seg6_mig_vip_put(inst, v);
	spin_unlock(&inst->lock);
	dst_release(dst);
}

/*
 * Overflow events: at most one per SEG6_MIG_OVERFLOW_EVENT_GAP per route,
 * each with the drops since the previous one, sent from the workqueue.
 * Queued under inst->lock, @inst not dead: End.FWP reaches an End.BFW
 * instance under RCU only (seg6_mig_net_hold()), possibly while its
 * teardown runs, and seg6_mig_bfw_stop() cancels the work once it has
 * set dead under that lock; queued after that, the work (and its timer)
 * would outlive the instance.
 */
#define SEG6_MIG_OVERFLOW_EVENT_GAP	(HZ / 10)

static void seg6_mig_overflow_note(struct seg6_mig_inst *inst)
{
	unsigned long next;

	lockdep_assert_held(&inst->lock);
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
	dst = seg6_mig_present(inst, skb, &pkt->vip, &pkt->saddr, false);

	if (seg6_mig_decap(skb, pkt)) {
		dst_release(dst);
		seg6_mig_count(inst, SEG6_MIG_STAT_ERRORS, 1);
		kfree_skb_reason(skb, SEG6_MIG_DROP_BAD_PACKET);
		return -EINVAL;
	}

	spin_lock(&inst->lock);
	if (inst->dead) {
		/* Held and purged at once: the counters still add up. */
		spin_unlock(&inst->lock);
		dst_release(dst);
		seg6_mig_count(inst, SEG6_MIG_STAT_BUFFERED, 1);
		seg6_mig_count(inst, SEG6_MIG_STAT_PURGED, 1);
		kfree_skb_reason(skb, SEG6_MIG_DROP_PURGED);
		return 0;
	}
	/* Tracked for End.FWP too, unless v is present and settle is 0;
	 * with buffering off ("sr-drop"), not at all.
	 */
	v = seg6_mig_vip_find(inst, &pkt->vip);
	if (!v && !dst && inst->strict &&
	    !seg6_mig_expected(inst, &pkt->vip, ktime_get_ns())) {
		/* Closed SID: nothing is held or tracked for this VIP. */
		spin_unlock(&inst->lock);
		seg6_mig_count(inst, SEG6_MIG_STAT_UNEXPECTED, 1);
		kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
		return 0;
	}
	/* Strict and present: delivered, tracked only if expected. */
	if (!v && seg6_mig_buffers(inst) && (!dst || inst->settle_ms) &&
	    (!inst->strict || !dst ||
	     seg6_mig_expected(inst, &pkt->vip, ktime_get_ns())))
		v = seg6_mig_vip_new(inst, &pkt->vip);
	if (v) {
		v->last_ns = ktime_get_ns();
		seg6_mig_settle_arm(inst, v, v->last_ns);
	}
	/* Nothing of v's own ahead (End.FWP's in v->late are younger). */
	if (dst && (!v || (!v->flushing && skb_queue_empty(&v->skbs)))) {
		spin_unlock(&inst->lock);
		seg6_mig_count(inst, SEG6_MIG_STAT_DELIVERED, 1);
		return seg6_mig_deliver(skb, dst);
	}
	if (v && seg6_mig_over_share(inst, v)) {
		spin_unlock(&inst->lock);
		dst_release(dst);
		seg6_mig_count(inst, SEG6_MIG_STAT_SHARE, 1);
		kfree_skb_reason(skb, SKB_DROP_REASON_FULL_RING);
		return 0;
	}
	if (!v || !seg6_mig_enqueue(inst, &v->skbs, skb)) {
		seg6_mig_overflow_note(inst);
		spin_unlock(&inst->lock);
		dst_release(dst);
		seg6_mig_count(inst, SEG6_MIG_STAT_OVERFLOW, 1);
		kfree_skb_reason(skb, SKB_DROP_REASON_FULL_RING);
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
}

/*
 * End.FWP of @inst's namespace found @vip present and decapsulated @skb
 * for it. If End.BFW still has packets of @vip, or got one less than its
 * settle time ago, @skb waits behind them in v->late: true, @skb
 * taken (queued, or dropped as overflow). BH disabled.
 */
bool seg6_mig_bfw_hold(struct seg6_mig_inst *inst, struct sk_buff *skb,
		       const struct in6_addr *vip)
{
	struct seg6_mig_vip *v;
	bool queued;

	if (!seg6_mig_buffers(inst))
		return false;
	spin_lock(&inst->lock);
	v = inst->dead ? NULL : seg6_mig_vip_find(inst, vip);
	if (!v ||
	    (!v->flushing && skb_queue_empty(&v->skbs) &&
	     skb_queue_empty(&v->late) &&
	     seg6_mig_settled(inst, v, ktime_get_ns()))) {
		spin_unlock(&inst->lock);
		return false;
	}
	if (seg6_mig_over_share(inst, v)) {
		spin_unlock(&inst->lock);
		seg6_mig_count(inst, SEG6_MIG_STAT_SHARE, 1);
		kfree_skb_reason(skb, SKB_DROP_REASON_FULL_RING);
		return true;
	}
	queued = seg6_mig_enqueue(inst, &v->late, skb);
	if (queued)
		seg6_mig_settle_arm(inst, v, ktime_get_ns());
	else
		seg6_mig_overflow_note(inst);
	spin_unlock(&inst->lock);

	if (!queued) {
		seg6_mig_count(inst, SEG6_MIG_STAT_OVERFLOW, 1);
		kfree_skb_reason(skb, SKB_DROP_REASON_FULL_RING);
		return true;
	}
	seg6_mig_count(inst, SEG6_MIG_STAT_BUFFERED, 1);
	return true;
}

/* The settle time of some VIP passed: deliver End.FWP's packets it held,
 * forget VIPs seen no more.
 */
static void seg6_mig_settle_timer(struct timer_list *t)
{
	struct seg6_mig_inst *inst = from_timer(inst, t, settle);

	seg6_mig_kick(inst);
}

static void seg6_mig_release_work(struct work_struct *work)
{
	struct seg6_mig_inst *inst = container_of(work, struct seg6_mig_inst,
						  release);
	struct sk_buff_head *list;
	struct hlist_node *tmp;
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
	hash_for_each_safe(inst->vips, bkt, tmp, v, node) {
		if (v->flushing)
			continue;
		list = seg6_mig_ready(inst, v, ktime_get_ns());
		if (!list) {
			seg6_mig_vip_put(inst, v);	/* forget it if settled */
			continue;
		}
		/* Skip a VIP this run already left waiting for NDP. */
		if (v->neigh_wait == stamp)
			continue;
		/* Under inst->lock: present() creates no neighbour entry
		 * (port.c solicits from its work), see seg6_mig_flush().
		 */
		head = skb_peek(list);
		dst = seg6_mig_present(inst, head, &v->addr,
				       &ipv6_hdr(head)->saddr, v->forced);
		if (!dst)
			continue;
		v->flushing = true;
		spin_unlock(&inst->lock);
		seg6_mig_flush(inst, v, dst, stamp);
		spin_lock(&inst->lock);
		goto restart;
	}
out:
	spin_unlock(&inst->lock);
	local_bh_enable();
}

/* Move @list's packets due before @now to @to; *@next: the next due. */
static u32 seg6_mig_expire(struct seg6_mig_inst *inst, struct sk_buff_head *list,
			   u64 now, u64 *next, struct sk_buff_head *to)
{
	u64 hold_ns = (u64)inst->hold_ms * NSEC_PER_MSEC;
	struct sk_buff *skb;
	u32 n = 0;

	while ((skb = skb_peek(list))) {
		u64 due = SEG6_MIG_CB(skb)->enqueued_ns + hold_ns;

		if (due > now) {
			*next = min(*next, due);
			break;
		}
		seg6_mig_unlink(inst, list, skb, to);
		n++;
	}
	return n;
}

static void seg6_mig_expiry(struct timer_list *t)
{
	struct seg6_mig_inst *inst = from_timer(inst, t, expiry);
	u64 now = ktime_get_ns(), next = U64_MAX;
	struct sk_buff_head expired;
	struct seg6_mig_vip *v;
	struct hlist_node *tmp;
	int bkt;

	__skb_queue_head_init(&expired);
	spin_lock(&inst->lock);
	hash_for_each_safe(inst->vips, bkt, tmp, v, node) {
		u32 n = seg6_mig_expire(inst, &v->skbs, now, &next, &expired) +
			seg6_mig_expire(inst, &v->late, now, &next, &expired);

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

/* Move @list's packets that came in through @dev (NULL: any) to @to. */
static u32 seg6_mig_purge_list(struct seg6_mig_inst *inst,
			       struct sk_buff_head *list,
			       const struct net_device *dev,
			       struct sk_buff_head *to)
{
	struct sk_buff *skb, *next;
	u32 n = 0;

	skb_queue_walk_safe(list, skb, next) {
		if (dev && skb->dev != dev)
			continue;
		seg6_mig_unlink(inst, list, skb, to);
		n++;
	}
	return n;
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
	struct hlist_node *tmp;
	unsigned int total;
	int bkt;

	__skb_queue_head_init(&purged);
	spin_lock_bh(&inst->lock);
	hash_for_each_safe(inst->vips, bkt, tmp, v, node) {
		u32 n;

		if (vip && !ipv6_addr_equal(&v->addr, vip))
			continue;
		n = seg6_mig_purge_list(inst, &v->skbs, dev, &purged) +
		    seg6_mig_purge_list(inst, &v->late, dev, &purged);
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
 * whatever its port's carrier and announce say, and mark that port as
 * announced for the routes that wait for one (port.c). Returns the packets
 * queued for it. Called under seg6_mig_net_lock.
 */
unsigned int seg6_mig_bfw_release(struct seg6_mig_inst *inst,
				  const struct in6_addr *vip)
{
	struct seg6_mig_vip *v;
	unsigned int n = 0;

	seg6_mig_port_release(inst->net, inst->table, vip);
	spin_lock_bh(&inst->lock);
	v = seg6_mig_vip_find(inst, vip);
	if (v) {
		v->forced = true;
		n = skb_queue_len(&v->skbs) + skb_queue_len(&v->late);
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
	struct sk_buff *head;
	u32 pkts;
	u64 age;

	vips = nla_nest_start(skb, SEG6_MIG_A_VIPS);
	if (!vips)
		return -EMSGSIZE;
	spin_lock_bh(&inst->lock);
	hash_for_each(inst->vips, bkt, v, node) {
		/* The oldest: End.BFW's own are older than End.FWP's. */
		head = skb_peek(&v->skbs) ?: skb_peek(&v->late);
		if (!head || i++ < *skip)
			continue;
		pkts = skb_queue_len(&v->skbs) + skb_queue_len(&v->late);
		age = now - SEG6_MIG_CB(head)->enqueued_ns;
		nest = nla_nest_start(skb, SEG6_MIG_A_VIP);
		if (!nest ||
		    nla_put_in6_addr(skb, SEG6_MIG_VIP_ADDR, &v->addr) ||
		    nla_put_u32(skb, SEG6_MIG_VIP_PKTS, pkts) ||
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
	struct seg6_mig_expect *e;
	struct seg6_mig_vip *v;
	struct hlist_node *tmp;
	int bkt;

	spin_lock_bh(&inst->lock);
	inst->dead = true;
	spin_unlock_bh(&inst->lock);
	timer_shutdown_sync(&inst->expiry);
	timer_shutdown_sync(&inst->settle);
	cancel_work_sync(&inst->release);
	cancel_delayed_work_sync(&inst->overflow_event);
	seg6_mig_bfw_purge(inst, NULL, NULL);

	/* Empty now; some may not have settled. */
	spin_lock_bh(&inst->lock);
	hash_for_each_safe(inst->vips, bkt, tmp, v, node) {
		hash_del(&v->node);
		kfree(v);
	}
	WRITE_ONCE(inst->nvips, 0);
	hash_for_each_safe(inst->expect, bkt, tmp, e, node)
		seg6_mig_expect_del(inst, e);
	spin_unlock_bh(&inst->lock);
}

static void seg6_mig_inst_free(struct rcu_head *head)
{
	struct seg6_mig_inst *inst = container_of(head, struct seg6_mig_inst,
						  rcu);

	free_percpu(inst->stats);
	kfree(inst);
}

static void seg6_mig_inst_teardown(struct work_struct *work)
{
	struct seg6_mig_inst *inst = container_of(work, struct seg6_mig_inst,
						  teardown);

	seg6_mig_net_del(inst);
	if (inst->action == SEG6_MIG_ACTION_END_BFW)
		seg6_mig_bfw_stop(inst);
	/* Once quiet, its namespace has dropped its ports itself; until then
	 * the namespace's exit waits for this work (netns.c).
	 */
	if (inst->presence == SEG6_MIG_PRESENCE_ANNOUNCE &&
	    !READ_ONCE(inst->quiet))
		seg6_mig_ports_put(inst->net);
	/* End.FWP may still look at it (seg6_mig_net_hold()). */
	call_rcu(&inst->rcu, seg6_mig_inst_free);
	/* The module's exit waits for this work (destroy_workqueue), then
	 * for the RCU callback (rcu_barrier).
	 */
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
	timer_setup(&inst->settle, seg6_mig_settle_timer, 0);
	spin_lock_init(&inst->lock);
	hash_init(inst->vips);
	hash_init(inst->expect);
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
	rcu_barrier();		/* seg6_mig_inst_free() */
}
