/* claudebox — one error type for the whole project: errno plus a message with context.
 * Functions return a negative errno-style int and fill an optional struct cb_error **;
 * callers add context with cb_error_wrap(); only main() prints. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>

struct cb_error {
        int errno_value;
        bool input; /* bad user input: the message says it all, no errno text is appended */
        char message[512];
};

/* Sets *err (allocating it) unless err is NULL or *err is already set (the first, deepest cause
 * wins). Returns -errno_value, or -1 when errno_value is 0, so `return cb_error_set(...)` works. */
int cb_error_set(struct cb_error **err, int errno_value, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Bad user input (a flag, a file): errno EINVAL, printed without ": Invalid argument". */
int cb_error_input(struct cb_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the existing message with context ("set up /tmp: ..."); returns its negative errno. */
int cb_error_wrap(struct cb_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void cb_error_free(struct cb_error *e);
static inline void
cb_error_freep(struct cb_error **e)
{
        cb_error_free(*e);
        *e = 0;
}
#define cleanup_error __attribute__((cleanup(cb_error_freep)))

/* Formats "message: strerror" into buf (for printing at the top level). */
const char *cb_error_text(const struct cb_error *e, char *buf, unsigned long len);
