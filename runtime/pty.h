/* claudebox — the terminal layer. When stdin is a tty the command gets a pty of the sandbox's own devpts
 * (so TIOCSTI/TIOCLINUX can only reach the sandbox's terminal, never the user's), and the launcher relays
 * bytes and window-size changes between the user's terminal (in raw mode) and the pty master. */
#pragma once

#include <stdbool.h>
#include <termios.h>

#include "error.h"

/* Inside the sandbox, after /dev/pts is mounted: a new pty pair, both CLOEXEC. */
int cb_pty_open(int *ret_master, int *ret_slave, struct cb_error **err);
/* In the command's process, after setsid(): make the slave the controlling terminal and stdio. */
int cb_pty_attach_slave(int slave, struct cb_error **err);

/* Launcher side. */
struct cb_pty_relay {
        int master;
        int in_fd, out_fd;
        bool raw;      /* the user's terminal was put in raw mode (and must be restored) */
        bool in_open;  /* stdin still readable */
        bool out_open; /* master still readable */
        struct termios saved;
};

int cb_pty_relay_start(struct cb_pty_relay *relay, int master, struct cb_error **err);
/* Copies what is readable on fd (stdin or master) to the other side; returns 0, or 1 at EOF/hang-up. */
int cb_pty_relay_pump(struct cb_pty_relay *relay, int from_fd);
void cb_pty_relay_resize(struct cb_pty_relay *relay);
/* Restores the user's terminal; safe to call twice and on every exit path. */
void cb_pty_relay_stop(struct cb_pty_relay *relay);
