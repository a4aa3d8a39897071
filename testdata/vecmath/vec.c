/* vec.c - libvec. Uses libm (sqrt, hypot) and zlib (crc32), and glibc's
 * explicit_bzero (GLIBC_2.25), so its own dependencies are versioned. */
#include <math.h>
#include <string.h>
#include <zlib.h>

#include "vec.h"

double vec_sum(const double *v, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return s;
}

double vec_dot(const double *a, const double *b, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

double vec_norm(const double *v, size_t n)
{
	double r = 0;

	for (size_t i = 0; i < n; i++)
		r = hypot(r, v[i]);
	return n ? r : sqrt(0.0);
}

unsigned long vec_crc(const double *v, size_t n)
{
	unsigned char scratch[sizeof(double)];
	uLong crc = crc32(0L, Z_NULL, 0);

	for (size_t i = 0; i < n; i++) {
		memcpy(scratch, &v[i], sizeof scratch);
		crc = crc32(crc, scratch, sizeof scratch);
	}
	explicit_bzero(scratch, sizeof scratch);
	return crc;
}
