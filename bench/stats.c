/* The counters every process keeps in shared memory: latencies in a
 * log-linear histogram, the first error, and their sum over processes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

/* Histogram buckets: log-linear, of nanoseconds, 1.6% wide. */
static unsigned hist_index(uint64_t v) {
  unsigned e;

  if (v < 2 * HIST_SUB)
    return (unsigned) v;
  e = (unsigned) (63 - __builtin_clzll(v)) - HIST_SUB_BITS;
  return e * HIST_SUB + (unsigned) (v >> e);
}

static uint64_t hist_value(unsigned i) {
  unsigned e;

  if (i < 2 * HIST_SUB)
    return i;
  e = i / HIST_SUB - 1;
  /* The middle of the bucket. */
  return ((uint64_t) (i - e * HIST_SUB) << e) + ((uint64_t) 1 << e) / 2;
}

void slot_record(slot_t* s, uint64_t ns) {
  s->hist[hist_index(ns)]++;
  s->lat_sum += ns;
  s->lat_count++;
  if (ns > s->lat_max)
    s->lat_max = ns;
}

uint64_t hist_percentile(const uint64_t* h, uint64_t count, double p) {
  uint64_t want;
  uint64_t seen;
  unsigned i;

  if (count == 0)
    return 0;
  want = (uint64_t) ceil(p * (double) count);
  if (want < 1)
    want = 1;
  seen = 0;
  for (i = 0; i < HIST_N; i++) {
    seen += h[i];
    if (seen >= want)
      return hist_value(i);
  }
  return hist_value(HIST_N - 1);
}

void slot_error(worker_t* w, const char* fmt, const char* a,
                uint64_t b, uint64_t c) {
  w->slot->errors++;
  if (w->slot->first_error[0] == '\0')
    snprintf(w->slot->first_error, sizeof(w->slot->first_error), fmt, a,
             (unsigned long long) b, (unsigned long long) c);
}

void sum_slots(slot_t* sum) {
  int i;
  int k;

  memset(sum, 0, sizeof(*sum));
  for (i = 0; i < o.procs; i++) {
    slot_t* s = &shm->slots[i];
    sum->opened += s->opened;
    sum->failed += s->failed;
    sum->closed += s->closed;
    sum->errors += s->errors;
    sum->lost += s->lost;
    sum->held += s->held;
    sum->held_peak += s->held_peak;
    sum->msgs += s->msgs;
    sum->bytes += s->bytes;
    sum->total_msgs += s->total_msgs;
    sum->sent += s->sent;
    sum->published += s->published;
    sum->compressed += s->compressed;
    sum->inflated += s->inflated;
    sum->lat_sum += s->lat_sum;
    sum->lat_count += s->lat_count;
    if (s->lat_max > sum->lat_max)
      sum->lat_max = s->lat_max;
    if (s->last_open_ns > sum->last_open_ns)
      sum->last_open_ns = s->last_open_ns;
    if (s->first_start_ns != 0 &&
        (sum->first_start_ns == 0 || s->first_start_ns < sum->first_start_ns))
      sum->first_start_ns = s->first_start_ns;
    for (k = 0; k < HIST_N; k++)
      sum->hist[k] += s->hist[k];
    for (k = 0; k < TIMELINE_N; k++)
      sum->timeline[k] += s->timeline[k];
    if (sum->first_error[0] == '\0' && s->first_error[0] != '\0')
      memcpy(sum->first_error, s->first_error, sizeof(sum->first_error));
  }
}
