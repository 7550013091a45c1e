/* libFuzzer target: the chat sample's parsers. The input is read as a JSON
 * object (every decoded string is escaped again and must read back the
 * same) and as a request target. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "target.h"

static void round_trip(const char* s, size_t len) {
  json_object_t obj;
  json_buf_t buf;
  const json_member_t* m;

  json_buf_init(&buf);
  json_buf_cstr(&buf, "{\"k\":");
  json_buf_string(&buf, s, len);
  json_buf_cstr(&buf, "}");
  if (buf.failed)
    abort();
  if (json_parse_object(buf.data, buf.len, &obj) != JSON_OK)
    abort();
  m = json_object_get(&obj, "k");
  if (m == NULL || m->type != JSON_STRING || m->str_len != len ||
      memcmp(m->str, s, len) != 0)
    abort();
  json_object_free(&obj);
  json_buf_free(&buf);
}

int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  json_object_t obj;
  target_t target;
  char* text;
  size_t i;

  if (json_parse_object((const char*) data, size, &obj) == JSON_OK) {
    for (i = 0; i < obj.count; i++)
      if (obj.members[i].type == JSON_STRING)
        round_trip(obj.members[i].str, obj.members[i].str_len);
    json_object_free(&obj);
  }
  text = malloc(size + 1);
  if (text == NULL)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  if (target_parse(text, &target) == TARGET_OK &&
      (!target_name_valid(target.room, target.room_len) ||
       !target_name_valid(target.name, target.name_len)))
    abort();
  free(text);
  return 0;
}
