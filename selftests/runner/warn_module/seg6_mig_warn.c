// SPDX-License-Identifier: GPL-2.0
/* Makes the kernel WARN once, for the runner's own test. */
#include <linux/bug.h>
#include <linux/module.h>

static int __init seg6_mig_warn_init(void)
{
	WARN(1, "seg6_mig runner self-test: deliberate warning\n");
	return -EINVAL;
}

module_init(seg6_mig_warn_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Deliberate WARN for the seg6_mig test runner's self-test");
