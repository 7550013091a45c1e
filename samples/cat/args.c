/* uvws-cat's command line, and its --help. */
#include <stdio.h>
#include <string.h>

#include "cat.h"
#include "flags.h"
#include "uvws.h"

/* The largest --max-message-size: a message is printed with uv_buf_t,
 * whose length is an unsigned int on Windows. */
#define CAT_MAX_MESSAGE_LIMIT (1024ULL * 1024 * 1024)

static void cat__usage(FILE* out) {
  fprintf(out,
"Usage: uvws-cat [options] URL\n"
"  or:  uvws-cat [options] --listen PORT [--host H] [--echo]\n"
"\n"
"A WebSocket client for the command line: every line of standard input is\n"
"sent as a message, and every message received is printed on standard\n"
"output, one a line. When standard input ends, it sends a close frame and\n"
"waits for the peer's. With --listen, it is the server instead: each line\n"
"of standard input goes to every client connected, and what clients send\n"
"is printed.\n"
"\n"
"URL is ws://host[:port][/path][?query], or wss://... (with TLS in uvws:\n"
"the server's certificate is checked against the system's CAs, or\n"
"--tls-ca's, and its name against the URL's).\n"
"\n"
"Options:\n"
"  -b, --binary             send lines as binary messages, not text (a\n"
"                           text line must be UTF-8: one that is not is\n"
"                           skipped with a warning)\n"
"      --hex                print binary messages received in hex\n"
"      --base64             print binary messages received in base64\n"
"                           (default: as they are, then a newline)\n"
"  -H, --header 'Name: value'\n"
"                           add a header to the upgrade request (with\n"
"                           --listen: to the 101 response); repeatable\n"
"  -s, --subprotocol P      offer subprotocol P (with --listen: accept P\n"
"                           if the client offers it); repeatable, in order\n"
"                           of preference\n"
"  -o, --origin O           send Origin: O (with --listen: refuse with 403\n"
"                           a client whose Origin is not O)\n"
"      --ping-interval MS   ping after MS ms without receiving (0: off,\n"
"                           the default for the client; 30000 for --listen)\n"
"      --connect-timeout MS\n"
"                           give up connecting after MS ms (10000)\n"
"      --tls-ca FILE        wss://: trust the CA certificates in FILE\n"
"                           (PEM) instead of the system's\n"
"  -w, --wait MS            after standard input ends, wait MS ms for\n"
"                           answers before the close frame (0); the\n"
"                           server closing first ends the wait\n"
"      --close CODE[:REASON]\n"
"                           the close frame sent when standard input ends\n"
"                           (1000); CODE is 1000-1003, 1007-1011 or\n"
"                           3000-4999, REASON up to 123 bytes\n"
"      --max-message-size N\n"
"                           the largest message received, and the longest\n"
"                           line sent, in bytes (16777216)\n"
"      --max-queued-bytes N\n"
"                           bytes queued for sending before standard input\n"
"                           waits (64 MiB, or twice --max-message-size);\n"
"                           at least twice --max-message-size\n"
"  -q, --quiet              print only errors on standard error\n"
"  -h, --help               show this help\n"
"  -V, --version            show the version\n"
"\n"
"Listen mode:\n"
"  -l, --listen PORT        serve WebSocket clients on PORT (0 picks one);\n"
"                           standard error gets the line\n"
"                           \"listening on ws://HOST:PORT/\"; when standard\n"
"                           input ends, every client gets the close frame\n"
"                           and uvws-cat exits once they are closed\n"
"      --host H             the address to listen on (127.0.0.1)\n"
"      --echo               send each client's messages back to it, and\n"
"                           do not read standard input (stop with Ctrl-C)\n"
"      --prefix             print each message after its client's address\n"
"                           and a space: \"127.0.0.1:50000 hello\"\n"
"\n"
"A line ends at \\n (a \\r before it is dropped). Standard output is\n"
"never buffered without bound: when the terminal or pipe does not keep up,\n"
"uvws-cat stops reading from the network until it has. SIGINT or SIGTERM\n"
"closes like the end of standard input (--listen: with 1001).\n"
"\n"
"Exit status:\n"
"  0   closed cleanly: close frames both ways, with code 1000, 1001 or\n"
"      the --close code (--listen: stopped)\n"
"  1   a local failure: standard input or output, memory, a line longer\n"
"      than --max-message-size, a port that cannot be listened on\n"
"  2   usage: a bad option or URL\n"
"  3   no connection: DNS, TCP connect, TLS (a certificate not trusted)\n"
"      or timeout\n"
"  4   the server refused the upgrade (an HTTP status, or a bad answer)\n"
"  5   closed cleanly with another code (printed on standard error)\n"
"  6   the peer broke the protocol: uvws-cat closed with 1002, 1007 or\n"
"      1009\n"
"  7   abnormal close: the connection ended without a close handshake\n"
"\n"
"Examples:\n"
"  echo hello | uvws-cat --wait 1000 ws://127.0.0.1:8080/\n"
"                           send one message, print what comes in the\n"
"                           next second, then close\n"
"  uvws-cat -H 'Authorization: Bearer t0k3n' -s chat ws://example.com/ws\n"
"                           an interactive session with a header and a\n"
"                           subprotocol\n"
"  uvws-cat --listen 9000 --prefix\n"
"                           a server: type lines to every client, see\n"
"                           what each sends\n");
}

/* --close CODE[:REASON]: the codes ws_conn_close() sends. */
static int cat__parse_close(const char* value, cat_config_t* config) {
  unsigned long long code;
  const char* colon;
  char digits[8];
  size_t n;

  colon = strchr(value, ':');
  n = colon != NULL ? (size_t) (colon - value) : strlen(value);
  if (n == 0 || n >= sizeof(digits))
    return -1;
  memcpy(digits, value, n);
  digits[n] = '\0';
  if (flags_parse_uint(digits, 4999, &code) != 0)
    return -1;
  if (!((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
        code >= 3000))
    return -1;
  config->close_code = (uint16_t) code;
  config->close_reason = colon != NULL ? colon + 1 : NULL;
  config->close_reason_len = colon != NULL ? strlen(colon + 1) : 0;
  return config->close_reason_len <= 123 ? 0 : -1;
}

static int cat__add(const char** list, size_t* count, const char* value) {
  if (*count == CAT_MAX_LIST || *value == '\0')
    return -1;
  list[(*count)++] = value;
  return 0;
}

/* A flag that takes a value: "--long V", "--long=V" or "-s V". */
static const char* cat__value(int argc, char** argv, int* i,
                              const char* long_name, const char* short_name,
                              int* missing) {
  const char* value;

  value = flags_value(argc, argv, i, long_name, missing);
  if (value == NULL && !*missing && short_name != NULL)
    value = flags_value(argc, argv, i, short_name, missing);
  return value;
}

/* Says what is wrong (and with which argument, if arg is not NULL). */
static int cat__bad(const char* what, const char* arg) {
  if (arg != NULL)
    fprintf(stderr, "uvws-cat: %s: %s\n", what, arg);
  else
    fprintf(stderr, "uvws-cat: %s\n", what);
  fprintf(stderr, "Try 'uvws-cat --help'.\n");
  return CAT_EXIT_USAGE;
}

static int cat__check(const cat_config_t* config) {
  if (config->url == NULL && config->listen_port < 0)
    return cat__bad("a URL or --listen PORT is needed", NULL);
  if (config->url != NULL && config->listen_port >= 0)
    return cat__bad("a URL and --listen: pick one", NULL);
  if (config->listen_port < 0 && (config->echo || config->prefix_peer))
    return cat__bad("--echo and --prefix go with --listen", NULL);
  if (config->listen_port >= 0 && config->wait != 0)
    return cat__bad("--wait goes with a URL, not --listen", NULL);
  return -1;
}

int cat_parse_args(int argc, char** argv, cat_config_t* config) {
  unsigned long long v;
  const char* value;
  const char* flag;
  int missing;
  int i;

  memset(config, 0, sizeof(*config));
  config->listen_port = -1;
  config->host = "127.0.0.1";
  config->close_code = WS_CLOSE_NORMAL;
  for (i = 1; i < argc; i++) {
    flag = argv[i];
    missing = 0;
    if (strcmp(flag, "--help") == 0 || strcmp(flag, "-h") == 0) {
      cat__usage(stdout);
      return 0;
    }
    if (strcmp(flag, "--version") == 0 || strcmp(flag, "-V") == 0) {
      printf("uvws-cat (uvws) %s\n", ws_version_string());
      return 0;
    }
    if (strcmp(flag, "--binary") == 0 || strcmp(flag, "-b") == 0) {
      config->binary = 1;
    } else if (strcmp(flag, "--hex") == 0) {
      config->print = CAT_PRINT_HEX;
    } else if (strcmp(flag, "--base64") == 0) {
      config->print = CAT_PRINT_BASE64;
    } else if (strcmp(flag, "--quiet") == 0 || strcmp(flag, "-q") == 0) {
      config->quiet = 1;
    } else if (strcmp(flag, "--echo") == 0) {
      config->echo = 1;
    } else if (strcmp(flag, "--prefix") == 0) {
      config->prefix_peer = 1;
    } else if ((value = cat__value(argc, argv, &i, "--header", "-H",
                                   &missing)) != NULL) {
      if (cat__add(config->headers, &config->header_count, value) != 0)
        goto bad;
    } else if ((value = cat__value(argc, argv, &i, "--subprotocol", "-s",
                                   &missing)) != NULL) {
      if (cat__add(config->subprotocols, &config->subprotocol_count,
                   value) != 0)
        goto bad;
    } else if ((value = cat__value(argc, argv, &i, "--origin", "-o",
                                   &missing)) != NULL) {
      config->origin = value;
    } else if ((value = cat__value(argc, argv, &i, "--ping-interval", NULL,
                                   &missing)) != NULL) {
      if (flags_parse_uint(value, UINT32_MAX, &v) != 0)
        goto bad;
      config->ping_interval = v;
      config->ping_interval_set = 1;
    } else if ((value = cat__value(argc, argv, &i, "--connect-timeout",
                                   NULL, &missing)) != NULL) {
      if (flags_parse_uint(value, UINT32_MAX, &v) != 0 || v == 0)
        goto bad;
      config->connect_timeout = v;
    } else if ((value = cat__value(argc, argv, &i, "--tls-ca", NULL,
                                   &missing)) != NULL) {
      config->tls_ca = value;
    } else if ((value = cat__value(argc, argv, &i, "--wait", "-w",
                                   &missing)) != NULL) {
      if (flags_parse_uint(value, UINT32_MAX, &v) != 0)
        goto bad;
      config->wait = v;
    } else if ((value = cat__value(argc, argv, &i, "--close", NULL,
                                   &missing)) != NULL) {
      if (cat__parse_close(value, config) != 0)
        goto bad;
    } else if ((value = cat__value(argc, argv, &i, "--max-message-size",
                                   NULL, &missing)) != NULL) {
      if (flags_parse_uint(value, CAT_MAX_MESSAGE_LIMIT, &v) != 0 || v == 0)
        goto bad;
      config->max_message_size = (size_t) v;
    } else if ((value = cat__value(argc, argv, &i, "--max-queued-bytes",
                                   NULL, &missing)) != NULL) {
      if (flags_parse_uint(value, WS_MAX_LIMIT, &v) != 0 || v == 0)
        goto bad;
      config->max_queued_bytes = (size_t) v;
    } else if ((value = cat__value(argc, argv, &i, "--listen", "-l",
                                   &missing)) != NULL) {
      if (flags_parse_uint(value, 65535, &v) != 0)
        goto bad;
      config->listen_port = (int) v;
    } else if ((value = cat__value(argc, argv, &i, "--host", NULL,
                                   &missing)) != NULL) {
      if (*value == '\0')
        goto bad;
      config->host = value;
    } else if (missing) {
      return cat__bad("needs a value", flag);
    } else if (flag[0] == '-' && flag[1] != '\0') {
      return cat__bad("unknown option", flag);
    } else if (config->url != NULL) {
      return cat__bad("one URL only", flag);
    } else {
      config->url = flag;
    }
  }
  return cat__check(config);

bad:
  return cat__bad("bad value for", flag);
}

int cat_queue_limit(const cat_config_t* config, size_t max_message_size,
                    size_t* max_queued_bytes) {
  size_t limit;

  limit = *max_queued_bytes;
  if (config->max_queued_bytes != 0)
    limit = config->max_queued_bytes;
  else if (max_message_size > WS_MAX_LIMIT / 2)
    limit = WS_MAX_LIMIT;
  else if (limit < max_message_size * 2)
    limit = max_message_size * 2;
  /* 14: the largest frame header. */
  if (max_message_size + 14 > limit - limit / 4) {
    cat__bad("--max-queued-bytes must be at least twice --max-message-size",
             NULL);
    return -1;
  }
  *max_queued_bytes = limit;
  return 0;
}
