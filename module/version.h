/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEG6_MIG_VERSION_H
#define _SEG6_MIG_VERSION_H

#define SEG6_MIG_VERSION "0.1.0"

#endif /* _SEG6_MIG_VERSION_H */
