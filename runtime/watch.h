/* Change detection for tenant folders: a signature over the names, sizes, inodes and
 * modification times of the .lua files in a folder (two levels deep, tests/ excluded).
 * Live reload compares signatures; inotify (uv_fs_event) only tells us when to look. */
#ifndef PL_WATCH_H
#define PL_WATCH_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

uint64_t pl_watch_signature(const char *dir);

/* Calls fn for every .lua file under dir, `depth` folder levels down; skips hidden
 * entries, and tests/ folders when skip_tests. */
typedef void (*pl_lua_file_fn)(void *ud, const char *path, const struct stat *st);
void pl_watch_each_lua(const char *dir, int depth, bool skip_tests, pl_lua_file_fn fn, void *ud);

#endif
