/* A small STREAM-style triad, a[j] = b[j] + q * c[j], in double precision, for bench/bench_stream.py.

   Build: gcc -O3 -fopenmp [-march=native] stream_triad.c -o stream_triad
   Run:   OMP_NUM_THREADS=2 ./stream_triad N NTIMES
   Prints one line: "n=<N> threads=<T> best_s=<seconds> bytes=<bytes> bandwidth=<bytes/s>".

   Byte count as in McCalpin's STREAM: 3 arrays x 8 bytes per iteration (read b and c, write a);
   the write-allocate read of a's cache lines is not counted (the same convention as rooflib.measure).
   Arrays are first touched by the threads that later use them (static schedule), as STREAM does.
   Written for Roofline Lab; not McCalpin's code, and its results are not "STREAM results". */

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s N NTIMES\n", argv[0]);
        return 2;
    }
    long n = atol(argv[1]);
    int ntimes = atoi(argv[2]);
    if (n < 1 || ntimes < 2) {
        fprintf(stderr, "N must be >= 1 and NTIMES >= 2\n");
        return 2;
    }
    double *a = aligned_alloc(64, ((n * sizeof(double) + 63) / 64) * 64);
    double *b = aligned_alloc(64, ((n * sizeof(double) + 63) / 64) * 64);
    double *c = aligned_alloc(64, ((n * sizeof(double) + 63) / 64) * 64);
    if (!a || !b || !c) {
        fprintf(stderr, "allocation of 3 x %ld doubles failed\n", n);
        return 1;
    }
    const double q = 3.0;
#pragma omp parallel for schedule(static)
    for (long j = 0; j < n; j++) {
        a[j] = 1.0;
        b[j] = 2.0;
        c[j] = 0.5;
    }
    double best = 1e30;
    int threads = 1;
    for (int k = 0; k < ntimes; k++) {
        double t0 = omp_get_wtime();
#pragma omp parallel for schedule(static)
        for (long j = 0; j < n; j++)
            a[j] = b[j] + q * c[j];
        double t = omp_get_wtime() - t0;
        if (k > 0 && t < best) best = t;   /* the first pass is a warm-up, as in STREAM */
    }
#pragma omp parallel
    {
#pragma omp single
        threads = omp_get_num_threads();
    }
    /* check the result so the compiler cannot drop the loop: every a[j] is 2 + 3 * 0.5 = 3.5 */
    double sum = 0.0;
    for (long j = 0; j < n; j++) sum += a[j];
    if (sum != 3.5 * (double)n) {
        fprintf(stderr, "triad check failed: sum %.17g, expected %.17g\n", sum, 3.5 * (double)n);
        return 1;
    }
    double bytes = 3.0 * sizeof(double) * (double)n;
    printf("n=%ld threads=%d best_s=%.9g bytes=%.17g bandwidth=%.9g\n", n, threads, best, bytes, bytes / best);
    free(a);
    free(b);
    free(c);
    return 0;
}
