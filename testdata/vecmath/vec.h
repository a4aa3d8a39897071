/* vec.h - libvec, a small vector library used as a packaging test fixture. */
#ifndef VEC_H
#define VEC_H

#include <stddef.h>

double vec_sum(const double *v, size_t n);
double vec_dot(const double *a, const double *b, size_t n);
/* Since 1.2. */
double vec_norm(const double *v, size_t n);
unsigned long vec_crc(const double *v, size_t n);

#endif
