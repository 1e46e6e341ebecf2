/* Folder signatures and .lua file walks for live reload and `parley check`. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "watch.h"

void pl_watch_each_lua(const char *dir, int depth, bool skip_tests, pl_lua_file_fn fn, void *ud) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char path[1200];
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (depth > 0 && !(skip_tests && !strcmp(e->d_name, "tests")))
        pl_watch_each_lua(path, depth - 1, skip_tests, fn, ud);
      continue;
    }
    size_t n = strlen(e->d_name);
    if (n >= 4 && !strcmp(e->d_name + n - 4, ".lua")) fn(ud, path, &st);
  }
  closedir(d);
}

/* Order-independent: each file's hash is summed, so readdir order does not matter. */
static void add_file(void *ud, const char *path, const struct stat *st) {
  uint64_t h = pl_fnv1a(PL_FNV_SEED, path, strlen(path));
  h = pl_fnv1a(h, &st->st_size, sizeof st->st_size);
  h = pl_fnv1a(h, &st->st_mtim, sizeof st->st_mtim);
  h = pl_fnv1a(h, &st->st_ino, sizeof st->st_ino);
  *(uint64_t *)ud += h;
}

uint64_t pl_watch_signature(const char *dir) {
  uint64_t sum = 0x9e3779b97f4a7c15ULL;
  pl_watch_each_lua(dir, 2, true, add_file, &sum);
  return sum;
}
