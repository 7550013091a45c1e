/* Counters: the snapshots of a server's, a client's and a room's, and the
 * names of what they count by. The increments are one-liners where the
 * events happen (WS__COUNT in uvws_int.h). */
#include "uvws_int.h"

#include <string.h>

/* The size of the first ws_stats_t and ws_room_stats_t. */
#define WS__STATS_MIN WS__SIZE_TO(ws_stats_t, wslay_contexts_pooled)
#define WS__ROOM_STATS_MIN WS__SIZE_TO(ws_room_stats_t, slow_closes)

const char* ws_handshake_failure_name(int reason) {
  static const char* const names[WS_HANDSHAKE_FAILURES] = {
    "malformed", "too_large", "bad_upgrade", "bad_version", "refused",
    "full", "timeout", "closed", "bad_response"
  };

  if (reason < 0 || reason >= WS_HANDSHAKE_FAILURES)
    return NULL;
  return names[reason];
}

const char* ws_frame_kind_name(int kind) {
  static const char* const names[WS_FRAME_KINDS] = {
    "continuation", "text", "binary", "close", "ping", "pong", "reserved"
  };

  if (kind < 0 || kind >= WS_FRAME_KINDS)
    return NULL;
  return names[kind];
}

void ws__stats_refused(ws__hub_t* hub, int status, int reason) {
#ifndef WS__NO_COUNTERS
  if (status >= 400 && status < 400 + WS_STATS_STATUSES)
    hub->stats.refused_by_status[status - 400]++;
  hub->stats.handshake_failures[reason]++;
#else
  (void) hub;
  (void) status;
  (void) reason;
#endif
}

/* Copies the first size bytes of src to the program's struct. */
static int ws__stats_copy(void* dst, size_t size, const void* src,
                          size_t src_size, size_t min_size) {
  if (dst == NULL || size < min_size)
    return WS_EINVAL;
  memset(dst, 0, size);
#ifdef WS__NO_COUNTERS
  (void) src;
  (void) src_size;
  return UV_ENOTSUP;
#else
  memcpy(dst, src, size < src_size ? size : src_size);
  return 0;
#endif
}

static int ws__hub_stats(const ws__hub_t* hub, ws_stats_t* out,
                         size_t size) {
#ifndef WS__NO_COUNTERS
  ws_stats_t s;

  s = hub->stats;
  s.connections = hub->conn_count;
  s.connections_open = s.handshakes - s.connections_closed;
  s.wslay_contexts_pooled = hub->free_engine_count;
  return ws__stats_copy(out, size, &s, sizeof(s), WS__STATS_MIN);
#else
  (void) hub;
  return ws__stats_copy(out, size, NULL, 0, WS__STATS_MIN);
#endif
}

int ws_server_stats_sized(const ws_server_t* server, ws_stats_t* stats,
                          size_t size) {
  if (server == NULL)
    return WS_EINVAL;
  return ws__hub_stats(&server->hub, stats, size);
}

int ws_client_stats_sized(const ws_client_t* client, ws_stats_t* stats,
                          size_t size) {
  if (client == NULL)
    return WS_EINVAL;
  /* The hub is a client's first member, as it is a server's. */
  return ws__hub_stats((const ws__hub_t*) client, stats, size);
}

int ws_room_stats_sized(const ws_room_t* room, ws_room_stats_t* stats,
                        size_t size) {
#ifndef WS__NO_COUNTERS
  ws_room_stats_t s;

  if (room == NULL)
    return WS_EINVAL;
  s = room->stats;
  s.members = room->count;
  return ws__stats_copy(stats, size, &s, sizeof(s), WS__ROOM_STATS_MIN);
#else
  if (room == NULL)
    return WS_EINVAL;
  return ws__stats_copy(stats, size, NULL, 0, WS__ROOM_STATS_MIN);
#endif
}
