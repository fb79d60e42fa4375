/* claudebox — the terminal layer. When stdin is a tty the command gets a pty of the sandbox's own devpts
 * (so TIOCSTI/TIOCLINUX can only reach the sandbox's terminal, never the user's), and the launcher relays
 * bytes and window-size changes between the user's terminal (in raw mode) and the pty master. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

#include "error.h"

/* Inside the sandbox, after /dev/pts is mounted: a new pty pair, both CLOEXEC. */
int cb_pty_open(int *ret_master, int *ret_slave, struct cb_error **err);
/* In the command's process, after setsid(): make the slave the controlling terminal and stdio. */
int cb_pty_attach_slave(int slave, struct cb_error **err);

/* Launcher side. The master is non-blocking: a sandboxed program that never reads its terminal (raw mode,
 * a full input queue) must not be able to park the launcher in write(), deaf to signals and unable to tear
 * the sandbox down. Input it does not take yet waits in a bounded buffer; while that is non-empty the
 * launcher stops reading stdin, so the user's terminal (and the kernel) hold the rest: nothing is dropped
 * while the sandbox lives, and nothing grows without bound. */
#define CB_PTY_INBUF_SIZE (64 * 1024)

struct cb_pty_relay {
        int master;
        int in_fd, out_fd;
        bool raw;      /* the user's terminal was put in raw mode (and must be restored) */
        bool in_open;  /* stdin still readable */
        bool out_open; /* master still readable and stdout still writable */
        bool gone;     /* the sandbox is gone: its input is no longer wanted */
        size_t pending, pending_off; /* stdin bytes read but not yet taken by the master */
        struct termios saved;
        char inbuf[CB_PTY_INBUF_SIZE];
};

int cb_pty_relay_start(struct cb_pty_relay *relay, int master, struct cb_error **err);
/* What to poll: the master's events (0: do not poll it) and whether stdin may be read. */
short cb_pty_relay_master_events(const struct cb_pty_relay *relay);
bool cb_pty_relay_wants_input(const struct cb_pty_relay *relay);
/* Relays what is readable on fd: master output to stdout, stdin into the input buffer (then as much of it
 * to the master as it takes); returns 0, or 1 at EOF/hang-up. */
int cb_pty_relay_pump(struct cb_pty_relay *relay, int from_fd);
/* Writes buffered input to the master as far as it takes it (on POLLOUT). */
void cb_pty_relay_flush(struct cb_pty_relay *relay);
/* The sandbox was reaped: drop buffered input and read no more stdin (it stays for the user's shell). */
void cb_pty_relay_sandbox_gone(struct cb_pty_relay *relay);
void cb_pty_relay_resize(struct cb_pty_relay *relay);
/* Restores the user's terminal; safe to call twice and on every exit path. */
void cb_pty_relay_stop(struct cb_pty_relay *relay);
