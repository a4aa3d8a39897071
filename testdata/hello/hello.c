/* hello.c - prints a greeting using libgreet.
 *
 * The greeting text comes from the data file (package hello-data) if it
 * exists; the name to greet comes from the "name" option of the config file
 * (a conffile of package hello). Both have built-in fallbacks so the program
 * also runs from the build tree. */
#include <stdio.h>
#include <string.h>

#include "greet.h"

#ifndef DATADIR
#define DATADIR "/usr/share/hello-data"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define GREETING_FILE DATADIR "/greeting.txt"
#define CONFIG_FILE SYSCONFDIR "/hello/hello.conf"

/* Strip trailing whitespace (including the newline) in place. */
static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
			 s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* Read the first line of GREETING_FILE into buf; returns NULL if absent. */
static const char *read_greeting(char *buf, size_t size)
{
	FILE *f = fopen(GREETING_FILE, "r");
	const char *ret = NULL;

	if (f == NULL)
		return NULL;
	if (fgets(buf, (int)size, f) != NULL) {
		chomp(buf);
		ret = buf;
	}
	fclose(f);
	return ret;
}

/* Look up "name = value" in CONFIG_FILE; '#' starts a comment line. */
static const char *read_name(char *buf, size_t size)
{
	FILE *f = fopen(CONFIG_FILE, "r");
	const char *ret = NULL;
	char line[256];

	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof line, f) != NULL) {
		char *p = line, *eq;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || strncmp(p, "name", 4) != 0)
			continue;
		eq = strchr(p, '=');
		if (eq == NULL)
			continue;
		for (eq++; *eq == ' ' || *eq == '\t'; eq++)
			;
		chomp(eq);
		snprintf(buf, size, "%s", eq);
		ret = buf;
		break;
	}
	fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	char greeting[256], name[256];

	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("hello 1.0 (libgreet %s)\n", greet_version());
		return 0;
	}
	return greet(read_greeting(greeting, sizeof greeting),
		     argc > 1 ? argv[1] : read_name(name, sizeof name)) == 0 ? 0 : 1;
}
