// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace state: the End.FWP/End.BFW instances of each namespace,
 * the events that release or purge End.BFW queues, and the walks of the
 * generic netlink family.
 *
 *   NETDEV_UP, NETDEV_CHANGE (carrier, operstate), NETDEV_REGISTER (also a
 *   device moved into the namespace), an IPv6 route added or replaced:
 *     kick the release work of every End.BFW instance of the namespace;
 *   an IPv6 neighbour entry becoming valid (NETEVENT_NEIGH_UPDATE):
 *     kick them too (a flush waits for the VM's neighbour entry);
 *   NETDEV_UNREGISTER: purge the packets that came in through the device;
 *   NETDEV_DOWN, NETDEV_UNREGISTER: the port is no longer announced
 *     (port.c).
 *
 * seg6_mig_net_lock protects every namespace's list. It nests outside
 * seg6_mig_inst.lock and is taken with BH disabled. An instance stays on
 * the list until its teardown, so holding the lock keeps it alive. End.FWP
 * walks the list under RCU (seg6_mig_net_hold()): instances are freed
 * after a grace period.
 */

#include <linux/netdevice.h>
#include <net/fib_notifier.h>
#include <net/ndisc.h>
#include <net/neighbour.h>
#include <net/netevent.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "seg6_mig.h"

struct seg6_mig_net {
	struct list_head insts;		/* End.FWP and End.BFW instances */
	struct notifier_block fib_nb;
	bool fib_nb_registered;
	struct seg6_mig_ports ports;	/* presence policy announce */
};

static unsigned int seg6_mig_net_id __read_mostly;
static DEFINE_SPINLOCK(seg6_mig_net_lock);

static struct seg6_mig_net *seg6_mig_pernet(struct net *net)
{
	return net_generic(net, seg6_mig_net_id);
}

struct seg6_mig_ports *seg6_mig_net_ports(struct net *net)
{
	return &seg6_mig_pernet(net)->ports;
}

void seg6_mig_net_add(struct seg6_mig_inst *inst)
{
	struct seg6_mig_net *pn = seg6_mig_pernet(inst->net);

	spin_lock_bh(&seg6_mig_net_lock);
	list_add_tail_rcu(&inst->node, &pn->insts);
	inst->listed = true;
	spin_unlock_bh(&seg6_mig_net_lock);
}

static void seg6_mig_net_unlist(struct seg6_mig_inst *inst)
{
	lockdep_assert_held(&seg6_mig_net_lock);
	if (inst->listed)
		list_del_rcu(&inst->node);
	inst->listed = false;
}

void seg6_mig_net_del(struct seg6_mig_inst *inst)
{
	spin_lock_bh(&seg6_mig_net_lock);
	seg6_mig_net_unlist(inst);
	spin_unlock_bh(&seg6_mig_net_lock);
}

/*
 * End.FWP found @vip present: if an End.BFW of the namespace still orders
 * packets of @vip, queue @skb behind them (seg6_mig_bfw_hold()). True:
 * @skb taken. RCU read side (BH disabled).
 */
bool seg6_mig_net_hold(struct net *net, struct sk_buff *skb,
		       const struct in6_addr *vip)
{
	struct seg6_mig_net *pn = seg6_mig_pernet(net);
	struct seg6_mig_inst *inst;

	list_for_each_entry_rcu(inst, &pn->insts, node) {
		if (inst->action == SEG6_MIG_ACTION_END_BFW &&
		    READ_ONCE(inst->nvips) && seg6_mig_bfw_hold(inst, skb, vip))
			return true;
	}
	return false;
}

static void seg6_mig_net_kick_all(struct seg6_mig_net *pn)
{
	struct seg6_mig_inst *inst;

	spin_lock_bh(&seg6_mig_net_lock);
	list_for_each_entry(inst, &pn->insts, node)
		if (inst->action == SEG6_MIG_ACTION_END_BFW)
			seg6_mig_kick(inst);
	spin_unlock_bh(&seg6_mig_net_lock);
}

/* Have every End.BFW of @net look at its queues (a port was announced). */
void seg6_mig_net_kick(struct net *net)
{
	seg6_mig_net_kick_all(seg6_mig_pernet(net));
}

/*
 * Dump the namespace's instances into @skb from pos[0] (instances done) and
 * pos[1] (VIPs of the next one done) on, with @fill, which returns
 * -EMSGSIZE when @skb is full. Instances whose route is gone are skipped.
 */
int seg6_mig_net_dump(struct net *net, struct sk_buff *skb,
		      int (*fill)(struct sk_buff *skb, struct seg6_mig_inst *inst,
				  unsigned long *skip, void *arg),
		      unsigned long *pos, void *arg)
{
	struct seg6_mig_net *pn = seg6_mig_pernet(net);
	struct seg6_mig_inst *inst;
	unsigned long i = 0;
	int err = 0;

	spin_lock_bh(&seg6_mig_net_lock);
	list_for_each_entry(inst, &pn->insts, node) {
		if (READ_ONCE(inst->gone) || i++ < pos[0])
			continue;
		err = fill(skb, inst, &pos[1], arg);
		if (err)
			break;
		pos[0]++;
		pos[1] = 0;
	}
	spin_unlock_bh(&seg6_mig_net_lock);
	return err;
}

/*
 * Apply @fn to the End.BFW instances of the namespace whose SID is @sid,
 * adding up its results in *@sum. -ENOENT: no instance has that SID;
 * -EOPNOTSUPP: only End.FWP ones.
 */
int seg6_mig_net_for_sid(struct net *net, const struct in6_addr *sid,
			 unsigned int (*fn)(struct seg6_mig_inst *inst,
					    const struct in6_addr *vip),
			 const struct in6_addr *vip, unsigned int *sum)
{
	struct seg6_mig_net *pn = seg6_mig_pernet(net);
	struct seg6_mig_inst *inst;
	int err = -ENOENT;

	spin_lock_bh(&seg6_mig_net_lock);
	list_for_each_entry(inst, &pn->insts, node) {
		if (READ_ONCE(inst->gone) || !ipv6_addr_equal(&inst->sid, sid))
			continue;
		if (inst->action != SEG6_MIG_ACTION_END_BFW) {
			if (err == -ENOENT)
				err = -EOPNOTSUPP;
			continue;
		}
		*sum += fn(inst, vip);
		err = 0;
	}
	spin_unlock_bh(&seg6_mig_net_lock);
	return err;
}

/*
 * As seg6_mig_net_for_sid(), for a @fn that may fail: the first error of
 * @fn is returned (-ENOENT, -EOPNOTSUPP as there). @fn runs under
 * seg6_mig_net_lock, BH disabled.
 */
int seg6_mig_net_for_sid_err(struct net *net, const struct in6_addr *sid,
			     int (*fn)(struct seg6_mig_inst *inst,
				       const struct in6_addr *vip, u32 ms),
			     const struct in6_addr *vip, u32 ms)
{
	struct seg6_mig_net *pn = seg6_mig_pernet(net);
	struct seg6_mig_inst *inst;
	int err = -ENOENT, ret;
	bool found = false;

	spin_lock_bh(&seg6_mig_net_lock);
	list_for_each_entry(inst, &pn->insts, node) {
		if (READ_ONCE(inst->gone) || !ipv6_addr_equal(&inst->sid, sid))
			continue;
		if (inst->action != SEG6_MIG_ACTION_END_BFW) {
			if (err == -ENOENT)
				err = -EOPNOTSUPP;
			continue;
		}
		ret = fn(inst, vip, ms);
		if (!found || (ret && !err))
			err = ret;
		found = true;
	}
	spin_unlock_bh(&seg6_mig_net_lock);
	return err;
}

static int seg6_mig_netdev_event(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct seg6_mig_net *pn = seg6_mig_pernet(dev_net(dev));
	struct seg6_mig_inst *inst;

	switch (event) {
	case NETDEV_UP:
	case NETDEV_CHANGE:
	case NETDEV_REGISTER:
		seg6_mig_net_kick_all(pn);
		break;
	case NETDEV_UNREGISTER:
		spin_lock_bh(&seg6_mig_net_lock);
		list_for_each_entry(inst, &pn->insts, node)
			if (inst->action == SEG6_MIG_ACTION_END_BFW)
				seg6_mig_bfw_purge(inst, dev, NULL);
		spin_unlock_bh(&seg6_mig_net_lock);
		break;
	}
	seg6_mig_ports_netdev_event(&pn->ports, dev, event);
	return NOTIFY_DONE;
}

static struct notifier_block seg6_mig_netdev_nb = {
	.notifier_call = seg6_mig_netdev_event,
};

static int seg6_mig_netevent(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct neighbour *n = ptr;

	if (event == NETEVENT_NEIGH_UPDATE && n->tbl == &nd_tbl &&
	    (READ_ONCE(n->nud_state) & NUD_VALID))
		seg6_mig_net_kick_all(seg6_mig_pernet(dev_net(n->dev)));
	return NOTIFY_DONE;
}

static struct notifier_block seg6_mig_netevent_nb = {
	.notifier_call = seg6_mig_netevent,
};

/* Called under the FIB table lock, before the route is linked: the
 * release work synchronises on that lock before it looks.
 */
static int seg6_mig_fib_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct seg6_mig_net *pn = container_of(nb, struct seg6_mig_net, fib_nb);
	struct fib_notifier_info *info = ptr;

	if (info->family != AF_INET6)
		return NOTIFY_DONE;
	switch (event) {
	case FIB_EVENT_ENTRY_ADD:
	case FIB_EVENT_ENTRY_REPLACE:
	case FIB_EVENT_ENTRY_APPEND:
		seg6_mig_net_kick_all(pn);
		break;
	}
	return NOTIFY_DONE;
}

static int __net_init seg6_mig_net_init(struct net *net)
{
	struct seg6_mig_net *pn = seg6_mig_pernet(net);
	int err;

	INIT_LIST_HEAD(&pn->insts);
	seg6_mig_ports_init(&pn->ports);
	pn->fib_nb.notifier_call = seg6_mig_fib_event;
	/* Without route events, queues still leave on netdev events and on
	 * the next packet: do not fail the namespace for it.
	 */
	err = register_fib_notifier(net, &pn->fib_nb, NULL, NULL);
	if (err)
		pr_warn("no FIB notifier in a namespace (%d): queued packets will not be released when a VIP's route appears\n",
			err);
	pn->fib_nb_registered = !err;
	return 0;
}

/*
 * Detach the namespace's instances and stop them touching it: mark them
 * dead and wait for release works that may still look up routes in it,
 * and for teardowns that may still drop their ports. Their routes'
 * teardown frees them later. Then drop the ports and their hooks.
 */
static void __net_exit seg6_mig_net_exit(struct net *net)
{
	struct seg6_mig_net *pn = seg6_mig_pernet(net);
	struct seg6_mig_inst *inst, *tmp;

	if (pn->fib_nb_registered)
		unregister_fib_notifier(net, &pn->fib_nb);

	spin_lock_bh(&seg6_mig_net_lock);
	list_for_each_entry_safe(inst, tmp, &pn->insts, node) {
		spin_lock(&inst->lock);
		inst->dead = true;
		WRITE_ONCE(inst->quiet, true);
		spin_unlock(&inst->lock);
		seg6_mig_net_unlist(inst);
	}
	spin_unlock_bh(&seg6_mig_net_lock);
	seg6_mig_queue_flush();
	seg6_mig_ports_exit(&pn->ports);
}

static struct pernet_operations seg6_mig_net_ops = {
	.init = seg6_mig_net_init,
	.exit = seg6_mig_net_exit,
	.id = &seg6_mig_net_id,
	.size = sizeof(struct seg6_mig_net),
};

int seg6_mig_netns_init(void)
{
	int err;

	err = register_pernet_subsys(&seg6_mig_net_ops);
	if (err)
		return err;
	err = register_netdevice_notifier(&seg6_mig_netdev_nb);
	if (err)
		goto err_netdev;
	err = register_netevent_notifier(&seg6_mig_netevent_nb);
	if (err)
		goto err_netevent;
	return 0;

err_netevent:
	unregister_netdevice_notifier(&seg6_mig_netdev_nb);
err_netdev:
	unregister_pernet_subsys(&seg6_mig_net_ops);
	return err;
}

void seg6_mig_netns_exit(void)
{
	unregister_netevent_notifier(&seg6_mig_netevent_nb);
	unregister_netdevice_notifier(&seg6_mig_netdev_nb);
	unregister_pernet_subsys(&seg6_mig_net_ops);
}
