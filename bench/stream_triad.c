/* A small STREAM-style triad, a[j] = b[j] + q * c[j], in double precision, for bench/bench_stream.py.
   It also times the other two candidates rooflib.measure takes its DRAM roof from: a read-only dot
   product, s += b[j] * c[j] (no array written), and an in-place update, a[j] = q * a[j] with q = -1.

   Build: gcc -O3 -fopenmp [-march=native] stream_triad.c -o stream_triad
   Run:   OMP_NUM_THREADS=2 ./stream_triad N NTIMES [triad|dot|update]     (N elements per array)
   Prints one line: "kernel=<K> n=<N> threads=<T> best_s=<seconds> bytes=<bytes> bandwidth=<bytes/s>".

   Byte count as in McCalpin's STREAM: triad 3 arrays x 8 bytes per iteration (read b and c, write a),
   dot 2 x 8 (read b and c), update 2 x 8 (read a, write a); the write-allocate read of a's cache lines
   in the triad is not counted (the same convention as rooflib.measure; the update has none). Arrays
   are first touched by the threads that later use them (static schedule), as STREAM does. The best of
   NTIMES passes is kept; the first pass is a warm-up.

   Pages: numpy asks Linux for transparent huge pages on large arrays (madvise); this program does the
   same, so both sides of the comparison use the same page size. On the course's 2-core VM, 4 KiB pages
   cost the C triad about a fifth of its bandwidth and the dot a third.
   Written for Roofline Lab; not McCalpin's code, and its results are not "STREAM results". */

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

/* 2 MiB-aligned memory, advised for transparent huge pages where Linux offers them (as numpy does). */
static double *alloc_array(long n) {
    size_t huge = (size_t)2 << 20, bytes = (((size_t)n * sizeof(double) + huge - 1) / huge) * huge;
    double *p = aligned_alloc(huge, bytes);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p) madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s N NTIMES [triad|dot|update]\n", argv[0]);
        return 2;
    }
    long n = atol(argv[1]);
    int ntimes = atoi(argv[2]);
    const char *kernel = argc > 3 ? argv[3] : "triad";
    int dot = strcmp(kernel, "dot") == 0, update = strcmp(kernel, "update") == 0;
    if (n < 1 || ntimes < 2 || (!dot && !update && strcmp(kernel, "triad") != 0)) {
        fprintf(stderr, "N must be >= 1, NTIMES >= 2, and the kernel triad, dot or update\n");
        return 2;
    }
    /* only the arrays the kernel touches: triad a, b, c; dot b, c; update a */
    double *a = dot ? NULL : alloc_array(n), *b = update ? NULL : alloc_array(n), *c = update ? NULL : alloc_array(n);
    if ((!dot && !a) || (!update && (!b || !c))) {
        fprintf(stderr, "allocation of %ld doubles per array failed\n", n);
        return 1;
    }
    const double q = 3.0;
#pragma omp parallel for schedule(static)
    for (long j = 0; j < n; j++) {
        if (a) a[j] = 1.0;
        if (b) b[j] = 2.0;
        if (c) c[j] = 0.5;
    }
    double best = 1e30, total = 0.0;
    int threads = 1;
    for (int k = 0; k < ntimes; k++) {
        double t0 = omp_get_wtime();
        if (dot) {
            double s = 0.0;
            /* simd reduction: vectorised partial sums without -ffast-math */
#pragma omp parallel for simd schedule(static) reduction(+ : s)
            for (long j = 0; j < n; j++)
                s += b[j] * c[j];
            total += s;
        } else if (update) {
            const double m = -1.0;
#pragma omp parallel for schedule(static)
            for (long j = 0; j < n; j++)
                a[j] = m * a[j];
        } else {
#pragma omp parallel for schedule(static)
            for (long j = 0; j < n; j++)
                a[j] = b[j] + q * c[j];
        }
        double t = omp_get_wtime() - t0;
        if (k > 0 && t < best) best = t;   /* the first pass is a warm-up, as in STREAM */
    }
#pragma omp parallel
    {
#pragma omp single
        threads = omp_get_num_threads();
    }
    /* check the result so the compiler cannot drop the loop: every a[j] is 2 + 3 * 0.5 = 3.5 after a triad,
       (-1)^NTIMES after the updates, and each dot pass sums 2 * 0.5 = 1 per element */
    double sum = 0.0, expected = dot ? (double)ntimes * (double)n
                                     : update ? (ntimes % 2 ? -1.0 : 1.0) * (double)n : 3.5 * (double)n;
    if (dot)
        sum = total;
    else
        for (long j = 0; j < n; j++) sum += a[j];
    if (sum != expected) {
        fprintf(stderr, "%s check failed: sum %.17g, expected %.17g\n", kernel, sum, expected);
        return 1;
    }
    double bytes = (dot || update ? 2.0 : 3.0) * sizeof(double) * (double)n;
    printf("kernel=%s n=%ld threads=%d best_s=%.9g bytes=%.17g bandwidth=%.9g\n", kernel, n, threads, best, bytes,
           bytes / best);
    free(a);
    free(b);
    free(c);
    return 0;
}
