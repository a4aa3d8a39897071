/* greet.h - public interface of the tiny libgreet test library. */
#ifndef GREET_H
#define GREET_H

#ifdef __cplusplus
extern "C" {
#endif

/* Library version string, e.g. "1.0.0". */
const char *greet_version(void);

/* Write "<greeting>, <name>!" plus a newline to stdout.
 * A NULL greeting means the built-in default ("Hello");
 * a NULL name means "world". Returns 0 on success, -1 on error. */
int greet(const char *greeting, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* GREET_H */
