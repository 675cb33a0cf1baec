// SPDX-License-Identifier: GPL-2.0
/* seg6mig monitor: the events of the generic netlink family seg6_mig. */

#include "seg6mig.h"

int cmd_monitor(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage_error("monitor: not implemented yet");
}
