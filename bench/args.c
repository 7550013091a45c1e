/* The command line: the mode, the options and their defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

const char* mode_names[] = { "echo", "broadcast", "connect", "idle" };

opts_t o;

static void usage(FILE* out) {
  fprintf(out,
"Usage: uvws-bench MODE [options]\n"
"\n"
"MODE is echo, broadcast, connect or idle.\n"
"\n"
"  --url URL          ws://host:port/path (repeat to spread connections over\n"
"                     several, e.g. 127.0.0.1 .. 127.0.0.4); default\n"
"                     ws://127.0.0.1:8080/\n"
"  --raw              no handshake: TCP, then the same masked frames\n"
"  --bind ADDR        source address (repeat to spread connections over\n"
"                     several, e.g. 127.0.0.2 .. 127.0.0.9)\n"
"  -c, --conns N      connections, or broadcast members (100)\n"
"  -s, --size N[,N..] message size(s) in bytes; several: mixed (20)\n"
"  -k, --inflight K   echo: messages in flight per connection;\n"
"                     broadcast: broadcasts outstanding (1 / 16)\n"
"  -d, --duration S   seconds measured (5); idle: hold time (0: until a\n"
"                     signal)\n"
"  -n, --messages N   echo: messages per connection instead of a duration\n"
"  --warmup S         seconds before the measurement starts (1)\n"
"  --opcode OP        binary, text or mixed (binary)\n"
"  --any-opcode       accept a text echo of a binary message\n"
"  --procs P          client processes (1)\n"
"  --concurrency C    handshakes under way at once (200)\n"
"  --hold S           connect: seconds to hold every connection (0)\n"
"  --rate R           broadcast: publications per second (0: as fast as\n"
"                     the outstanding window allows)\n"
"  --server-publishes broadcast: no publisher; the server's timer publishes\n"
"  --origin O         send Origin: O\n"
"  --tls-ca FILE      wss:// URLs: trust this CA file (PEM) instead of the\n"
"                     system's\n"
"  --deflate          offer permessage-deflate (RFC 7692)\n"
"  --no-inflate       broadcast: members on the raw transport, with a\n"
"                     handshake that offers permessage-deflate (no context\n"
"                     takeover), that count compressed messages and\n"
"                     inflate one in 1000 to check it\n"
"  --payload P        random (printable bytes) or json (JSON-like text that\n"
"                     compresses as chat or dashboard traffic does) (random)\n"
"  --server-pid PID   read that process's CPU time and RSS for the window\n"
"  --drain S          seconds to wait for missing answers at the end (5)\n"
"  --json FILE        write the results as JSON\n"
"  --plot PREFIX      draw PREFIX-latency.png and PREFIX-timeline.png\n"
"  --label TEXT       a name for the results and plots\n"
"  -q, --quiet        no progress line\n"
"\n"
"Exits 0 when nothing failed: no connect errors, no wrong or missing\n"
"bytes, no unexpected closes.\n");
}

static int parse_sizes(const char* s) {
  char* end;
  unsigned long long v;

  o.size_count = 0;
  o.max_size = 0;
  while (*s != '\0') {
    if (o.size_count == MAX_SIZES)
      return -1;
    v = strtoull(s, &end, 10);
    if (end == s)
      return -1;
    if (*end == 'k' || *end == 'K') {
      v *= 1024;
      end++;
    } else if (*end == 'm' || *end == 'M') {
      v *= 1024 * 1024;
      end++;
    }
    o.sizes[o.size_count++] = (size_t) v;
    if (v > o.max_size)
      o.max_size = (size_t) v;
    if (*end == ',')
      end++;
    else if (*end != '\0')
      return -1;
    s = end;
  }
  return o.size_count > 0 ? 0 : -1;
}

int parse_args(int argc, char** argv) {
  int inflight_set;
  const char* a;
  const char* v;
  int i;

  memset(&o, 0, sizeof(o));
  o.conns = 100;
  o.sizes[0] = 20;
  o.size_count = 1;
  o.max_size = 20;
  o.duration = 5;
  o.warmup = 1;
  o.opcode = WS_OP_BINARY;
  o.procs = 1;
  o.concurrency = 200;
  o.drain = 5;
  inflight_set = 0;
  if (argc < 2) {
    usage(stderr);
    return -1;
  }
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    usage(stdout);
    exit(0);
  }
  for (i = 0; i < 4; i++)
    if (strcmp(argv[1], mode_names[i]) == 0)
      o.mode = (mode_t_) i;
  if (strcmp(argv[1], mode_names[o.mode]) != 0) {
    fprintf(stderr, "uvws-bench: unknown mode %s\n", argv[1]);
    return -1;
  }
  for (i = 2; i < argc; i++) {
    a = argv[i];
    v = i + 1 < argc ? argv[i + 1] : NULL;
#define FLAG(s) (strcmp(a, s) == 0)
#define NEED()                                                              \
  do {                                                                      \
    if (v == NULL) {                                                        \
      fprintf(stderr, "uvws-bench: %s needs a value\n", a);                 \
      return -1;                                                            \
    }                                                                       \
    i++;                                                                    \
  } while (0)
    if (FLAG("--raw")) {
      o.raw = 1;
    } else if (FLAG("--deflate")) {
      o.deflate = 1;
    } else if (FLAG("--no-inflate")) {
      o.no_inflate = 1;
      o.deflate = 1;
      o.raw = 1;
    } else if (FLAG("--payload")) {
      NEED();
      if (strcmp(v, "json") == 0) {
        o.json_payload = 1;
      } else if (strcmp(v, "random") != 0) {
        fprintf(stderr, "uvws-bench: bad --payload %s\n", v);
        return -1;
      }
    } else if (FLAG("--any-opcode")) {
      o.any_opcode = 1;
    } else if (FLAG("--server-publishes")) {
      o.server_publishes = 1;
    } else if (FLAG("-q") || FLAG("--quiet")) {
      o.quiet = 1;
    } else if (FLAG("-h") || FLAG("--help")) {
      usage(stdout);
      exit(0);
    } else if (FLAG("--url")) {
      NEED();
      if (o.url_count == MAX_URLS)
        return -1;
      o.urls[o.url_count++] = v;
    } else if (FLAG("--bind")) {
      NEED();
      if (o.bind_count == MAX_URLS ||
          (uv_ip4_addr(v, 0, (struct sockaddr_in*) &bind_addrs[o.bind_count])
               != 0 &&
           uv_ip6_addr(v, 0,
                       (struct sockaddr_in6*) &bind_addrs[o.bind_count]) !=
               0)) {
        fprintf(stderr, "uvws-bench: bad --bind %s\n", v);
        return -1;
      }
      o.binds[o.bind_count++] = v;
    } else if (FLAG("-c") || FLAG("--conns")) {
      NEED();
      o.conns = (unsigned) strtoul(v, NULL, 10);
    } else if (FLAG("-s") || FLAG("--size")) {
      NEED();
      if (parse_sizes(v) != 0) {
        fprintf(stderr, "uvws-bench: bad --size %s\n", v);
        return -1;
      }
    } else if (FLAG("-k") || FLAG("--inflight")) {
      NEED();
      o.inflight = (unsigned) strtoul(v, NULL, 10);
      inflight_set = 1;
    } else if (FLAG("-d") || FLAG("--duration")) {
      NEED();
      o.duration = atof(v);
    } else if (FLAG("-n") || FLAG("--messages")) {
      NEED();
      o.messages = strtoull(v, NULL, 10);
    } else if (FLAG("--warmup")) {
      NEED();
      o.warmup = atof(v);
    } else if (FLAG("--opcode")) {
      NEED();
      if (strcmp(v, "binary") == 0)
        o.opcode = WS_OP_BINARY;
      else if (strcmp(v, "text") == 0)
        o.opcode = WS_OP_TEXT;
      else if (strcmp(v, "mixed") == 0)
        o.opcode = 0;
      else
        return -1;
    } else if (FLAG("--procs")) {
      NEED();
      o.procs = atoi(v);
    } else if (FLAG("--concurrency")) {
      NEED();
      o.concurrency = (unsigned) strtoul(v, NULL, 10);
    } else if (FLAG("--hold")) {
      NEED();
      o.hold = atof(v);
    } else if (FLAG("--rate")) {
      NEED();
      o.rate = atof(v);
    } else if (FLAG("--tls-ca")) {
      NEED();
      o.tls_ca = v;
    } else if (FLAG("--origin")) {
      NEED();
      o.origin = v;
    } else if (FLAG("--server-pid")) {
      NEED();
      o.server_pid = atoi(v);
    } else if (FLAG("--drain")) {
      NEED();
      o.drain = atof(v);
    } else if (FLAG("--json")) {
      NEED();
      o.json = v;
    } else if (FLAG("--plot")) {
      NEED();
      o.plot = v;
    } else if (FLAG("--label")) {
      NEED();
      o.label = v;
    } else {
      fprintf(stderr, "uvws-bench: unknown option %s\n", a);
      return -1;
    }
#undef FLAG
#undef NEED
  }
  if (o.url_count == 0)
    o.urls[o.url_count++] = "ws://127.0.0.1:8080/";
  if (!inflight_set)
    o.inflight = o.mode == MODE_BROADCAST ? 16 : 1;
  if (o.messages != 0) {
    o.duration = 0;
    o.warmup = 0;
  }
  if (o.mode == MODE_IDLE && o.duration == 5)
    o.duration = 0;
  if (o.procs < 1 || o.procs > MAX_PROCS || o.conns < (unsigned) o.procs ||
      o.inflight < 1 || o.concurrency < 1 || o.inflight > RING_N) {
    fprintf(stderr, "uvws-bench: bad --procs, --conns, --inflight or "
                    "--concurrency\n");
    return -1;
  }
  if (o.mode == MODE_BROADCAST && o.sizes[0] < BCAST_MIN_SIZE) {
    fprintf(stderr, "uvws-bench: broadcast messages need %d bytes at least\n",
            BCAST_MIN_SIZE);
    return -1;
  }
#ifndef UVWS_BENCH_ZLIB
  if (o.no_inflate) {
    fprintf(stderr, "uvws-bench: --no-inflate needs zlib\n");
    return -1;
  }
#endif
  if (o.no_inflate && (o.mode != MODE_BROADCAST || o.server_publishes)) {
    fprintf(stderr, "uvws-bench: --no-inflate is for broadcast with a "
                    "publisher\n");
    return -1;
  }
  if (o.raw)
    for (i = 0; i < o.url_count; i++)
      if (parse_raw_url(o.urls[i], &raw_addrs[i]) != 0) {
        fprintf(stderr, "uvws-bench: --raw needs ws://ADDRESS:PORT/ URLs"
                        " with literal addresses: %s\n", o.urls[i]);
        return -1;
      }
  return 0;
}
