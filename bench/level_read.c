/* Read bandwidth of one memory level, for bench/bench_levels.py: every OpenMP thread reads its own pair of
   vectors (BYTES_PER_THREAD bytes together, so they live in L1, L2, the last-level cache or DRAM) with a
   dot product, REPS times per pass; the best of NTIMES passes is kept (the first is a warm-up).

   Build: gcc -O3 -fopenmp [-march=native] level_read.c -o level_read
   Run:   OMP_NUM_THREADS=2 ./level_read BYTES_PER_THREAD REPS NTIMES
   Prints one line: "threads=<T> n=<N> reps=<R> best_s=<seconds> bytes=<bytes> bandwidth=<bytes/s>".

   Bytes: 2n x 8 per dot product (both vectors read; nothing written), the count rooflib.measure.level_roofs
   uses. After each dot product b[0] takes s * 0.0, so no compiler may reuse one dot product for the next
   (IEEE arithmetic: s * 0.0 is not known to be 0). Written for Roofline Lab. */

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

typedef double v4 __attribute__((vector_size(32)));

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s BYTES_PER_THREAD REPS NTIMES\n", argv[0]);
        return 2;
    }
    long n = (atol(argv[1]) / 16) / 32 * 32; /* elements per vector, a multiple of 32 */
    long reps = atol(argv[2]);
    int ntimes = atoi(argv[3]);
    if (n < 32 || reps < 1 || ntimes < 2) {
        fprintf(stderr, "BYTES_PER_THREAD must be >= 512, REPS >= 1, NTIMES >= 2\n");
        return 2;
    }
    double best = 1e30, sink = 0.0;
    int threads = 1;
#pragma omp parallel reduction(+ : sink)
    {
        double *b = aligned_alloc(64, ((n * sizeof(double) + 63) / 64) * 64);
        double *c = aligned_alloc(64, ((n * sizeof(double) + 63) / 64) * 64);
        for (long j = 0; j < n; j++) {
            b[j] = 2.0;
            c[j] = 0.5;
        }
#pragma omp single
        threads = omp_get_num_threads();
        for (int k = 0; k < ntimes; k++) {
#pragma omp barrier
            double t0 = omp_get_wtime();
            for (long r = 0; r < reps; r++) {
                /* eight independent vector accumulators of four doubles (GCC vector extensions), so the
                   loads, not the latency of one chain of adds, set the pace (no -ffast-math needed) */
                v4 acc[8] = {{0}};
                const v4 *vb = (const v4 *)b, *vc = (const v4 *)c;
                for (long j = 0; j < n / 4; j += 8)
                    for (int k = 0; k < 8; k++)
                        acc[k] += vb[j + k] * vc[j + k];
                double s = 0.0;
                for (int k = 0; k < 8; k++)
                    s += acc[k][0] + acc[k][1] + acc[k][2] + acc[k][3];
                b[0] += s * 0.0;
                sink += s;
            }
#pragma omp barrier
            double t = omp_get_wtime() - t0;
#pragma omp master
            if (k > 0 && t < best) best = t;
        }
        free(b);
        free(c);
    }
    double bytes = 16.0 * n * reps * threads;
    printf("threads=%d n=%ld reps=%ld best_s=%.9g bytes=%.17g bandwidth=%.17g sink=%g\n", threads, n, reps, best,
           bytes, bytes / best, sink);
    return 0;
}
