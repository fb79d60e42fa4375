/* claudebox — the error type (see error.h). */
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cb_error_set(struct cb_error **err, int errno_value, const char *fmt, ...)
{
        int ret = errno_value > 0 ? -errno_value : -1;
        if (err == NULL || *err != NULL)
                return ret;
        struct cb_error *e = calloc(1, sizeof(*e));
        if (e == NULL)
                return ret;
        e->errno_value = errno_value;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof(e->message), fmt, ap);
        va_end(ap);
        *err = e;
        return ret;
}

int
cb_error_input(struct cb_error **err, const char *fmt, ...)
{
        if (err == NULL || *err != NULL)
                return -EINVAL;
        char msg[sizeof((*err)->message)];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        int r = cb_error_set(err, EINVAL, "%s", msg);
        if (*err != NULL)
                (*err)->input = true;
        return r;
}

int
cb_error_wrap(struct cb_error **err, const char *fmt, ...)
{
        if (err == NULL || *err == NULL)
                return -EIO;
        struct cb_error *e = *err;
        char prefix[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        char joined[sizeof(e->message)];
        snprintf(joined, sizeof(joined), "%s: %s", prefix, e->message);
        memcpy(e->message, joined, sizeof(joined));
        return e->errno_value > 0 ? -e->errno_value : -1;
}

void
cb_error_free(struct cb_error *e)
{
        free(e);
}

const char *
cb_error_text(const struct cb_error *e, char *buf, unsigned long len)
{
        if (e == NULL)
                snprintf(buf, len, "unknown error");
        else if (e->errno_value > 0 && !e->input)
                snprintf(buf, len, "%s: %s", e->message, strerror(e->errno_value));
        else
                snprintf(buf, len, "%s", e->message);
        return buf;
}
