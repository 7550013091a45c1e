/* Connection deadlines in a hashed timer wheel driven by one uv_timer_t.
 * Activity never touches the wheel: a connection stores timestamps, and
 * when its slot comes round it works out whether a deadline really passed
 * (ws__conn_on_deadline), so 100,000 connections cost one timer. It stores
 * no deadline either: one far away comes round once per turn, and is put
 * back.
 * A tick that comes late (the loop's thread was busy: a callback that
 * blocked) puts off what is due by one tick: libuv runs timers before it
 * reads, so input that arrived meanwhile (a pong, the rest of a request)
 * is read before a deadline is judged. Only every other tick may do so,
 * so a loop that is late on every turn still times connections out. */
#include "uvws_int.h"

static void ws__wheel_on_tick(uv_timer_t* timer);

void ws__wheel_init(ws__wheel_t* wheel, uint64_t tick) {
  int i;

  wheel->tick = tick > 0 ? tick : 1;
  wheel->next_tick = 0;
  wheel->count = 0;
  wheel->put_off = 0;
  wheel->late = 0;
  for (i = 0; i < WS__WHEEL_SLOTS; i++)
    ws__list_init(&wheel->slots[i]);
}

void ws__wheel_schedule(ws__hub_t* hub, ws_conn_t* conn,
                        uint64_t deadline) {
  ws__wheel_t* wheel;
  uint64_t now_tick;
  uint64_t tick;

  wheel = &hub->wheel;
  ws__wheel_cancel(hub, conn);
  if (deadline == 0)
    return;
  if (wheel->count == 0) {
    /* Catch up after an idle spell, but never step back to a slot already
     * handled in this tick: that would visit it again, forever. */
    now_tick = uv_now(hub->loop) / wheel->tick;
    if (wheel->next_tick < now_tick)
      wheel->next_tick = now_tick;
    uv_timer_start(&wheel->timer, ws__wheel_on_tick, wheel->tick,
                   wheel->tick);
  }
  tick = (deadline + wheel->tick - 1) / wheel->tick;
  if (tick < wheel->next_tick)
    tick = wheel->next_tick;
  ws__list_insert_tail(&wheel->slots[tick % WS__WHEEL_SLOTS],
                       &conn->timeout_node);
  wheel->count++;
}

void ws__wheel_cancel(ws__hub_t* hub, ws_conn_t* conn) {
  if (!ws__list_linked(&conn->timeout_node))
    return;
  ws__list_remove(&conn->timeout_node);
  if (--hub->wheel.count == 0)
    uv_timer_stop(&hub->wheel.timer);
}

static void ws__wheel_on_tick(uv_timer_t* timer) {
  ws__wheel_t* wheel;
  ws__hub_t* hub;
  ws__list_t due;
  ws__list_t* slot;
  ws_conn_t* conn;
  uint64_t now;
  uint64_t now_tick;
  int late;

  wheel = (ws__wheel_t*) timer;
  hub = WS__CONTAINER_OF(wheel, ws__hub_t, wheel);
  now = uv_now(hub->loop);
  now_tick = now / wheel->tick;
  late = now_tick > wheel->next_tick + 1 && !wheel->put_off;
  wheel->put_off = late;
  /* After a long stall one turn of the wheel visits every entry. */
  if (now_tick >= wheel->next_tick + WS__WHEEL_SLOTS)
    wheel->next_tick = now_tick - WS__WHEEL_SLOTS + 1;
  while (wheel->next_tick <= now_tick && wheel->count > 0) {
    slot = &wheel->slots[wheel->next_tick % WS__WHEEL_SLOTS];
    wheel->next_tick++;
    if (ws__list_empty(slot))
      continue;
    /* Take the slot's entries out first: handling one may schedule others
     * into this same slot for a later turn. */
    due = *slot;
    due.next->prev = &due;
    due.prev->next = &due;
    ws__list_init(slot);
    while (!ws__list_empty(&due)) {
      conn = WS__CONTAINER_OF(due.next, ws_conn_t, timeout_node);
      ws__list_remove(&conn->timeout_node);
      if (--wheel->count == 0)
        uv_timer_stop(&wheel->timer);
      /* It works out its deadline again, late or not: a connection
       * stores no deadline. */
      wheel->late = late;
      hub->io->on_deadline(conn, now);
      wheel->late = 0;
    }
  }
}
