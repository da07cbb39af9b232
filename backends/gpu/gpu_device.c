/*
** gpu_device.c -- PLEAT_DEVICE for the GPU back ends (gpu.h): one rule,
** one set of messages, whichever API lists the devices.
*/
#include <stdlib.h>
#include <string.h>

#include "gpu.h"

pleat_status pleat__gpu_pick_device(const char *dialect, const char *want, size_t n,
                                    void (*name)(void *arg, size_t k, char *buf, size_t len),
                                    void *arg, long *out, pleat__msg *msg) {
  *out = -1;
  if (!want || !*want) return PLEAT_OK;
  char *end;
  long k = strtol(want, &end, 10);
  if (*end == 0) {
    if (k < 0 || (size_t)k >= n) {
      pleat__msg_set(msg, "%s: PLEAT_DEVICE=%s: there are %zu devices (0 to %ld)", dialect, want, n,
                     (long)n - 1);
      return PLEAT_E_UNAVAILABLE;
    }
    *out = k;
    return PLEAT_OK;
  }
  for (size_t j = 0; j < n; j++) {
    char nm[128] = "";
    name(arg, j, nm, sizeof nm);
    if (strstr(nm, want)) {
      *out = (long)j;
      return PLEAT_OK;
    }
  }
  pleat__msg_set(msg, "%s: PLEAT_DEVICE=%s matches no device name", dialect, want);
  return PLEAT_E_UNAVAILABLE;
}
