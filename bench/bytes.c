/* uvws-bytes: the per-byte work on a message's payload (unmasking, UTF-8
 * validation, both in one pass) in GB/s, against memcpy() over the same
 * buffers: 4 KiB, 64 KiB and 1 MiB of ASCII text, of mixed UTF-8 text, of
 * Cyrillic text and of random bytes. Each run times every operation in turn, each going over
 * the buffer until it has done about 64 MiB, timed in batches of about
 * 256 KiB (the fastest batch counts); a figure is the median over
 * the runs, and so is its ratio to memcpy (taken within each run, so that
 * a noisy neighbour slows both alike). It calls uvws's internal
 * functions, so it links the static library. Validation goes by table
 * lookups where the build and the CPU have them (SSSE3, NEON), unless
 * --comparisons asks for the scan by comparisons alone.
 *
 *   uvws-bytes [--runs N] [--mib M] [--json FILE] [--comparisons]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "uvws_int.h"

#define MAX_SIZE (1024 * 1024)
#define MAX_RUNS 101

typedef enum { DATA_ASCII, DATA_MIXED, DATA_CYRILLIC, DATA_BINARY } data_t;

static const char* const data_names[] = {"ASCII text", "mixed UTF-8 text",
                                         "Cyrillic text", "binary"};

typedef enum {
  OP_MEMCPY,
  OP_UNMASK,
  OP_UNMASK_IN_PLACE,
  OP_VALIDATE,
  OP_UNMASK_VALIDATE,
  OP_COUNT
} op_t;

static const char* const op_names[] = {
  "memcpy", "unmask", "unmask in place", "validate", "unmask + validate"};
static const char* const op_keys[] = {
  "memcpy", "unmask", "unmask_in_place", "validate", "unmask_validate"};

static const unsigned char key[4] = {0x3a, 0xc5, 0x91, 0x6e};
static unsigned char* plain;  /* the payload */
static unsigned char* masked; /* as a client sends it */
static unsigned char* dst;
static volatile unsigned sink;

static uint64_t mix(uint64_t* x) {
  uint64_t z;

  z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Mixed text: three characters in five ASCII, the rest of 2, 3 and 4
 * bytes (as in text in a European language with names, symbols and an
 * emoji now and then); Cyrillic text: letters of two bytes, a space or a
 * comma one character in six. Text ends where a whole character ends. */
static void fill(data_t data, size_t size) {
  static const char* const wide[] = {"\xc3\xa9", "\xd0\x96", "\xc3\xbc",
                                     "\xe2\x82\xac", "\xe4\xb8\xad",
                                     "\xe3\x81\x82", "\xf0\x9f\x98\x80"};
  const char* c;
  uint64_t x;
  uint64_t r;
  size_t i;
  size_t n;

  x = 6455;
  for (i = 0; i < size; i += n) {
    r = mix(&x);
    n = 1;
    if (data == DATA_BINARY) {
      plain[i] = (unsigned char) r;
    } else if (data == DATA_CYRILLIC && r % 6 != 0) {
      if (i + 2 > size) {
        plain[i] = ' ';
        break;
      }
      plain[i] = (unsigned char) (0xd0 + (r >> 8) % 2);
      plain[i + 1] = (unsigned char) (plain[i] == 0xd0 ? 0xb0 + (r >> 16) % 16
                                                       : 0x80 + (r >> 16) % 16);
      n = 2;
    } else if (data == DATA_CYRILLIC) {
      plain[i] = (r >> 8) % 4 ? ' ' : ',';
    } else if (data == DATA_ASCII || r % 5 < 3) {
      plain[i] = (unsigned char) (' ' + (r >> 8) % 95);
    } else {
      c = wide[(r >> 8) % (sizeof(wide) / sizeof(wide[0]))];
      n = strlen(c);
      if (i + n > size) {
        memset(plain + i, 'x', size - i);
        break;
      }
      memcpy(plain + i, c, n);
    }
  }
  ws__mask_copy(masked, plain, size, key);
}

static void run_op(op_t op, size_t size) {
  switch (op) {
    case OP_MEMCPY:
      memcpy(dst, masked, size);
      break;
    case OP_UNMASK:
      ws__mask_copy(dst, masked, size, key);
      break;
    case OP_UNMASK_IN_PLACE:
      /* Back and forth between masked and not: the same work each way. */
      ws__mask_copy(dst, dst, size, key);
      break;
    case OP_VALIDATE:
      if (!ws__utf8_valid(plain, size))
        abort();
      break;
    case OP_UNMASK_VALIDATE:
      if (ws__utf8_unmask(0, dst, masked, size, key, 0) != 0)
        abort();
      break;
    default:
      abort();
  }
  sink += dst[size - 1];
}

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*) a;
  double y = *(const double*) b;

  return x < y ? -1 : x > y;
}

/* GB/s (10^9 bytes a second) of one timed run: the fastest of its
 * batches of about 256 KiB, so that a run the scheduler cut into (the
 * machine may be shared) counts what the work costs when it runs. */
static double time_op(op_t op, size_t size, size_t reps) {
  uint64_t start;
  uint64_t ns;
  uint64_t best;
  size_t batch;
  size_t done;
  size_t n;
  size_t i;

  memcpy(dst, masked, size);
  batch = (256 * 1024) / size;
  if (batch == 0)
    batch = 1;
  best = UINT64_MAX;
  n = batch;
  for (done = 0; done + batch <= reps || done == 0; done += batch) {
    start = uv_hrtime();
    for (i = 0; i < batch; i++)
      run_op(op, size);
    ns = uv_hrtime() - start;
    if (ns < best)
      best = ns;
  }
  return (double) (n * size) / (double) (best > 0 ? best : 1);
}

static double median(double* xs, int n) {
  qsort(xs, (size_t) n, sizeof(xs[0]), cmp_double);
  return xs[n / 2];
}

static int op_applies(data_t data, int op) {
  return data != DATA_BINARY ||
         (op != OP_VALIDATE && op != OP_UNMASK_VALIDATE);
}

/* The median GB/s of every operation, and of its ratio to memcpy. */
static void measure(data_t data, size_t size, int runs, size_t per_run,
                    double* gbps, double* ratio) {
  double runs_gbps[OP_COUNT][MAX_RUNS];
  double runs_ratio[OP_COUNT][MAX_RUNS];
  size_t reps;
  int r;
  int op;

  reps = per_run / size;
  if (reps == 0)
    reps = 1;
  for (op = 0; op < OP_COUNT; op++) /* warm up */
    if (op_applies(data, op))
      time_op((op_t) op, size, reps / 4 + 1);
  for (r = 0; r < runs; r++) {
    for (op = 0; op < OP_COUNT; op++) {
      if (!op_applies(data, op))
        continue;
      runs_gbps[op][r] = time_op((op_t) op, size, reps);
      runs_ratio[op][r] = runs_gbps[op][r] / runs_gbps[OP_MEMCPY][r];
    }
  }
  for (op = 0; op < OP_COUNT; op++) {
    gbps[op] = op_applies(data, op) ? median(runs_gbps[op], runs) : 0;
    ratio[op] = op_applies(data, op) ? median(runs_ratio[op], runs) : 0;
  }
}

static void usage(void) {
  fprintf(stderr, "usage: uvws-bytes [--runs N] [--mib M] [--json FILE] "
          "[--comparisons]\n"
          "  --runs N        runs, each timing every operation in turn (11)\n"
          "  --mib M         MiB each operation goes over in a run (64)\n"
          "  --comparisons   validate by comparisons, not table lookups\n");
  exit(2);
}

int main(int argc, char** argv) {
  static const size_t sizes[] = {4096, 65536, MAX_SIZE};
  double gbps[OP_COUNT];
  double ratio[OP_COUNT];
  const char* json_path;
  size_t per_run;
  FILE* json;
  size_t s;
  int lookup;
  int first;
  int runs;
  int d;
  int op;
  int i;

  runs = 11;
  per_run = 64;
  json_path = NULL;
  lookup = 1;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
      runs = atoi(argv[++i]);
    else if (strcmp(argv[i], "--mib") == 0 && i + 1 < argc)
      per_run = (size_t) atoi(argv[++i]);
    else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
      json_path = argv[++i];
    else if (strcmp(argv[i], "--comparisons") == 0)
      lookup = 0;
    else
      usage();
  }
  if (runs < 1 || runs > MAX_RUNS || per_run < 1)
    usage();
  per_run *= 1024 * 1024;
  plain = malloc(MAX_SIZE);
  masked = malloc(MAX_SIZE);
  dst = malloc(MAX_SIZE);
  if (plain == NULL || masked == NULL || dst == NULL)
    return 1;
  json = NULL;
  if (json_path != NULL && (json = fopen(json_path, "w")) == NULL) {
    perror(json_path);
    return 1;
  }
  lookup = ws__utf8_use_lookup(lookup);
  printf("GB/s, median of %d runs of %zu MiB each; in brackets, the "
         "median of the ratio to memcpy's speed on the same buffer in the "
         "same run. UTF-8 validated by %s.\n\n", runs, per_run >> 20,
         lookup ? "table lookups" : "comparisons");
  printf("| size | data | memcpy | unmask | unmask in place | validate | "
         "unmask + validate |\n|---|---|---|---|---|---|---|\n");
  if (json != NULL)
    fprintf(json, "{\"runs\": %d, \"mib_per_run\": %zu, "
            "\"utf8_lookup\": %s, \"rows\": [", runs, per_run >> 20,
            lookup ? "true" : "false");
  first = 1;
  for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
    for (d = DATA_ASCII; d <= DATA_BINARY; d++) {
      fill((data_t) d, sizes[s]);
      measure((data_t) d, sizes[s], runs, per_run, gbps, ratio);
      printf("| %zu KiB | %s |", sizes[s] / 1024, data_names[d]);
      for (op = 0; op < OP_COUNT; op++) {
        if (!op_applies((data_t) d, op)) {
          printf(" |");
          continue;
        }
        if (op == OP_MEMCPY)
          printf(" %.1f |", gbps[op]);
        else
          printf(" %.1f (%.2f) |", gbps[op], ratio[op]);
        if (json != NULL) {
          fprintf(json, "%s\n {\"size\": %zu, \"data\": \"%s\", "
                  "\"op\": \"%s\", \"name\": \"%s\", \"gbps\": %.3f, "
                  "\"vs_memcpy\": %.3f}", first ? "" : ",", sizes[s],
                  data_names[d], op_keys[op], op_names[op], gbps[op],
                  ratio[op]);
          first = 0;
        }
      }
      printf("\n");
      fflush(stdout);
    }
  }
  if (json != NULL) {
    fprintf(json, "\n]}\n");
    fclose(json);
  }
  free(plain);
  free(masked);
  free(dst);
  return 0;
}
