/* The results: the summary on stdout, --json and --plot. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static const double percentiles[] = { 0.5, 0.9, 0.99, 0.999 };
static const char* percentile_names[] = { "p50", "p90", "p99", "p999" };

static int cmp_u64(const void* a, const void* b) {
  uint64_t x;
  uint64_t y;

  x = *(const uint64_t*) a;
  y = *(const uint64_t*) b;
  return x < y ? -1 : x > y;
}

/* Broadcast: of the n times the window's broadcasts took to reach every
 * member (sorted), the p-th, in microseconds. */
static double reach_percentile(const uint64_t* sorted, uint64_t n, double p) {
  uint64_t i;

  if (n == 0)
    return 0;
  i = (uint64_t) ceil(p * (double) n);
  i = i == 0 ? 0 : i - 1;
  return (double) sorted[i < n ? i : n - 1] / 1e3;
}

static void write_plots(const slot_t* s, double window_s) {
  char path[1024];
  FILE* f;
  FILE* g;
  uint64_t last;
  int i;

  (void) window_s;
  snprintf(path, sizeof(path), "%s-latency.dat", o.plot);
  f = fopen(path, "w");
  if (f == NULL)
    return;
  /* x = 1/(1-p): percentiles spread on a log axis. */
  for (i = 0; i <= 500; i++) {
    double p = 1.0 - pow(10.0, -5.0 * i / 500.0);
    if (p <= 0)
      p = 0;
    fprintf(f, "%.9f %.3f\n", 1.0 / (1.0 - p),
            hist_percentile(s->hist, s->lat_count, p) / 1e3);
  }
  fclose(f);
  snprintf(path, sizeof(path), "%s-timeline.dat", o.plot);
  f = fopen(path, "w");
  if (f == NULL)
    return;
  last = 0;
  for (i = 0; i < TIMELINE_N; i++)
    if (s->timeline[i] != 0)
      last = (uint64_t) i;
  for (i = 0; i <= (int) last; i++)
    fprintf(f, "%d %" PRIu64 "\n", i, s->timeline[i]);
  fclose(f);
  g = popen("gnuplot", "w");
  if (g == NULL)
    return;
  fprintf(g,
          "set terminal pngcairo size 900,500 noenhanced\n"
          "set grid\n"
          "set output '%s-latency.png'\n"
          "set title '%s %s: latency by percentile'\n"
          "set logscale x\n"
          /* Tic labels are formats to gnuplot: %% is a percent sign. */
          "set xtics ('50%%%%' 2, '90%%%%' 10, '99%%%%' 100,"
          " '99.9%%%%' 1000, '99.99%%%%' 10000, '99.999%%%%' 100000)\n"
          "set xlabel 'percentile'\n"
          "set ylabel 'microseconds'\n"
          "plot '%s-latency.dat' using 1:2 with lines lw 2 notitle\n"
          "unset logscale x\n"
          "set xtics auto\n"
          "set output '%s-timeline.png'\n"
          "set title '%s %s: per second'\n"
          "set xlabel 'seconds since start'\n"
          "set ylabel '%s per second'\n"
          "plot '%s-timeline.dat' using 1:2 with steps lw 2 notitle\n",
          o.plot, mode_names[o.mode], o.label ? o.label : "", o.plot, o.plot,
          mode_names[o.mode], o.label ? o.label : "",
          o.mode == MODE_ECHO ? "messages"
          : o.mode == MODE_BROADCAST ? "deliveries" : "handshakes",
          o.plot);
  pclose(g);
}

static void json_string(FILE* f, const char* s) {
  fputc('"', f);
  for (; s != NULL && *s != '\0'; s++) {
    if (*s == '"' || *s == '\\')
      fprintf(f, "\\%c", *s);
    else if ((unsigned char) *s < 0x20)
      fprintf(f, "\\u%04x", *s);
    else
      fputc(*s, f);
  }
  fputc('"', f);
}

int report(double client_cpu_s) {
  slot_t* s;
  double window_s;
  double rate;
  double srv_cpu;
  static uint64_t reach[REACH_N];
  uint64_t reach_n;
  uint64_t last;
  FILE* f;
  int ok;
  int i;

  s = calloc(1, sizeof(*s));
  sum_slots(s);
  if (!o.quiet)
    fprintf(stderr, "\n");
  window_s = 0;
  if (o.mode == MODE_CONNECT || o.mode == MODE_IDLE) {
    if (s->last_open_ns > s->first_start_ns)
      window_s = (double) (s->last_open_ns - s->first_start_ns) / 1e9;
    rate = window_s > 0 ? (double) s->opened / window_s : 0;
  } else {
    if (o.messages != 0 && o.mode == MODE_ECHO)
      window_s = s->last_open_ns > shm->window_start_ns
                     ? (double) (s->last_open_ns - shm->window_start_ns) /
                           1e9
                     : 0;
    else
      window_s = (double) (shm->window_end_ns - shm->window_start_ns) / 1e9;
    rate = window_s > 0 ? (double) s->msgs / window_s : 0;
  }
  srv_cpu = -1;
  if (w0 != NULL && w0->srv_cpu_ok == 2 && w0->srv_cpu0 >= 0 &&
      w0->srv_cpu1 >= 0)
    srv_cpu = w0->srv_cpu1 - w0->srv_cpu0;
  ok = s->errors == 0 && s->failed == 0 && s->closed == 0 && s->lost == 0;

  printf("mode %s%s, %u connections, %d process%s, url %s%s\n",
         mode_names[o.mode], o.raw ? " (raw)" : "", o.conns, o.procs,
         o.procs == 1 ? "" : "es", o.urls[0],
         o.url_count > 1 ? " (and more)" : "");
  printf("opened %" PRIu64 ", failed %" PRIu64 ", closed early %" PRIu64
         ", errors %" PRIu64 ", lost %" PRIu64 "\n",
         s->opened, s->failed, s->closed, s->errors, s->lost);
  if (s->first_error[0] != '\0')
    printf("first error: %s\n", s->first_error);
  switch (o.mode) {
    case MODE_ECHO:
      printf("%" PRIu64 " echoes in %.2f s: %.0f msgs/s, %.1f MB/s\n",
             s->msgs, window_s, rate,
             window_s > 0 ? (double) s->bytes / window_s / 1e6 : 0);
      break;
    case MODE_BROADCAST:
      printf("%" PRIu64 " published, %" PRIu64 " deliveries in %.2f s:"
             " %.0f deliveries/s\n",
             s->published, s->msgs, window_s, rate);
      if (o.no_inflate)
        printf("%" PRIu64 " deliveries compressed, %" PRIu64
               " of them inflated and checked\n",
               s->compressed, s->inflated);
      break;
    default:
      printf("%" PRIu64 " handshakes in %.3f s: %.0f/s, %" PRIu64
             " held at most\n",
             s->opened, window_s, rate, s->held_peak);
      break;
  }
  printf("latency (us): ");
  for (i = 0; i < 4; i++)
    printf("%s %.1f  ", percentile_names[i],
           hist_percentile(s->hist, s->lat_count, percentiles[i]) / 1e3);
  printf("max %.1f  mean %.1f\n", s->lat_max / 1e3,
         s->lat_count ? (double) s->lat_sum / (double) s->lat_count / 1e3
                      : 0);
  reach_n = shm->reach_count;
  memcpy(reach, shm->reach_all, reach_n * sizeof(reach[0]));
  qsort(reach, reach_n, sizeof(reach[0]), cmp_u64);
  if (o.mode == MODE_BROADCAST && !o.server_publishes)
    printf("reach all (us), %" PRIu64 " broadcasts: p50 %.1f  p99 %.1f  "
           "max %.1f\n", reach_n, reach_percentile(reach, reach_n, 0.5),
           reach_percentile(reach, reach_n, 0.99),
           reach_percentile(reach, reach_n, 1.0));
  if (srv_cpu >= 0 && s->msgs > 0)
    printf("server cpu %.3f s in the window: %.3f us per %s\n", srv_cpu,
           srv_cpu * 1e6 / (double) s->msgs,
           o.mode == MODE_BROADCAST ? "delivery" : "message");
  printf("client cpu %.3f s\n", client_cpu_s);

  if (o.json != NULL) {
    f = fopen(o.json, "w");
    if (f == NULL) {
      fprintf(stderr, "uvws-bench: cannot write %s: %s\n", o.json,
              strerror(errno));
      return 1;
    }
    fprintf(f, "{\n  \"mode\": \"%s\",\n  \"label\": ", mode_names[o.mode]);
    json_string(f, o.label);
    fprintf(f, ",\n  \"url\": ");
    json_string(f, o.urls[0]);
    fprintf(f,
            ",\n  \"raw\": %s,\n  \"conns\": %u,\n  \"procs\": %d,\n"
            "  \"size\": %zu,\n  \"sizes\": [",
            o.raw ? "true" : "false", o.conns, o.procs, o.sizes[0]);
    for (i = 0; i < o.size_count; i++)
      fprintf(f, "%s%zu", i ? ", " : "", o.sizes[i]);
    fprintf(f,
            "],\n  \"inflight\": %u,\n  \"rate\": %.1f,\n"
            "  \"window_s\": %.6f,\n  \"opened\": %" PRIu64
            ",\n  \"failed\": %" PRIu64 ",\n  \"closed_early\": %" PRIu64
            ",\n  \"errors\": %" PRIu64 ",\n  \"lost\": %" PRIu64
            ",\n  \"held_peak\": %" PRIu64 ",\n  \"messages\": %" PRIu64
            ",\n  \"bytes\": %" PRIu64 ",\n  \"published\": %" PRIu64
            ",\n  \"total_messages\": %" PRIu64 ",\n  \"sent\": %" PRIu64
            ",\n  \"rate_per_s\": %.3f,\n  \"compressed\": %" PRIu64
            ",\n  \"inflated\": %" PRIu64 ",\n",
            o.inflight, o.rate, window_s, s->opened, s->failed, s->closed,
            s->errors, s->lost, s->held_peak, s->msgs, s->bytes,
            s->published, s->total_msgs, s->sent, rate, s->compressed,
            s->inflated);
    fprintf(f, "  \"latency_us\": {");
    for (i = 0; i < 4; i++)
      fprintf(f, "\"%s\": %.3f, ", percentile_names[i],
              hist_percentile(s->hist, s->lat_count, percentiles[i]) / 1e3);
    fprintf(f, "\"max\": %.3f, \"mean\": %.3f, \"count\": %" PRIu64 "},\n",
            s->lat_max / 1e3,
            s->lat_count ? (double) s->lat_sum / (double) s->lat_count / 1e3
                         : 0,
            s->lat_count);
    if (o.mode == MODE_BROADCAST && !o.server_publishes) {
      fprintf(f, "  \"reach_all_us\": {\"p50\": %.3f, \"p99\": %.3f, "
              "\"max\": %.3f, \"count\": %" PRIu64 ", \"each\": [",
              reach_percentile(reach, reach_n, 0.5),
              reach_percentile(reach, reach_n, 0.99),
              reach_percentile(reach, reach_n, 1.0), reach_n);
      for (i = 0; i < (int) reach_n; i++)
        fprintf(f, "%s%.3f", i ? ", " : "",
                (double) shm->reach_all[i] / 1e3);
      fprintf(f, "]},\n");
    }
    if (srv_cpu >= 0)
      fprintf(f,
              "  \"server_cpu_s\": %.4f,\n  \"server_cpu_us_per_msg\": %.5f,"
              "\n  \"server_rss_kb\": %ld,\n",
              srv_cpu, s->msgs ? srv_cpu * 1e6 / (double) s->msgs : 0.0,
              w0->srv_rss_kb);
    fprintf(f, "  \"client_cpu_s\": %.4f,\n  \"first_error\": ",
            client_cpu_s);
    json_string(f, s->first_error);
    fprintf(f, ",\n  \"timeline\": [");
    last = 0;
    for (i = 0; i < TIMELINE_N; i++)
      if (s->timeline[i] != 0)
        last = (uint64_t) i;
    for (i = 0; i <= (int) last; i++)
      fprintf(f, "%s%" PRIu64, i ? ", " : "", s->timeline[i]);
    fprintf(f, "],\n  \"ok\": %s\n}\n", ok ? "true" : "false");
    fclose(f);
  }
  if (o.plot != NULL)
    write_plots(s, window_s);
  free(s);
  return ok ? 0 : 1;
}
