/* SPDX-License-Identifier: GPL-2.0 */
/* Internet checksum (RFC 1071) for the test programs. */
#ifndef CSUM_H
#define CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add @len bytes at @p, as 16-bit big-endian words, to @sum; folded. */
static inline uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

#endif
