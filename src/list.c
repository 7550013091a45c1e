#include "uvws_int.h"

void ws__list_init(ws__list_t* head) {
  head->next = head;
  head->prev = head;
}

int ws__list_empty(const ws__list_t* head) {
  return head->next == head;
}

void ws__list_insert_tail(ws__list_t* head, ws__list_t* node) {
  node->next = head;
  node->prev = head->prev;
  head->prev->next = node;
  head->prev = node;
}

void ws__list_remove(ws__list_t* node) {
  if (!ws__list_linked(node))
    return;
  node->prev->next = node->next;
  node->next->prev = node->prev;
  node->next = NULL;
  node->prev = NULL;
}

int ws__list_linked(const ws__list_t* node) {
  return node->next != NULL;
}
