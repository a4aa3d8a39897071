/* vecstat.c - prints the sum, norm and checksum of the numbers given as
 * arguments (or read from standard input), using libvec and libm's log. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "vec.h"

#define MAX_VALUES 1024

int main(int argc, char **argv)
{
	static double v[MAX_VALUES];
	size_t n = 0;

	if (argc > 1) {
		for (int i = 1; i < argc && n < MAX_VALUES; i++)
			v[n++] = strtod(argv[i], NULL);
	} else {
		while (n < MAX_VALUES && scanf("%lf", &v[n]) == 1)
			n++;
	}
	double norm = vec_norm(v, n);
	printf("n=%zu sum=%g norm=%g log-norm=%g crc=%08lx\n", n, vec_sum(v, n), norm,
	       norm > 0 ? log(norm) : 0.0, vec_crc(v, n));
	return 0;
}
