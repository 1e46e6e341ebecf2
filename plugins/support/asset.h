/* Files a plugin serves itself (the web chat's widget): every file of
 * plugins/<name>/assets/ is compiled into that plugin's module by CMake (CMakeLists.txt)
 * as a byte array, so they are edited as plain files and need no build step of their
 * own. */
#ifndef PL_PLUGIN_ASSET_H
#define PL_PLUGIN_ASSET_H
#include <stddef.h>

typedef struct pl_plugin_asset {
  const char *name; /* file name, e.g. "widget.js" */
  const unsigned char *data;
  size_t len; /* data[len] is a NUL */
} pl_plugin_asset;

/* The generated table of the module's assets, ended by a NULL name. */
extern const pl_plugin_asset pl_plugin_assets[];

/* The asset named `name`, or NULL. */
const pl_plugin_asset *pl_plugin_asset_find(const char *name);

#endif
