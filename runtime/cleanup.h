/* claudebox — resources that clean themselves up (systemd-style cleanup attributes).
 * Every owned fd starts at -1; TAKE_FD/TAKE_PTR move ownership out so the cleanup sees -1/NULL. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void
cb_freep(void *p)
{
        free(*(void **)p);
}

static inline void
cb_closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

/* A NULL-terminated array of strings, each owned. */
static inline void
cb_strv_freep(char ***p)
{
        if (*p != NULL) {
                for (char **s = *p; *s != NULL; s++)
                        free(*s);
                free(*p);
        }
}

#define cleanup_free __attribute__((cleanup(cb_freep)))
#define cleanup_close __attribute__((cleanup(cb_closep)))
#define cleanup_strv __attribute__((cleanup(cb_strv_freep)))

#define TAKE_FD(fd)                                                                                         \
        ({                                                                                                  \
                int _fd = (fd);                                                                             \
                (fd) = -1;                                                                                  \
                _fd;                                                                                        \
        })
#define TAKE_PTR(p)                                                                                         \
        ({                                                                                                  \
                __typeof__(p) _p = (p);                                                                     \
                (p) = NULL;                                                                                 \
                _p;                                                                                         \
        })

#define CB_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Library handles get the same treatment, all here in one place. */
#include <json-c/json.h>
#include <netlink/socket.h>
#include <seccomp.h>

static inline void
cb_seccomp_releasep(scmp_filter_ctx *c)
{
        if (*c != NULL)
                seccomp_release(*c);
}
static inline void
cb_nl_sockp(struct nl_sock **s)
{
        if (*s != NULL)
                nl_socket_free(*s);
}
static inline void
cb_json_putp(struct json_object **o)
{
        json_object_put(*o);
}
static inline void
cb_fclosep(FILE **f)
{
        if (*f != NULL)
                fclose(*f);
}

#define cleanup_seccomp __attribute__((cleanup(cb_seccomp_releasep)))
#define cleanup_nl_sock __attribute__((cleanup(cb_nl_sockp)))
#define cleanup_json __attribute__((cleanup(cb_json_putp)))
#define cleanup_fclose __attribute__((cleanup(cb_fclosep)))
