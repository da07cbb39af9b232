/*
** kcache.h -- the on-disk cache of built kernels shared by the GPU back
** ends (DESIGN principle 4).  An entry is a device binary under a key that
** names everything the binary depends on (source, build options, device,
** driver, pleat version).  Entries are written to a temporary file and
** renamed into place, so a reader never sees half an entry and concurrent
** writers of one key are harmless; a truncated, corrupt or foreign entry
** is a miss (and is rewritten by the next build).  Nothing here is ever an
** error for the run: a cache that cannot be read or written only costs the
** rebuild.
*/
#ifndef PLEAT_KCACHE_H
#define PLEAT_KCACHE_H

#include "pleat_int.h"

/** The cache directory: $PLEAT_CACHE_DIR, else $XDG_CACHE_HOME/pleat, else
    $HOME/.cache/pleat.  False when PLEAT_CACHE_DIR is "off" or none is set. */
bool pleat__kcache_dir(char *out, size_t n);

/** The entry for key (keylen bytes), allocated with al, its size in *size;
    NULL on a miss of any kind. */
void *pleat__kcache_get(pleat__alloc *al, const char *key, size_t keylen, size_t *size);

/** Stores data (size bytes) under key; best effort (a failure is logged at
    info, never reported). */
void pleat__kcache_put(const char *key, size_t keylen, const void *data, size_t size);

#endif
