/* paths.h for Zig 0.11's macOS targets, whose libc headers lack it.
 * libuv's src/unix/process.c needs _PATH_DEFPATH; the values are macOS's. */
#ifndef UVWS_SHIM_PATHS_H
#define UVWS_SHIM_PATHS_H
#define _PATH_DEFPATH "/usr/bin:/bin"
#define _PATH_STDPATH "/usr/bin:/bin:/usr/sbin:/sbin"
#define _PATH_BSHELL "/bin/sh"
#define _PATH_DEVNULL "/dev/null"
#define _PATH_TMP "/tmp/"
#endif
