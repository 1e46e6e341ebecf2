/* Folder signatures for live reload (see watch.h). */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "watch.h"

static uint64_t mix(uint64_t h, const void *p, size_t n) {
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++) {
    h ^= c[i];
    h *= 1099511628211ULL;
  }
  return h;
}

/* Order-independent: each file's hash is summed, so readdir order does not matter. */
static uint64_t walk(const char *dir, int depth) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  uint64_t sum = 0;
  struct dirent *e;
  char path[1200];
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (depth > 0 && strcmp(e->d_name, "tests")) sum += walk(path, depth - 1);
      continue;
    }
    size_t n = strlen(e->d_name);
    if (n < 4 || strcmp(e->d_name + n - 4, ".lua")) continue;
    uint64_t h = mix(1469598103934665603ULL, path, strlen(path));
    h = mix(h, &st.st_size, sizeof st.st_size);
    h = mix(h, &st.st_mtim, sizeof st.st_mtim);
    h = mix(h, &st.st_ino, sizeof st.st_ino);
    sum += h;
  }
  closedir(d);
  return sum;
}

uint64_t pl_watch_signature(const char *dir) {
  return walk(dir, 2) ^ 0x9e3779b97f4a7c15ULL;
}
