// SPDX-License-Identifier: GPL-2.0
/*
 * The presence policy "announce" (SPEC section 2, issue 7): a VIP's port
 * counts as present only once it has also carried a frame from its VM
 * since it last came up. A QEMU tap has carrier from the moment QEMU opens
 * it, on the destination host long before the migrated VM resumes; what
 * End.BFW released into it then would go to a paused VM. After the resume
 * QEMU announces the VM (RARP), and a guest with virtio's announce sends
 * gratuitous ARP and unsolicited neighbour advertisements.
 *
 * A port is announced, for the routes with the policy, when one of these
 * holds since it last came up (admin up, or carrier on):
 *  - the rx hook below saw a frame from the VM on it: RARP (QEMU's
 *    announce), a gratuitous ARP, an unsolicited NA (S clear), or an IPv6
 *    frame whose source is one of the VIPs that wait on the port;
 *  - the VIP's IPv6 neighbour entry on it is REACHABLE, STALE, DELAY or
 *    PROBE: the neighbour layer heard the VIP there (its NS, or its NA
 *    answering one). Entries go with the carrier (ndisc_evict_nocarrier)
 *    and with the port;
 *  - SEG6_MIG_CMD_RELEASE named a VIP routed out of it (the orchestrator
 *    knows the VM runs);
 *  - it was already up when its namespace got its first route with the
 *    policy: nothing says it is not, and a running VM that is sent
 *    nothing sends nothing.
 * A VIP found not announced is solicited (a neighbour solicitation, as
 * the release starts one): a VM that runs answers, one that is paused
 * does not (QEMU does not read the tap meanwhile; the solicitation waits
 * in the tap's queue, or is lost, and the VM's own announce counts).
 *
 * The hook. A port is watched only while it is not announced and some
 * route with the policy has asked about it: End.BFW holding packets for a
 * VIP routed out of it, or End.FWP finding it not announced. It is a
 * packet_type for ETH_P_ALL bound to the port (dev_add_pack() with .dev):
 * it sees only that port's frames, ignore_outgoing spares it the frames
 * the host sends, it comes before any rx_handler and coexists with every
 * other hook on the port. The alternative, netdev_rx_handler_register(),
 * is exclusive: a bridge, bond, macvlan/macvtap or openvswitch port
 * already has one, and taking it would break them (or be refused). The
 * hook only reads headers (the skb may be shared) and is removed once the
 * port is announced or goes away.
 *
 * State. A record per port that is announced or watched, in a hash by
 * ifindex. "Since it last came up": a record is dropped when its port goes
 * down or is unregistered (moved out of the namespace), and its announce
 * holds only while the port's carrier_down_count has not moved since.
 * Records are made only while the namespace has routes with the policy,
 * and all go with the last one.
 *
 * Locking and lifetime:
 * - ports->lock (BH) protects the hash, ports->n, ports->active and each
 *   record's announce state, want_hook, want_probe and VIPs. The packet
 *   path reads records under RCU. It nests inside seg6_mig_net_lock
 *   (release) and inst->lock (the release work looks presence up under
 *   it), never outside: kicks are done after it is dropped. Soliciting a VIP takes
 *   the neighbour table's lock, under which the neighbour layer calls
 *   seg6_mig's netevent notifier (seg6_mig_net_lock): present() only
 *   marks the record (want_probe) and the work solicits, holding no lock
 *   but ports->mutex.
 * - ports->mutex serialises what sleeps or frees: registering and removing
 *   hooks (record->hooked), the count of routes with the policy, the walk
 *   of a namespace's ports, and freeing records (unlinked under both,
 *   freed with the lock dropped: removing a hook takes ptype_lock, which
 *   is not BH-safe, and lockdep saw that inversion). Only holders of the
 *   mutex free records, so a holder may use a record after dropping the
 *   lock. RTNL nests outside it (netdev events, build_state); nobody
 *   takes RTNL under it, and the hook work does not take RTNL.
 * - A record holds its device (netdev_hold) and is dropped, hook first, by
 *   NETDEV_DOWN and NETDEV_UNREGISTER. Records are made and marked only for
 *   registered devices that are up, tested under the lock: closing and
 *   unregistering change the device before they notify (unregistration
 *   also waits for RCU readers), and the notifier takes the lock, so no
 *   record outlives its port's "up".
 * - Records are freed after a grace period (kfree_rcu): a hook just
 *   removed may still be running. When the last route with the policy
 *   goes (ports_put) or the namespace does (ports_exit), and it had hooks,
 *   that is waited for (synchronize_net): the namespace's state outlives
 *   every run of the hook, and so does the module's text (module exit
 *   also waits for RCU readers first, seg6_mig_lwt_exit()).
 */

#include <linux/etherdevice.h>
#include <linux/hashtable.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/ndisc.h>
#include <net/neighbour.h>

#include "seg6_mig.h"

/* VIPs a watched port's hook takes as the VM's source addresses. */
#define SEG6_MIG_PORT_VIPS	4
/* Records the packet path may make per namespace (the walk is not bound). */
#define SEG6_MIG_PORTS_MAX	4096
/* Neighbour states that say the VIP was heard on the port. */
#define SEG6_MIG_NUD_HEARD	(NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE)

struct seg6_mig_port {
	struct hlist_node node;		/* ports->hash (RCU) */
	struct seg6_mig_ports *ports;
	struct net_device *dev;		/* held */
	netdevice_tracker tracker;
	struct packet_type pt;		/* the hook, bound to dev */
	int down_gen;			/* dev->carrier_down_count at announce */
	bool announced;			/* while down_gen holds */
	bool want_hook;			/* lock */
	bool want_probe;		/* lock: the work solicits its VIPs */
	bool hooked;			/* mutex */
	u8 nvips;			/* lock; the hook reads it with acquire */
	struct in6_addr vips[SEG6_MIG_PORT_VIPS];	/* append only */
	struct seg6_mig_port *gone;	/* unlinked, to free (mutex) */
	struct rcu_head rcu;
};

static int seg6_mig_port_rcv(struct sk_buff *skb, struct net_device *dev,
			     struct packet_type *pt,
			     struct net_device *orig_dev);

static struct seg6_mig_port *seg6_mig_port_find(struct seg6_mig_ports *ports,
						const struct net_device *dev)
{
	struct seg6_mig_port *rec;

	hash_for_each_possible_rcu(ports->hash, rec, node, dev->ifindex)
		if (rec->dev == dev)
			return rec;
	return NULL;
}

/* Up as present() wants it, before the announce. */
static bool seg6_mig_port_up(const struct net_device *dev)
{
	return !(dev->flags & IFF_LOOPBACK) && (dev->flags & IFF_UP) &&
	       netif_running(dev) && netif_carrier_ok(dev) &&
	       netif_oper_up(dev);
}

/* A record for @dev, not linked yet (@gfp: the context's). */
static struct seg6_mig_port *seg6_mig_port_alloc(struct seg6_mig_ports *ports,
						 struct net_device *dev,
						 gfp_t gfp)
{
	struct seg6_mig_port *rec;

	rec = kzalloc(sizeof(*rec), gfp);
	if (!rec)
		return NULL;
	rec->ports = ports;
	rec->dev = dev;
	netdev_hold(dev, &rec->tracker, gfp);
	rec->pt.type = htons(ETH_P_ALL);
	rec->pt.dev = dev;
	rec->pt.func = seg6_mig_port_rcv;
	rec->pt.ignore_outgoing = true;
	return rec;
}

static void seg6_mig_port_link(struct seg6_mig_ports *ports,
			       struct seg6_mig_port *rec)
{
	lockdep_assert_held(&ports->lock);
	hash_add_rcu(ports->hash, &rec->node, rec->dev->ifindex);
	ports->n++;
}

/* A new record for @dev on the packet path (lock held, RCU). */
static struct seg6_mig_port *seg6_mig_port_new(struct seg6_mig_ports *ports,
					       struct net_device *dev)
{
	struct seg6_mig_port *rec;

	lockdep_assert_held(&ports->lock);
	/* Unregistration and NETDEV_DOWN change these before they notify,
	 * and the notifier takes the lock: no record outlives its port.
	 */
	if (!ports->active || ports->n >= SEG6_MIG_PORTS_MAX ||
	    READ_ONCE(dev->reg_state) != NETREG_REGISTERED ||
	    !(READ_ONCE(dev->flags) & IFF_UP))
		return NULL;
	rec = seg6_mig_port_alloc(ports, dev, GFP_ATOMIC);
	if (rec)
		seg6_mig_port_link(ports, rec);
	return rec;
}

/*
 * Unlink @rec (mutex and lock held) onto *@gone, for seg6_mig_ports_free()
 * once the lock is dropped.
 */
static void seg6_mig_port_unlink(struct seg6_mig_ports *ports,
				 struct seg6_mig_port *rec,
				 struct seg6_mig_port **gone)
{
	lockdep_assert_held(&ports->mutex);
	lockdep_assert_held(&ports->lock);
	hash_del_rcu(&rec->node);
	ports->n--;
	rec->gone = *gone;
	*gone = rec;
}

/*
 * Free unlinked records, each hook first (mutex held, not the lock:
 * removing a hook takes ptype_lock, which is not BH-safe, and the packet
 * path takes the lock). RCU readers may still see them, the hooks may
 * still run: freed after a grace period.
 */
static void seg6_mig_ports_free(struct seg6_mig_ports *ports,
				struct seg6_mig_port *gone)
{
	struct seg6_mig_port *rec;

	lockdep_assert_held(&ports->mutex);
	while ((rec = gone)) {
		gone = rec->gone;
		if (rec->hooked)
			__dev_remove_pack(&rec->pt);
		netdev_put(rec->dev, &rec->tracker);
		kfree_rcu(rec, rcu);
	}
}

/*
 * Announced for the port's carrier period @down (lock held). Not once the
 * port is going down: its NETDEV_DOWN would not see the mark.
 */
static void seg6_mig_port_mark(struct seg6_mig_ports *ports,
			       struct seg6_mig_port *rec, int down)
{
	lockdep_assert_held(&ports->lock);
	if (!(READ_ONCE(rec->dev->flags) & IFF_UP))
		return;
	WRITE_ONCE(rec->down_gen, down);
	WRITE_ONCE(rec->announced, true);
	if (rec->want_hook) {
		rec->want_hook = false;
		seg6_mig_queue_work(&ports->work);
	}
}

/*
 * @vip, routed out of @dev, waits on its announce: let the hook look for
 * frames from it, and watch the port (lock held).
 */
static void seg6_mig_port_want(struct seg6_mig_ports *ports,
			       struct seg6_mig_port *rec,
			       const struct in6_addr *vip, int down)
{
	unsigned int i, n = rec->nvips;

	lockdep_assert_held(&ports->lock);
	if (rec->announced && rec->down_gen != down)
		WRITE_ONCE(rec->announced, false);	/* from an earlier period */
	for (i = 0; i < n; i++)
		if (ipv6_addr_equal(&rec->vips[i], vip))
			break;
	if (i == n && n < SEG6_MIG_PORT_VIPS) {
		rec->vips[n] = *vip;
		/* The address before the count: the hook reads without lock. */
		smp_store_release(&rec->nvips, n + 1);
	}
	if (!rec->want_hook) {
		rec->want_hook = true;
		seg6_mig_queue_work(&ports->work);
	}
}

/*
 * Ask @vip to show itself on @dev: a neighbour solicitation, unless one
 * runs or the entry needs none (as the release starts one). From the
 * work only, which holds no lock of the packet path: creating the entry
 * takes the neighbour table's lock, under which the neighbour layer may
 * call seg6_mig's netevent notifier (seg6_mig_net_lock, then inst->lock).
 */
static void seg6_mig_port_probe(struct net_device *dev,
				const struct in6_addr *vip)
{
	struct neighbour *n;

	if ((dev->flags & IFF_NOARP) || !seg6_mig_port_up(dev))
		return;
	/* BH off as on the packet path; rcu_read_lock() for the neighbour
	 * table's rcu_dereference().
	 */
	local_bh_disable();
	rcu_read_lock();
	n = __ipv6_neigh_lookup_noref(dev, vip);
	if (!n)
		n = __neigh_create(&nd_tbl, vip, dev, false);
	/* NONE, FAILED (STALE and the like: heard; PERMANENT: no need). */
	if (!IS_ERR(n) &&
	    !(READ_ONCE(n->nud_state) & (NUD_VALID | NUD_INCOMPLETE)))
		neigh_event_send(n, NULL);
	rcu_read_unlock();
	local_bh_enable();
}

/*
 * For present(), policy announce: has @dev, the port of @vip's route, which
 * is up with carrier, carried a frame from the VM since it last came up?
 * If not, watch it and solicit @vip. BH disabled or RCU, any context the
 * packet path has.
 */
bool seg6_mig_port_announced(struct net *net, struct net_device *dev,
			     const struct in6_addr *vip)
{
	struct seg6_mig_ports *ports = seg6_mig_net_ports(net);
	struct seg6_mig_port *rec;
	struct neighbour *n;
	u8 state = NUD_NONE;
	bool heard;
	int down;

	/* After the caller's carrier test: a carrier that went down and up
	 * again since that test is seen as a new period here, never the
	 * other way round (netif_carrier_off() counts before it clears).
	 */
	smp_rmb();
	down = atomic_read(&dev->carrier_down_count);
	/* BH off (the release work) is not enough for the checks of the
	 * neighbour table's rcu_dereference().
	 */
	rcu_read_lock();
	rec = seg6_mig_port_find(ports, dev);
	if (rec && READ_ONCE(rec->announced) &&
	    READ_ONCE(rec->down_gen) == down) {
		rcu_read_unlock();
		return true;
	}
	n = __ipv6_neigh_lookup_noref(dev, vip);
	if (n)
		state = READ_ONCE(n->nud_state);
	rcu_read_unlock();
	heard = state & SEG6_MIG_NUD_HEARD;

	spin_lock_bh(&ports->lock);
	rec = seg6_mig_port_find(ports, dev) ?: seg6_mig_port_new(ports, dev);
	if (rec && rec->announced && rec->down_gen == down)
		heard = true;		/* announced meanwhile */
	else if (rec && heard)
		seg6_mig_port_mark(ports, rec, down);
	else if (rec)
		seg6_mig_port_want(ports, rec, vip, down);
	/* Solicited by the work (the caller may hold inst->lock), unless a
	 * solicitation runs or the entry needs none.
	 */
	if (rec && !heard && !rec->want_probe &&
	    !(state & (NUD_VALID | NUD_INCOMPLETE))) {
		rec->want_probe = true;
		seg6_mig_queue_work(&ports->work);
	}
	spin_unlock_bh(&ports->lock);
	return heard;
}

/* SEG6_MIG_CMD_RELEASE for @vip: its port counts as announced. Under
 * seg6_mig_net_lock (BH).
 */
void seg6_mig_port_release(struct net *net, u32 table,
			   const struct in6_addr *vip)
{
	struct seg6_mig_ports *ports = seg6_mig_net_ports(net);
	struct seg6_mig_port *rec;
	struct net_device *dev;

	rcu_read_lock();
	dev = seg6_mig_vip_dev(net, table, vip);
	if (dev) {
		int down = atomic_read(&dev->carrier_down_count);

		spin_lock_bh(&ports->lock);
		rec = seg6_mig_port_find(ports, dev) ?:
		      seg6_mig_port_new(ports, dev);
		if (rec)
			seg6_mig_port_mark(ports, rec, down);
		spin_unlock_bh(&ports->lock);
	}
	rcu_read_unlock();
}

/* Does @skb, received on a watched port, come from its VM? */
static bool seg6_mig_port_from_vm(const struct sk_buff *skb,
				  const struct seg6_mig_port *rec)
{
	unsigned int i, n;

	switch (skb->protocol) {
	case htons(ETH_P_RARP):
		/* QEMU's announce after a migration. */
		return true;
	case htons(ETH_P_ARP): {
		/* Gratuitous: sender and target protocol address the same. */
		struct {
			struct arphdr h;
			u8 sha[ETH_ALEN];
			__be32 sip;
			u8 tha[ETH_ALEN];
			__be32 tip;
		} __packed _arp;
		const typeof(_arp) *arp;

		arp = skb_header_pointer(skb, 0, sizeof(_arp), &_arp);
		return arp && arp->h.ar_hln == ETH_ALEN && arp->h.ar_pln == 4 &&
		       arp->h.ar_pro == htons(ETH_P_IP) && arp->sip &&
		       arp->sip == arp->tip;
	}
	case htons(ETH_P_IPV6): {
		struct {
			struct ipv6hdr ip;
			struct icmp6hdr icmp;
		} _h;
		const typeof(_h) *h;

		h = skb_header_pointer(skb, 0, sizeof(h->ip), &_h);
		if (!h)
			return false;
		/* Pairs with seg6_mig_port_want(): vips[0..n) are written. */
		n = smp_load_acquire(&rec->nvips);
		for (i = 0; i < n; i++)
			if (ipv6_addr_equal(&h->ip.saddr, &rec->vips[i]))
				return true;
		/* An unsolicited neighbour advertisement (RFC 4861 7.2.6). */
		if (h->ip.nexthdr != IPPROTO_ICMPV6 || h->ip.hop_limit != 255)
			return false;
		h = skb_header_pointer(skb, 0, sizeof(_h), &_h);
		return h && h->icmp.icmp6_type == NDISC_NEIGHBOUR_ADVERTISEMENT &&
		       !h->icmp.icmp6_solicited;
	}
	}
	return false;
}

/* The hook: a watched port received @skb. RCU (softirq). */
static int seg6_mig_port_rcv(struct sk_buff *skb, struct net_device *dev,
			     struct packet_type *pt,
			     struct net_device *orig_dev)
{
	struct seg6_mig_port *rec = container_of(pt, struct seg6_mig_port, pt);
	struct seg6_mig_ports *ports = rec->ports;
	bool marked = false;

	if (skb->pkt_type != PACKET_OUTGOING && !READ_ONCE(rec->announced) &&
	    seg6_mig_port_from_vm(skb, rec)) {
		spin_lock_bh(&ports->lock);
		/* Not if it was dropped meanwhile (its port went down). */
		if (!hlist_unhashed(&rec->node)) {
			seg6_mig_port_mark(ports, rec,
					   atomic_read(&dev->carrier_down_count));
			marked = true;
		}
		spin_unlock_bh(&ports->lock);
	}
	consume_skb(skb);
	/* Its held packets may leave now. */
	if (marked)
		seg6_mig_net_kick(dev_net(dev));
	return NET_RX_SUCCESS;
}

/* Register the hooks records want, remove those they no longer want. */
static void seg6_mig_ports_work(struct work_struct *work)
{
	struct seg6_mig_ports *ports = container_of(work, struct seg6_mig_ports,
						    work);
	struct in6_addr vips[SEG6_MIG_PORT_VIPS];
	struct seg6_mig_port *rec, *todo;
	unsigned int i, nvips = 0;
	bool probe;
	int bkt;

	mutex_lock(&ports->mutex);
	for (;;) {
		todo = NULL;
		probe = false;
		spin_lock_bh(&ports->lock);
		hash_for_each(ports->hash, bkt, rec, node) {
			if (rec->want_probe) {
				rec->want_probe = false;
				probe = true;
				nvips = rec->nvips;
				memcpy(vips, rec->vips, nvips * sizeof(vips[0]));
				todo = rec;
				break;
			}
			if (rec->want_hook != rec->hooked) {
				todo = rec;
				break;
			}
		}
		spin_unlock_bh(&ports->lock);
		if (!todo)
			break;
		/* Only mutex holders free records: todo stays. */
		if (probe) {
			/* One VM behind a port: any VIP's answer will do. */
			for (i = 0; i < nvips; i++)
				seg6_mig_port_probe(todo->dev, &vips[i]);
			continue;
		}
		if (todo->hooked) {
			__dev_remove_pack(&todo->pt);
		} else {
			dev_add_pack(&todo->pt);
			ports->hooks_used = true;
		}
		todo->hooked = !todo->hooked;
	}
	mutex_unlock(&ports->mutex);
}

/* Free every record (mutex held): no more until active again. */
static void seg6_mig_ports_free_all(struct seg6_mig_ports *ports)
{
	struct seg6_mig_port *rec, *gone = NULL;
	struct hlist_node *tmp;
	int bkt;

	lockdep_assert_held(&ports->mutex);
	spin_lock_bh(&ports->lock);
	ports->active = false;
	hash_for_each_safe(ports->hash, bkt, tmp, rec, node)
		seg6_mig_port_unlink(ports, rec, &gone);
	spin_unlock_bh(&ports->lock);
	seg6_mig_ports_free(ports, gone);
}

/*
 * A route with the policy announce is being built (RTNL held). The first
 * of its namespace records the ports that are up already as announced.
 */
int seg6_mig_ports_get(struct net *net)
{
	struct seg6_mig_ports *ports = seg6_mig_net_ports(net);
	struct seg6_mig_port *rec;
	struct net_device *dev;
	int err = 0;

	ASSERT_RTNL();
	mutex_lock(&ports->mutex);
	if (ports->dead) {
		err = -ENODEV;
		goto out;
	}
	if (ports->routes++)
		goto out;
	spin_lock_bh(&ports->lock);
	ports->active = true;
	spin_unlock_bh(&ports->lock);
	for_each_netdev(net, dev) {
		struct seg6_mig_port *old;

		if (!seg6_mig_port_up(dev))
			continue;
		rec = seg6_mig_port_alloc(ports, dev, GFP_KERNEL);
		if (!rec) {
			ports->routes--;
			seg6_mig_ports_free_all(ports);
			err = -ENOMEM;
			goto out;
		}
		/* A release may have made one meanwhile (active is set). */
		spin_lock_bh(&ports->lock);
		old = seg6_mig_port_find(ports, dev);
		if (!old)
			seg6_mig_port_link(ports, rec);
		seg6_mig_port_mark(ports, old ?: rec,
				   atomic_read(&dev->carrier_down_count));
		spin_unlock_bh(&ports->lock);
		if (old) {
			netdev_put(dev, &rec->tracker);
			kfree(rec);
		}
	}
out:
	mutex_unlock(&ports->mutex);
	return err;
}

/*
 * A route with the policy announce is gone (its teardown; its namespace
 * is alive). With the last one go the records and their hooks.
 */
void seg6_mig_ports_put(struct net *net)
{
	struct seg6_mig_ports *ports = seg6_mig_net_ports(net);
	bool hooks = false;

	mutex_lock(&ports->mutex);
	if (!ports->dead && !--ports->routes) {
		seg6_mig_ports_free_all(ports);
		hooks = ports->hooks_used;
		ports->hooks_used = false;
	}
	mutex_unlock(&ports->mutex);
	/* Before the module can go: no hook of ours runs any more. */
	if (hooks)
		synchronize_net();
}

/*
 * Netdev events of the namespace (RTNL held): a port that goes down, or
 * is unregistered or leaves the namespace, is no longer announced.
 */
void seg6_mig_ports_netdev_event(struct seg6_mig_ports *ports,
				 struct net_device *dev, unsigned long event)
{
	struct seg6_mig_port *rec, *gone = NULL;

	if (event != NETDEV_DOWN && event != NETDEV_UNREGISTER)
		return;
	mutex_lock(&ports->mutex);
	spin_lock_bh(&ports->lock);
	rec = seg6_mig_port_find(ports, dev);
	if (rec)
		seg6_mig_port_unlink(ports, rec, &gone);
	spin_unlock_bh(&ports->lock);
	seg6_mig_ports_free(ports, gone);
	mutex_unlock(&ports->mutex);
}

void seg6_mig_ports_init(struct seg6_mig_ports *ports)
{
	mutex_init(&ports->mutex);
	spin_lock_init(&ports->lock);
	hash_init(ports->hash);
	INIT_WORK(&ports->work, seg6_mig_ports_work);
}

/* The namespace goes (after its instances went quiet). */
void seg6_mig_ports_exit(struct seg6_mig_ports *ports)
{
	bool hooks;

	mutex_lock(&ports->mutex);
	ports->dead = true;
	seg6_mig_ports_free_all(ports);
	hooks = ports->hooks_used;
	mutex_unlock(&ports->mutex);
	/* No record is left to queue it again. */
	cancel_work_sync(&ports->work);
	/* A hook removed a moment ago may still be running. */
	if (hooks)
		synchronize_net();
	/* The mutex stays usable: netdev events of the namespace's devices
	 * still come (seg6_mig_ports_netdev_event()), and find nothing.
	 */
}
