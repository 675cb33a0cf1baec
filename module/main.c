// SPDX-License-Identifier: GPL-2.0
/*
 * seg6_mig: zero-loss VM migration with SRv6 (End.FWP, End.BFW).
 *
 * Module entry points. Init sets the parts up in order and unwinds in
 * reverse on failure; exit undoes init in exact reverse order. The encap
 * ops go in last and come out first: by then every other part serves them.
 */

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

#include "seg6_mig.h"
#include "version.h"

static int __init seg6_mig_init(void)
{
	int err;

	err = seg6_mig_queue_init();
	if (err)
		goto err_queue;
	err = seg6_mig_netns_init();
	if (err)
		goto err_netns;
	err = seg6_mig_genl_init();
	if (err)
		goto err_genl;
	err = seg6_mig_lwt_init();
	if (err)
		goto err_lwt;

	pr_info("version " SEG6_MIG_VERSION " loaded\n");
	return 0;

err_lwt:
	seg6_mig_genl_exit();
err_genl:
	seg6_mig_netns_exit();
err_netns:
	seg6_mig_queue_exit();
err_queue:
	return err;
}

static void __exit seg6_mig_exit(void)
{
	seg6_mig_lwt_exit();
	seg6_mig_genl_exit();
	seg6_mig_netns_exit();
	seg6_mig_queue_exit();
	pr_info("version " SEG6_MIG_VERSION " unloaded\n");
}

module_init(seg6_mig_init);
module_exit(seg6_mig_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("SRv6 End.FWP and End.BFW behaviours for zero-loss VM migration");
MODULE_AUTHOR("The seg6_mig developers");
MODULE_VERSION(SEG6_MIG_VERSION);
