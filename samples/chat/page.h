/* The browser client, index.html, built into the program by embed.cmake. */
#ifndef CHAT_PAGE_H
#define CHAT_PAGE_H

#include <stddef.h>

extern const unsigned char chat_page[]; /* NUL-terminated */
extern const size_t chat_page_len;      /* not counting the NUL */

#endif /* CHAT_PAGE_H */
