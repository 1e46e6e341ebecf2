/* Lookup in a plugin's compiled-in assets (see asset.h). */
#include <string.h>

#include "asset.h"

const pl_plugin_asset *pl_plugin_asset_find(const char *name) {
  for (const pl_plugin_asset *a = pl_plugin_assets; a->name; a++)
    if (!strcmp(a->name, name)) return a;
  return NULL;
}
