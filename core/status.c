/*
** status.c -- names and default texts of the status codes, expanded from
** PLEAT_STATUS_MAP; message slots on handles; versions.
*/
#include <stdio.h>

#include "pleat_int.h"

PLEAT_API const char *pleat_status_name(int status) {
  switch (status) {
#define X(name, value, text) case value: return "PLEAT_" #name;
    PLEAT_STATUS_MAP(X)
#undef X
  }
  return "PLEAT_UNKNOWN";
}

PLEAT_API const char *pleat_strerror(int status) {
  switch (status) {
#define X(name, value, text) case value: return text;
    PLEAT_STATUS_MAP(X)
#undef X
  }
  return "unknown status";
}

PLEAT_API int pleat_version(void) { return PLEAT_VERSION_NUMBER; }
PLEAT_API const char *pleat_version_string(void) { return PLEAT_VERSION_STRING; }

PLEAT_API const char *pleat_dtype_name(int dtype) {
  switch (dtype) {
    case PLEAT_BOOL: return "bool";
    case PLEAT_I32: return "i32";
    case PLEAT_I64: return "i64";
    case PLEAT_F32: return "f32";
    case PLEAT_F64: return "f64";
  }
  return "?";
}

PLEAT_API size_t pleat_dtype_size(int dtype) {
  switch (dtype) {
    case PLEAT_BOOL: return 1;
    case PLEAT_I32: case PLEAT_F32: return 4;
    case PLEAT_I64: case PLEAT_F64: return 8;
  }
  return 0;
}

void pleat__msg_vset(pleat__msg *m, const char *fmt, va_list ap) {
  int n = vsnprintf(m->text, sizeof m->text, fmt, ap);
  if (n >= (int)sizeof m->text) memcpy(m->text + sizeof m->text - 4, "...", 4);
}

void pleat__msg_set(pleat__msg *m, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pleat__msg_vset(m, fmt, ap);
  va_end(ap);
}
