/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * seg6_mig: SRv6 End.FWP and End.BFW, for zero-loss VM migration.
 *
 * The two behaviours are seg6local actions. A route uses them through the
 * kernel's seg6local encap attributes (include/uapi/linux/seg6_local.h):
 *
 *   RTA_ENCAP_TYPE = LWTUNNEL_ENCAP_SEG6_LOCAL
 *   RTA_ENCAP (nested)
 *     SEG6_LOCAL_ACTION    u32  SEG6_MIG_ACTION_END_FWP or _END_BFW
 *     SEG6_LOCAL_TABLE     u32  optional: FIB table in which the VIP's
 *                               presence is looked up and to which it is
 *                               delivered (default: main)
 *     SEG6_LOCAL_COUNTERS  nest optional: enables reporting of counters, as
 *                               for the kernel's actions; dumps carry
 *                               SEG6_LOCAL_CNT_PACKETS, _BYTES, _ERRORS
 *     SEG6_LOCAL_MIG       nest optional on request; always in dumps
 *       SEG6_MIG_ATTR_BUF_PKTS    u32  End.BFW: queue limit, packets
 *       SEG6_MIG_ATTR_BUF_BYTES   u32  End.BFW: queue limit, bytes of truesize
 *       SEG6_MIG_ATTR_HOLD_MS     u32  End.BFW: longest time a packet waits
 *       SEG6_MIG_ATTR_SETTLE_MS   u32  End.BFW: how long after its last
 *                                      packet for a VIP End.FWP's packets
 *                                      for it still wait behind its own
 *                                      (the path through the old host
 *                                      may be that much slower); 0: never
 *       SEG6_MIG_ATTR_STATS       nest dumps only, when counting is enabled
 *         SEG6_MIG_STAT_*         u64  one per counter of the action
 *       SEG6_MIG_ATTR_PRESENCE    u32  both actions: SEG6_MIG_PRESENCE_*,
 *                                      when the VIP's port counts as
 *                                      present (default: _CARRIER)
 *       SEG6_MIG_ATTR_STRICT      flag End.BFW: queue only for the VIPs
 *                                      expected (SEG6_MIG_CMD_EXPECT);
 *                                      others are dropped, counted as
 *                                      SEG6_MIG_STAT_UNEXPECTED
 *       SEG6_MIG_ATTR_VIP_SHARE   u32  End.BFW: packets one VIP may hold
 *                                      at most (0, the default: up to
 *                                      the whole buffer)
 *
 * End.FWP takes SEG6_MIG_ATTR_PRESENCE only. Dumps carry End.BFW's five
 * limits (VIP_SHARE included), STRICT when set, and both actions' presence
 * policy, defaults included. A parameter
 * that does not belong to the action, or a value out of range, is refused
 * with an extack message.
 *
 * Generic netlink family SEG6_MIG_GENL_NAME ("seg6_mig"), version 1, per
 * network namespace. Attributes are SEG6_MIG_A_*; every request is
 * validated strictly. Commands:
 *
 *   SEG6_MIG_CMD_GET (dump) -> one message per End.FWP/End.BFW route:
 *     SEG6_MIG_A_SID        binary  struct in6_addr: the route's prefix
 *     SEG6_MIG_A_SID_LEN    u8      its length
 *     SEG6_MIG_A_ACTION     u32     SEG6_MIG_ACTION_*
 *     SEG6_MIG_A_IFINDEX    u32     the route's device
 *     SEG6_MIG_A_TABLE      u32     table of the VIP lookups (0: main)
 *     SEG6_MIG_A_BUF_PKTS   u32     End.BFW: limits, as on the route
 *     SEG6_MIG_A_BUF_BYTES  u32
 *     SEG6_MIG_A_HOLD_MS    u32
 *     SEG6_MIG_A_SETTLE_MS  u32
 *     SEG6_MIG_A_QBYTES     u32     End.BFW: truesize queued now
 *     SEG6_MIG_A_PRESENCE   u32     both: SEG6_MIG_PRESENCE_*, as on the route
 *     SEG6_MIG_A_STRICT     flag    End.BFW: the route is strict
 *     SEG6_MIG_A_VIP_SHARE  u32     End.BFW: as on the route
 *     SEG6_MIG_A_STATS      nest    SEG6_MIG_STAT_* (u64), the action's set
 *     SEG6_MIG_A_VIPS       nest    End.BFW: one SEG6_MIG_A_VIP nest per
 *                                   VIP with packets queued:
 *       SEG6_MIG_VIP_ADDR   binary  struct in6_addr
 *       SEG6_MIG_VIP_PKTS   u32     packets queued
 *       SEG6_MIG_VIP_AGE_US u32     age of the oldest, microseconds
 *     SEG6_MIG_A_EXPECTED   nest    End.BFW: one SEG6_MIG_A_VIP nest per
 *                                   VIP expected (whether strict or not):
 *       SEG6_MIG_VIP_ADDR   binary  struct in6_addr
 *       SEG6_MIG_VIP_LEFT_MS u32    time left before its deadline
 *     An instance whose VIPs do not fit in one message continues in the
 *     next one, with the same SID and no other attribute but SEG6_MIG_A_VIPS
 *     (and SEG6_MIG_A_EXPECTED, which is sent whole in the first message).
 *
 *   SEG6_MIG_CMD_RELEASE (do, CAP_NET_ADMIN): SEG6_MIG_A_SID, SEG6_MIG_A_VIP
 *     Deliver what the End.BFW route SID holds for VIP as soon as the VIP
 *     has a usable route (its port's carrier, operational state and
 *     announce are not waited for: the caller knows the VM runs), and mark
 *     the port that route leads out of as announced, for every route of
 *     the namespace with SEG6_MIG_PRESENCE_ANNOUNCE, until the port next
 *     goes down or loses carrier. The reply carries SEG6_MIG_A_SID,
 *     SEG6_MIG_A_VIP and SEG6_MIG_A_PKTS (packets queued).
 *   SEG6_MIG_CMD_PURGE (do, CAP_NET_ADMIN): SEG6_MIG_A_SID, SEG6_MIG_A_VIP
 *     Drop what End.BFW SID holds for VIP (counted as purged). The reply
 *     carries SEG6_MIG_A_SID, SEG6_MIG_A_VIP, SEG6_MIG_A_PKTS (dropped).
 *   SEG6_MIG_CMD_EXPECT (do, CAP_NET_ADMIN): SEG6_MIG_A_SID, SEG6_MIG_A_VIP,
 *     SEG6_MIG_A_DEADLINE_MS (optional, default
 *     SEG6_MIG_EXPECT_MS_DEFAULT, 1..SEG6_MIG_EXPECT_MS_MAX)
 *     Expect VIP at End.BFW SID until the deadline (an expected VIP's
 *     deadline is reset). At most SEG6_MIG_EXPECT_MAX VIPs per route. A
 *     VIP stays expected until its deadline or SEG6_MIG_CMD_UNEXPECT, its
 *     arrival (release) notwithstanding. Reply: SID, VIP.
 *   SEG6_MIG_CMD_UNEXPECT (do, CAP_NET_ADMIN): SEG6_MIG_A_SID, SEG6_MIG_A_VIP
 *     Stop expecting VIP (what is queued for it stays). Reply: SID, VIP.
 *
 * Events, on multicast group SEG6_MIG_GENL_MCGRP ("events"), sent only
 * when the namespace has listeners. Each carries SEG6_MIG_A_SID:
 *   SEG6_MIG_CMD_ARRIVED   a VIP's queue was delivered: SEG6_MIG_A_VIP,
 *                          SEG6_MIG_A_PKTS (released), SEG6_MIG_A_WAIT_US
 *                          (longest time one of them was held)
 *   SEG6_MIG_CMD_OVERFLOW  packets dropped over the limits: SEG6_MIG_A_PKTS
 *                          (since the previous overflow event; at most ten
 *                          events a second per route)
 *   SEG6_MIG_CMD_EXPIRED   SEG6_MIG_A_VIP, SEG6_MIG_A_PKTS (held too long)
 *   SEG6_MIG_CMD_PURGED    SEG6_MIG_A_VIP, SEG6_MIG_A_PKTS (route, device,
 *                          namespace gone, or SEG6_MIG_CMD_PURGE)
 *
 * Numbering: upstream allocates seg6local action numbers and attribute
 * types sequentially from 1 (16 actions, 11 attributes in Linux 6.12).
 * The values below sit far from that sequence, so that the kernel and this
 * module cannot give one number two meanings before this project proposes
 * upstream numbers: action numbers in the top half of the u32 space, the
 * attribute at the top of the 14-bit netlink attribute type space, which the
 * kernel's own seg6local parser ignores (it parses up to SEG6_LOCAL_MAX).
 */
#ifndef _UAPI_LINUX_SEG6_MIG_H
#define _UAPI_LINUX_SEG6_MIG_H

#include <linux/types.h>

/* SEG6_LOCAL_ACTION values. */
#define SEG6_MIG_ACTION_END_FWP		0x80000001	/* End.FWP */
#define SEG6_MIG_ACTION_END_BFW		0x80000002	/* End.BFW */

/* Attribute of the seg6local encap nest carrying this module's part. */
#define SEG6_LOCAL_MIG			0x3f00

enum {
	SEG6_MIG_ATTR_UNSPEC,
	SEG6_MIG_ATTR_BUF_PKTS,		/* u32 */
	SEG6_MIG_ATTR_BUF_BYTES,	/* u32 */
	SEG6_MIG_ATTR_HOLD_MS,		/* u32 */
	SEG6_MIG_ATTR_STATS,		/* nest: SEG6_MIG_STAT_* */
	SEG6_MIG_ATTR_SETTLE_MS,	/* u32 */
	SEG6_MIG_ATTR_PRESENCE,		/* u32: SEG6_MIG_PRESENCE_* */
	SEG6_MIG_ATTR_STRICT,		/* flag */
	SEG6_MIG_ATTR_VIP_SHARE,	/* u32 */
	__SEG6_MIG_ATTR_MAX,
};

#define SEG6_MIG_ATTR_MAX (__SEG6_MIG_ATTR_MAX - 1)

/* Presence policies: when the port of a VIP's route counts as present.
 * Both need a directly connected route out of another port than the
 * packet's ingress, admin up, running, with carrier, operationally up.
 */
enum {
	SEG6_MIG_PRESENCE_CARRIER,	/* that is all (the default) */
	SEG6_MIG_PRESENCE_ANNOUNCE,	/* and the port carried a frame from
					 * the VM since it last came up: RARP,
					 * gratuitous ARP, unsolicited NA, a
					 * frame from the VIP; or was released
					 * (SEG6_MIG_CMD_RELEASE)
					 */
	__SEG6_MIG_PRESENCE_MAX,
};

#define SEG6_MIG_PRESENCE_MAX (__SEG6_MIG_PRESENCE_MAX - 1)

/* End.BFW defaults and limits. A buffer of 0 packets (or 0 bytes) turns
 * buffering off: End.BFW then drops what it cannot deliver ("sr-drop").
 */
#define SEG6_MIG_BUF_PKTS_DEFAULT	8192
#define SEG6_MIG_BUF_PKTS_MAX		1048576		/* 2^20 */
#define SEG6_MIG_BUF_BYTES_DEFAULT	33554432	/* 32 MiB */
#define SEG6_MIG_BUF_BYTES_MAX		1073741824	/* 1 GiB */
#define SEG6_MIG_HOLD_MS_DEFAULT	1000
#define SEG6_MIG_HOLD_MS_MIN		1
#define SEG6_MIG_HOLD_MS_MAX		60000
#define SEG6_MIG_SETTLE_MS_DEFAULT	30
#define SEG6_MIG_SETTLE_MS_MAX		10000
#define SEG6_MIG_VIP_SHARE_DEFAULT	0		/* no share */

/* Expected VIPs (SEG6_MIG_CMD_EXPECT): per route at most, deadlines. */
#define SEG6_MIG_EXPECT_MAX		64		/* fits in one dump message */
#define SEG6_MIG_EXPECT_MS_DEFAULT	60000
#define SEG6_MIG_EXPECT_MS_MAX		86400000	/* a day */

/* Counters (u64), per route. Each action reports its own set:
 *   End.FWP: LOCAL NEXT ABSENT ERRORS
 *   End.BFW: DELIVERED BUFFERED FLUSHED OVERFLOW EXPIRED PURGED ERRORS
 *            QLEN QLEN_MAX (gauges: packets queued now, and at most)
 *            UNEXPECTED SHARE
 */
enum {
	SEG6_MIG_STAT_UNSPEC,
	SEG6_MIG_STAT_PAD,
	SEG6_MIG_STAT_LOCAL,		/* delivered to the VIP on this host */
	SEG6_MIG_STAT_NEXT,		/* VIP absent: sent to the next segment */
	SEG6_MIG_STAT_ABSENT,		/* VIP absent, no next segment: dropped */
	SEG6_MIG_STAT_ERRORS,		/* invalid packet: dropped */
	SEG6_MIG_STAT_DELIVERED,	/* VIP present: delivered on arrival */
	SEG6_MIG_STAT_BUFFERED,		/* VIP absent: queued */
	SEG6_MIG_STAT_FLUSHED,		/* delivered from the queue */
	SEG6_MIG_STAT_OVERFLOW,		/* queue full: dropped */
	SEG6_MIG_STAT_EXPIRED,		/* queued longer than hold: dropped */
	SEG6_MIG_STAT_PURGED,		/* queue freed (route, netns, device gone) */
	SEG6_MIG_STAT_QLEN,		/* packets queued now */
	SEG6_MIG_STAT_QLEN_MAX,		/* high-water mark of QLEN */
	SEG6_MIG_STAT_UNEXPECTED,	/* strict, VIP absent, not expected:
					 * dropped
					 */
	SEG6_MIG_STAT_SHARE,		/* VIP over its share: dropped */
	__SEG6_MIG_STAT_MAX,
};

#define SEG6_MIG_STAT_MAX (__SEG6_MIG_STAT_MAX - 1)

#define SEG6_MIG_GENL_NAME		"seg6_mig"
#define SEG6_MIG_GENL_VERSION		1
#define SEG6_MIG_GENL_MCGRP		"events"

enum {
	SEG6_MIG_CMD_UNSPEC,
	SEG6_MIG_CMD_GET,
	SEG6_MIG_CMD_RELEASE,
	SEG6_MIG_CMD_PURGE,
	SEG6_MIG_CMD_ARRIVED,
	SEG6_MIG_CMD_OVERFLOW,
	SEG6_MIG_CMD_EXPIRED,
	SEG6_MIG_CMD_PURGED,
	SEG6_MIG_CMD_EXPECT,
	SEG6_MIG_CMD_UNEXPECT,
	__SEG6_MIG_CMD_MAX,
};

#define SEG6_MIG_CMD_MAX (__SEG6_MIG_CMD_MAX - 1)

enum {
	SEG6_MIG_A_UNSPEC,
	SEG6_MIG_A_PAD,
	SEG6_MIG_A_SID,			/* binary: struct in6_addr */
	SEG6_MIG_A_SID_LEN,		/* u8 */
	SEG6_MIG_A_ACTION,		/* u32 */
	SEG6_MIG_A_IFINDEX,		/* u32 */
	SEG6_MIG_A_TABLE,		/* u32 */
	SEG6_MIG_A_BUF_PKTS,		/* u32 */
	SEG6_MIG_A_BUF_BYTES,		/* u32 */
	SEG6_MIG_A_HOLD_MS,		/* u32 */
	SEG6_MIG_A_QBYTES,		/* u32 */
	SEG6_MIG_A_STATS,		/* nest: SEG6_MIG_STAT_* */
	SEG6_MIG_A_VIPS,		/* nest: SEG6_MIG_A_VIP... */
	SEG6_MIG_A_VIP,			/* binary: struct in6_addr; in
					 * SEG6_MIG_A_VIPS: nest, SEG6_MIG_VIP_*
					 */
	SEG6_MIG_A_PKTS,		/* u32 */
	SEG6_MIG_A_WAIT_US,		/* u32 */
	SEG6_MIG_A_SETTLE_MS,		/* u32 */
	SEG6_MIG_A_PRESENCE,		/* u32: SEG6_MIG_PRESENCE_* */
	SEG6_MIG_A_STRICT,		/* flag */
	SEG6_MIG_A_VIP_SHARE,		/* u32 */
	SEG6_MIG_A_DEADLINE_MS,		/* u32 */
	SEG6_MIG_A_EXPECTED,		/* nest: SEG6_MIG_A_VIP... */
	__SEG6_MIG_A_MAX,
};

#define SEG6_MIG_A_MAX (__SEG6_MIG_A_MAX - 1)

enum {
	SEG6_MIG_VIP_UNSPEC,
	SEG6_MIG_VIP_ADDR,		/* binary: struct in6_addr */
	SEG6_MIG_VIP_PKTS,		/* u32 */
	SEG6_MIG_VIP_AGE_US,		/* u32 */
	SEG6_MIG_VIP_LEFT_MS,		/* u32: expected, until the deadline */
	__SEG6_MIG_VIP_MAX,
};

#define SEG6_MIG_VIP_MAX (__SEG6_MIG_VIP_MAX - 1)

#endif /* _UAPI_LINUX_SEG6_MIG_H */
