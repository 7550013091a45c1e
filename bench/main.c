/* uvws-bench: a load generator for WebSocket servers, built on ws_client_t
 * (the public uvws API only) and libuv.
 *
 * Modes:
 *   echo       N connections, K messages in flight on each; every echo is
 *              checked byte for byte; messages per second and round trips.
 *   broadcast  M members of a broadcast server's room and one publisher,
 *              which keeps K broadcasts outstanding (or publishes at a
 *              rate); deliveries per second and publish-to-receive latency
 *              from a timestamp in each payload.
 *   connect    opens N connections, C handshakes at a time, and holds them:
 *              handshakes per second and the most connections held.
 *   idle       holds N connections (pings are answered) until the duration
 *              ends or SIGINT/SIGTERM: for measuring the server's memory.
 *
 * --raw speaks no HTTP: a bare TCP connection that sends exactly the masked
 * frames a WebSocket client would, so that raw libuv servers (the floors)
 * are measured with the same client.
 *
 * --procs P spreads the connections over P processes (each has its own
 * loop; counters and histograms live in shared memory), to stay under a
 * per-process file descriptor limit. A progress line goes to stderr, the
 * results to stdout, and --json FILE writes them as JSON.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

shm_t* shm;

int main(int argc, char** argv) {
  struct rusage self;
  struct rusage kids;
  pid_t pids[MAX_PROCS];
  int notify[2];
  double cpu;
  int status;
  int i;

  if (parse_args(argc, argv) != 0)
    return 2;
  signal(SIGPIPE, SIG_IGN);
  pool_init(o.max_size);
  shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shm == MAP_FAILED) {
    fprintf(stderr, "uvws-bench: mmap: %s\n", strerror(errno));
    return 1;
  }
  if (pipe(notify) != 0) {
    fprintf(stderr, "uvws-bench: pipe: %s\n", strerror(errno));
    return 1;
  }
  fflush(stdout);
  for (i = 1; i < o.procs; i++) {
    uint64_t first = (uint64_t) o.conns * (uint64_t) i / (uint64_t) o.procs;
    uint64_t end = (uint64_t) o.conns * (uint64_t) (i + 1) /
                   (uint64_t) o.procs;
    pids[i] = fork();
    if (pids[i] < 0) {
      fprintf(stderr, "uvws-bench: fork: %s\n", strerror(errno));
      STORE(shm->stop, 1);
      o.procs = i;
      break;
    }
    if (pids[i] == 0) {
      close(notify[0]);
      o.quiet = 1;
      _exit(worker_run(i, first, (unsigned) (end - first), -1, notify[1]));
    }
  }
  close(notify[1]);
  status = worker_run(0, 0, (unsigned) ((uint64_t) o.conns / o.procs),
                      notify[0], -1);
  for (i = 1; i < o.procs; i++) {
    int st;
    while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
      ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
      status = 1;
  }
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  cpu = (double) self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6 +
        (double) self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6 +
        (double) kids.ru_utime.tv_sec + kids.ru_utime.tv_usec / 1e6 +
        (double) kids.ru_stime.tv_sec + kids.ru_stime.tv_usec / 1e6;
  if (report(cpu) != 0)
    status = 1;
  return status;
}
