/* The chat's WebSocket address: /ws/ROOM?name=NAME. */
#ifndef CHAT_TARGET_H
#define CHAT_TARGET_H

#include <stddef.h>

/* Longest room or member name, in bytes of UTF-8. */
#define TARGET_NAME_MAX 32

typedef enum {
  TARGET_OK = 0,
  TARGET_NOT_FOUND, /* not /ws/SEGMENT[?QUERY]: answer 404 */
  TARGET_BAD_ROOM,  /* the room name is not a valid name */
  TARGET_NO_NAME,   /* no name= in the query */
  TARGET_BAD_NAME   /* name= is there but not a valid name */
} target_status_t;

typedef struct {
  char room[TARGET_NAME_MAX + 1]; /* NUL-terminated */
  size_t room_len;
  char name[TARGET_NAME_MAX + 1];
  size_t name_len;
} target_t;

/* Parses a request target such as "/ws/lobby?name=alice". The room is the
 * one path segment after /ws/, percent-decoded; the name is the first
 * name= parameter of the query, percent-decoded with '+' read as a space
 * (as HTML forms encode it). A valid name is 1 to TARGET_NAME_MAX bytes of
 * UTF-8 without control characters and without invisible ones (zero-width,
 * bidi controls and the rest of Unicode's default-ignorable code points),
 * so that no two valid names look alike by differing only in those. */
target_status_t target_parse(const char* target, target_t* out);

/* 1 if s[0..len) is a valid room or member name, else 0. */
int target_name_valid(const char* s, size_t len);

#endif /* CHAT_TARGET_H */
