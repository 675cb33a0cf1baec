/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels seg6_mig supports (Debian 12's 6.1 and
 * 6.12), in one place, so that the rest reads like mainline code.
 * Force-included by Kbuild, which detects what the kernel has and defines
 * the SEG6_MIG_HAVE_* flags below.
 */
#ifndef _SEG6_MIG_COMPAT_H
#define _SEG6_MIG_COMPAT_H

#include <linux/skbuff.h>

/* Drop reasons: newer kernels have specific ones, 6.1 generic ones. */
#ifdef SEG6_MIG_HAVE_DROP_IPV6_BAD_EXTHDR
#define SEG6_MIG_DROP_BAD_PACKET	SKB_DROP_REASON_IPV6_BAD_EXTHDR
#else
#define SEG6_MIG_DROP_BAD_PACKET	SKB_DROP_REASON_IP_INHDR
#endif

#ifdef SEG6_MIG_HAVE_DROP_QUEUE_PURGE
#define SEG6_MIG_DROP_PURGED		SKB_DROP_REASON_QUEUE_PURGE
#else
#define SEG6_MIG_DROP_PURGED		SKB_DROP_REASON_NOT_SPECIFIED
#endif

#endif /* _SEG6_MIG_COMPAT_H */
