/* claudebox — control channel messages (see proto.h). */
#define _GNU_SOURCE
#include "proto.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
cb_msg_send(int sock, enum cb_msg_type type, int errno_value, int status, const char *text, int fd)
{
        struct cb_msg msg = {.type = type, .errno_value = errno_value, .status = status};
        if (text != NULL)
                strncpy(msg.text, text, sizeof(msg.text) - 1);
        struct iovec iov = {.iov_base = &msg, .iov_len = sizeof(msg)};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } control;
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        if (fd >= 0) {
                memset(&control, 0, sizeof(control));
                mh.msg_control = control.buf;
                mh.msg_controllen = sizeof(control.buf);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        ssize_t n;
        do
                n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : 0;
}

int
cb_msg_recv(int sock, struct cb_msg *msg, int *fd)
{
        struct iovec iov = {.iov_base = msg, .iov_len = sizeof(*msg)};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } control;
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                            .msg_controllen = sizeof(control.buf)};
        if (fd != NULL)
                *fd = -1;
        ssize_t n;
        int resets = 0;
        /* A peer that exits with our message unread (a child that failed before reading GO) leaves
         * ECONNRESET pending on this socket, and recvmsg reports it *before* the messages still queued
         * here — the child's own error report among them. The error is consumed by that call: read on. */
        do
                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && (errno == EINTR || (errno == ECONNRESET && resets++ == 0)));
        if (n < 0)
                return errno == ECONNRESET ? 0 : -errno;
        if (n == 0)
                return 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        int got;
                        memcpy(&got, CMSG_DATA(c), sizeof(int));
                        if (fd != NULL)
                                *fd = got;
                        else
                                close(got);
                }
        if ((size_t)n != sizeof(*msg))
                return -EPROTO;
        msg->text[sizeof(msg->text) - 1] = '\0';
        return 1;
}
