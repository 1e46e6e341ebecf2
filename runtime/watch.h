/* Change detection for tenant folders: a signature over the names, sizes and
 * modification times of the .lua files in a folder (two levels deep). Live reload
 * compares signatures; inotify (uv_fs_event) only tells us when to look. */
#ifndef PL_WATCH_H
#define PL_WATCH_H
#include <stdint.h>

uint64_t pl_watch_signature(const char *dir);

#endif
