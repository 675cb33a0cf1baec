// SPDX-License-Identifier: GPL-2.0
/*
 * A streaming JSON writer on stdout, enough for seg6mig's -j output: objects,
 * arrays, strings, unsigned numbers, booleans. It tracks nesting to place
 * commas; keys are dropped inside arrays.
 */

#include <stdio.h>

#include "seg6mig.h"

#define JW_DEPTH 16

static struct {
	int depth;
	bool first[JW_DEPTH];	/* nothing written yet at this level */
	bool array[JW_DEPTH];
} jw = { .first = { true } };

static void jw_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Comma and key before a value. */
static void jw_key(const char *key)
{
	if (!jw.first[jw.depth])
		putchar(',');
	jw.first[jw.depth] = false;
	if (jw.depth && !jw.array[jw.depth] && key) {
		jw_string(key);
		putchar(':');
	}
}

static void jw_open(const char *key, char c, bool array)
{
	jw_key(key);
	putchar(c);
	if (jw.depth + 1 < JW_DEPTH)
		jw.depth++;
	jw.first[jw.depth] = true;
	jw.array[jw.depth] = array;
}

static void jw_close(char c)
{
	putchar(c);
	if (jw.depth)
		jw.depth--;
}

void jw_obj_open(const char *key)
{
	jw_open(key, '{', false);
}

void jw_obj_close(void)
{
	jw_close('}');
}

void jw_arr_open(const char *key)
{
	jw_open(key, '[', true);
}

void jw_arr_close(void)
{
	jw_close(']');
}

void jw_str(const char *key, const char *val)
{
	jw_key(key);
	jw_string(val);
}

void jw_u64(const char *key, uint64_t val)
{
	jw_key(key);
	printf("%llu", (unsigned long long)val);
}

void jw_bool(const char *key, bool val)
{
	jw_key(key);
	fputs(val ? "true" : "false", stdout);
}

void jw_end(void)
{
	putchar('\n');
	fflush(stdout);
	jw.depth = 0;
	jw.first[0] = true;
}
