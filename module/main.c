// SPDX-License-Identifier: GPL-2.0
/*
 * seg6_mig: zero-loss VM migration with SRv6 (End.FWP, End.BFW).
 *
 * Module entry points. Each part of the module has an init/uninit pair
 * called from here; init unwinds in reverse order on failure and exit
 * undoes init in exact reverse order.
 */

#include <linux/module.h>
#include <linux/init.h>
#include <linux/printk.h>

#include "version.h"

static int __init seg6_mig_init(void)
{
	pr_info("version " SEG6_MIG_VERSION " loaded\n");
	return 0;
}

static void __exit seg6_mig_exit(void)
{
	pr_info("version " SEG6_MIG_VERSION " unloaded\n");
}

module_init(seg6_mig_init);
module_exit(seg6_mig_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("SRv6 End.FWP and End.BFW behaviours for zero-loss VM migration");
MODULE_AUTHOR("The seg6_mig developers");
MODULE_VERSION(SEG6_MIG_VERSION);
