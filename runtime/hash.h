/* FNV-1a, 64-bit: code versions and folder signatures (change detection, not security). */
#ifndef PL_HASH_H
#define PL_HASH_H
#include <stddef.h>
#include <stdint.h>

#define PL_FNV_SEED 1469598103934665603ULL

static inline uint64_t pl_fnv1a(uint64_t h, const void *p, size_t n) {
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++) {
    h ^= c[i];
    h *= 1099511628211ULL;
  }
  return h;
}

#endif
