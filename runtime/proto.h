/* claudebox — the control channel between the launcher and the sandbox's init.
 *
 * One SOCK_SEQPACKET socketpair, CLOEXEC on both ends, carries fixed-size messages (and the pty master fd).
 * It doubles as the lifeline: when the launcher dies its end closes, init sees the hang-up and takes the
 * whole sandbox down with it. */
#pragma once

#include <stdint.h>

enum cb_msg_type {
        CB_MSG_ERROR = 1,   /* child -> launcher: setup failed (errno_value, text) */
        CB_MSG_GO,          /* launcher -> child: host-side setup done (network attached) */
        CB_MSG_PTY,         /* child -> launcher: the pty master, as SCM_RIGHTS */
        CB_MSG_EXEC_FAILED, /* workload -> launcher: execve failed (errno_value, text) */
        CB_MSG_EXIT,        /* init -> launcher: the command's wait status (status) */
};

struct cb_msg {
        uint32_t type;
        int32_t errno_value;
        int32_t status;
        char text[500];
};

/* Sends one message, optionally with an fd; MSG_NOSIGNAL so a dead peer gives EPIPE, not SIGPIPE. */
int cb_msg_send(int sock, enum cb_msg_type type, int errno_value, int status, const char *text, int fd);
/* Receives one message; *fd (if not NULL) gets a passed fd or -1. Returns 1, 0 on EOF, -errno. */
int cb_msg_recv(int sock, struct cb_msg *msg, int *fd);
