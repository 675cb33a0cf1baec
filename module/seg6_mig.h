/* SPDX-License-Identifier: GPL-2.0 */
/*
 * seg6_mig: declarations shared by the module's files.
 *
 *   main.c     module init/exit
 *   lwt.c      the seg6local extension: encap ops swap, route attributes
 *   packet.c   SRH validation, VIP, decapsulation, next segment
 *   actions.c  End.FWP and End.BFW, presence of a VIP, delivery, counters
 *   port.c     presence policy "announce": has a port carried the VM's frames
 *   queue.c    End.BFW's per-route buffer
 *   netns.c    per-namespace state, netdev and FIB events
 *   genl.c     generic netlink family seg6_mig: dump, release, purge, events
 */
#ifndef _SEG6_MIG_H
#define _SEG6_MIG_H

#include <linux/hashtable.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/ipv6.h>
#include <net/lwtunnel.h>
#include <uapi/linux/seg6_mig.h>

struct seg6_mig_pcpu_stats {
	u64_stats_t cnt[__SEG6_MIG_STAT_MAX];	/* SEG6_MIG_STAT_* */
	u64_stats_t packets;			/* for SEG6_LOCAL_COUNTERS */
	u64_stats_t bytes;
	struct u64_stats_sync syncp;
};

/*
 * A VIP End.BFW holds packets for or got one recently (queue.c): its
 * packets, oldest first, then End.FWP's that arrived after them.
 */
struct seg6_mig_vip {
	struct hlist_node node;
	struct in6_addr addr;
	struct sk_buff_head skbs;	/* its lock unused: seg6_mig_inst.lock */
	struct sk_buff_head late;	/* End.FWP's, behind skbs */
	u64 last_ns;			/* End.BFW's last packet for it */
	bool flushing;			/* a CPU is delivering them */
	bool forced;			/* released by SEG6_MIG_CMD_RELEASE */
	int neigh_wait;			/* release run that left them for NDP */
	u32 released;			/* delivered since the queue began */
	u64 wait_max_ns;		/* longest wait among those */
};

/* A VIP a strict End.BFW route queues for (SEG6_MIG_CMD_EXPECT), until
 * deadline_ns (ktime_get_ns()).
 */
struct seg6_mig_expect {
	struct hlist_node node;
	struct in6_addr addr;
	u64 deadline_ns;
};

/*
 * The part of a route that outlives its lwtunnel state: counters and, for
 * End.BFW, the queue. The lwtunnel state may be freed from an RCU callback,
 * where timers and works cannot be waited for; the instance is torn down
 * later from the module's workqueue (see seg6_mig_inst_put()).
 */
struct seg6_mig_inst {
	u32 action;
	u32 table;			/* FIB table of the VIPs */
	u32 presence;			/* SEG6_MIG_PRESENCE_* */
	struct in6_addr sid;		/* the route's prefix */
	u8 sid_len;
	int ifindex;			/* the route's device */
	struct net *net;		/* not counted: the route lives in it */
	struct seg6_mig_pcpu_stats __percpu *stats;
	struct list_head node;		/* seg6_mig_net.insts (RCU) */
	bool listed;			/* on it; under seg6_mig_net_lock */
	bool gone;			/* its route was deleted */
	struct work_struct teardown;
	struct rcu_head rcu;

	/* End.BFW only. */
	u32 limit_pkts;
	u32 limit_bytes;
	u32 hold_ms;
	u32 settle_ms;			/* End.FWP waits behind (queue.c) */
	u32 vip_share;			/* packets per VIP at most; 0: any */
	bool strict;			/* queue for expected VIPs only */
	struct work_struct release;
	struct timer_list expiry;
	struct timer_list settle;	/* a VIP seen may have settled */
	atomic_t release_seq;		/* see seg6_mig_bfw_input() */
	atomic_t overflow_unsent;	/* drops not yet in an event */
	unsigned long overflow_sent;	/* jiffies of the last such event */
	struct delayed_work overflow_event;

	spinlock_t lock;		/* protects all below */
	DECLARE_HASHTABLE(vips, 6);
	u32 qlen;			/* packets queued, all VIPs */
	u32 qbytes;			/* their truesize */
	u32 qlen_max;			/* high-water mark of qlen */
	u32 nvips;			/* tracked; read locklessly */
	DECLARE_HASHTABLE(expect, 4);	/* struct seg6_mig_expect */
	u32 nexpect;			/* entries in it */
	bool dead;			/* no more queueing: being torn down */
	bool quiet;			/* its namespace is going: no events */
};

/*
 * A namespace's ports, for the presence policy "announce" (port.c): which
 * of them carried a frame from their VM since they last came up, and the
 * rx hooks that watch those that have not yet, while some route waits on
 * them. Embedded in the namespace's state (netns.c).
 */
struct seg6_mig_ports {
	struct mutex mutex;		/* routes, dead, hooks; outside lock */
	spinlock_t lock;		/* BH: hash, records' state */
	DECLARE_HASHTABLE(hash, 5);	/* struct seg6_mig_port, by ifindex */
	unsigned int n;			/* records */
	unsigned int routes;		/* routes with policy announce */
	bool active;			/* routes && !dead: records may be made */
	bool dead;			/* the namespace is going */
	bool hooks_used;		/* a hook was registered (mutex) */
	struct work_struct work;	/* (un)registers hooks */
};

/* lwtunnel_state.data of an End.FWP/End.BFW route. */
struct seg6_mig_lwt {
	u32 action;	/* first, like struct seg6_local_lwt: see lwt.c */
	u32 table;	/* as configured; 0: not given (main) */
	bool count;	/* SEG6_LOCAL_COUNTERS given */
	struct seg6_mig_inst *inst;
};

/* What packet.c learned from a packet's headers. */
struct seg6_mig_pkt {
	unsigned int srhoff;	/* offset of the SRH; 0: none */
	unsigned int srhlen;
	unsigned int inner;	/* encap: offset of the inner IPv6 header */
	u8 segments_left;
	struct in6_addr vip;
	struct in6_addr saddr;	/* the source the VM will see */
};

/* skb->cb of a queued packet: IP6CB stays valid for the delivery. */
struct seg6_mig_cb {
	struct inet6_skb_parm h6;
	u64 enqueued_ns;
};

#define SEG6_MIG_CB(skb) ((struct seg6_mig_cb *)(skb)->cb)

static inline struct seg6_mig_lwt *seg6_mig_lwt(struct lwtunnel_state *lwt)
{
	return (struct seg6_mig_lwt *)lwt->data;
}

/* lwt.c */
int seg6_mig_lwt_init(void);
void seg6_mig_lwt_exit(void);

/* packet.c */
int seg6_mig_parse(struct sk_buff *skb, struct seg6_mig_pkt *pkt);
bool seg6_mig_has_next(const struct seg6_mig_pkt *pkt);
int seg6_mig_decap(struct sk_buff *skb, const struct seg6_mig_pkt *pkt);
int seg6_mig_advance(struct sk_buff *skb, const struct seg6_mig_pkt *pkt);

/* actions.c */
void seg6_mig_stats_sum(struct seg6_mig_inst *inst, u64 *cnt, u64 *packets,
			u64 *bytes);
int seg6_mig_input(struct sk_buff *skb, struct seg6_mig_lwt *slwt);
struct dst_entry *seg6_mig_present(struct seg6_mig_inst *inst,
				   const struct sk_buff *skb,
				   const struct in6_addr *vip,
				   const struct in6_addr *saddr, bool forced);
struct net_device *seg6_mig_vip_dev(struct net *net, u32 table,
				    const struct in6_addr *vip);
int seg6_mig_deliver(struct sk_buff *skb, struct dst_entry *dst);
void seg6_mig_count(struct seg6_mig_inst *inst, int stat, u64 n);

/* port.c */
bool seg6_mig_port_announced(struct net *net, struct net_device *dev,
			     const struct in6_addr *vip);
void seg6_mig_port_release(struct net *net, u32 table,
			   const struct in6_addr *vip);
int seg6_mig_ports_get(struct net *net);
void seg6_mig_ports_put(struct net *net);
void seg6_mig_ports_netdev_event(struct seg6_mig_ports *ports,
				 struct net_device *dev, unsigned long event);
void seg6_mig_ports_init(struct seg6_mig_ports *ports);
void seg6_mig_ports_exit(struct seg6_mig_ports *ports);

/* queue.c */
struct seg6_mig_inst *seg6_mig_inst_new(struct net *net, u32 action,
					u32 table);
void seg6_mig_inst_put(struct seg6_mig_inst *inst);
int seg6_mig_bfw_input(struct seg6_mig_inst *inst, struct sk_buff *skb,
		       const struct seg6_mig_pkt *pkt);
void seg6_mig_kick(struct seg6_mig_inst *inst);
void seg6_mig_queue_work(struct work_struct *work);
bool seg6_mig_bfw_hold(struct seg6_mig_inst *inst, struct sk_buff *skb,
		       const struct in6_addr *vip);
unsigned int seg6_mig_bfw_purge(struct seg6_mig_inst *inst,
				const struct net_device *dev,
				const struct in6_addr *vip);
unsigned int seg6_mig_bfw_release(struct seg6_mig_inst *inst,
				  const struct in6_addr *vip);
int seg6_mig_fill_vips(struct sk_buff *skb, struct seg6_mig_inst *inst,
		       unsigned long *skip);
int seg6_mig_bfw_expect(struct seg6_mig_inst *inst, const struct in6_addr *vip,
			u32 ms);
int seg6_mig_bfw_unexpect(struct seg6_mig_inst *inst,
			  const struct in6_addr *vip, u32 ms);
int seg6_mig_fill_expected(struct sk_buff *skb, struct seg6_mig_inst *inst);
void seg6_mig_bfw_stop(struct seg6_mig_inst *inst);
void seg6_mig_queue_flush(void);
int seg6_mig_queue_init(void);
void seg6_mig_queue_exit(void);

/* netns.c */
void seg6_mig_net_add(struct seg6_mig_inst *inst);
void seg6_mig_net_del(struct seg6_mig_inst *inst);
struct seg6_mig_ports *seg6_mig_net_ports(struct net *net);
void seg6_mig_net_kick(struct net *net);
int seg6_mig_net_dump(struct net *net, struct sk_buff *skb,
		      int (*fill)(struct sk_buff *skb, struct seg6_mig_inst *inst,
				  unsigned long *skip, void *arg),
		      unsigned long *pos, void *arg);
bool seg6_mig_net_hold(struct net *net, struct sk_buff *skb,
		       const struct in6_addr *vip);
int seg6_mig_net_for_sid(struct net *net, const struct in6_addr *sid,
			 unsigned int (*fn)(struct seg6_mig_inst *inst,
					    const struct in6_addr *vip),
			 const struct in6_addr *vip, unsigned int *sum);
int seg6_mig_net_for_sid_err(struct net *net, const struct in6_addr *sid,
			     int (*fn)(struct seg6_mig_inst *inst,
				       const struct in6_addr *vip, u32 ms),
			     const struct in6_addr *vip, u32 ms);
int seg6_mig_netns_init(void);
void seg6_mig_netns_exit(void);

/* genl.c */
bool seg6_mig_events_wanted(struct net *net);
void seg6_mig_event_vip(struct seg6_mig_inst *inst, u8 cmd,
			const struct in6_addr *vip, u32 pkts, u64 wait_ns);
void seg6_mig_event_overflow(struct seg6_mig_inst *inst, u32 pkts);
int seg6_mig_genl_init(void);
void seg6_mig_genl_exit(void);

#endif /* _SEG6_MIG_H */
