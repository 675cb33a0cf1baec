// SPDX-License-Identifier: GPL-2.0
/*
 * seg6mig gw: the gateway's routes to each VIP, R(s) and M(s1,s2).
 */

#include "seg6mig.h"

int cmd_gw(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage_error("gw: not implemented yet");
}
