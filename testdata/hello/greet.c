/* greet.c - libgreet, a tiny shared library used as a packaging test fixture. */
#include <stdio.h>

#include "greet.h"

#define GREET_DEFAULT "Hello"

const char *greet_version(void)
{
	return "1.0.0";
}

int greet(const char *greeting, const char *name)
{
	if (greeting == NULL || *greeting == '\0')
		greeting = GREET_DEFAULT;
	if (name == NULL || *name == '\0')
		name = "world";
	return printf("%s, %s!\n", greeting, name) < 0 ? -1 : 0;
}
