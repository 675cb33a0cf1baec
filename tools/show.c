// SPDX-License-Identifier: GPL-2.0
/* seg6mig show, release, purge: the generic netlink family seg6_mig. */

#include "seg6mig.h"

int cmd_show(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage_error("show: not implemented yet");
}

int cmd_release(int argc, char **argv)
{
	return cmd_show(argc, argv);
}

int cmd_purge(int argc, char **argv)
{
	return cmd_show(argc, argv);
}
