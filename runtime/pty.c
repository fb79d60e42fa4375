/* claudebox — the terminal layer (see pty.h). */
#define _GNU_SOURCE
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cleanup.h"

int
cb_pty_open(int *ret_master, int *ret_slave, struct cb_error **err)
{
        cleanup_close int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return cb_error_set(err, errno, "open /dev/ptmx");
        if (unlockpt(master) < 0)
                return cb_error_set(err, errno, "unlock pty");
        /* TIOCGPTPEER opens the slave through the master itself: no path lookup to race against. */
        int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return cb_error_set(err, errno, "open pty slave");
        *ret_master = TAKE_FD(master);
        *ret_slave = slave;
        return 0;
}

int
cb_pty_attach_slave(int slave, struct cb_error **err)
{
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return cb_error_set(err, errno, "make the pty the controlling terminal");
        for (int fd = 0; fd < 3; fd++)
                if (dup2(slave, fd) < 0)
                        return cb_error_set(err, errno, "attach pty to fd %d", fd);
        if (slave > 2)
                close(slave);
        return 0;
}

int
cb_pty_relay_start(struct cb_pty_relay *relay, int master, struct cb_error **err)
{
        relay->master = master;
        relay->in_fd = STDIN_FILENO;
        relay->out_fd = STDOUT_FILENO;
        relay->raw = false;
        relay->in_open = relay->out_open = true;
        relay->gone = false;
        relay->pending = relay->pending_off = 0;
        /* Before the terminal goes raw, so that this failure leaves nothing to restore. The sandbox closed
         * its copy of the master after sending it, so the flag changes only the launcher's view. */
        int flags = fcntl(master, F_GETFL);
        if (flags < 0 || fcntl(master, F_SETFL, flags | O_NONBLOCK) < 0)
                return cb_error_set(err, errno, "make the pty master non-blocking");
        cb_pty_relay_resize(relay);
        if (tcgetattr(relay->in_fd, &relay->saved) == 0) {
                struct termios raw = relay->saved;
                cfmakeraw(&raw);
                if (tcsetattr(relay->in_fd, TCSADRAIN, &raw) < 0)
                        return cb_error_set(err, errno, "put the terminal in raw mode");
                relay->raw = true;
        }
        return 0;
}

short
cb_pty_relay_master_events(const struct cb_pty_relay *relay)
{
        if (relay->master < 0)
                return 0;
        return (short)((relay->out_open ? POLLIN : 0) | (relay->pending > 0 ? POLLOUT : 0));
}

bool
cb_pty_relay_wants_input(const struct cb_pty_relay *relay)
{
        /* Not while input is still buffered: the back-pressure stays in the user's terminal instead of in
         * our memory. Not once the sandbox is gone: what the user types next is for their shell. */
        return relay->master >= 0 && relay->in_open && !relay->gone && relay->pending == 0;
}

static void
discard_input(struct cb_pty_relay *relay)
{
        relay->pending = relay->pending_off = 0;
}

/* The user's terminal (or whatever stdout is) may block us: that is the user's own side, and a program
 * that floods it only slows its own output. If stdout happens to be non-blocking, wait for it rather than
 * dropping the sandbox's output mid-stream. */
static int
write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                struct pollfd p = {.fd = fd, .events = POLLOUT};
                                if (poll(&p, 1, -1) < 0 && errno != EINTR)
                                        return -errno;
                                continue;
                        }
                        return -errno;
                }
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

void
cb_pty_relay_flush(struct cb_pty_relay *relay)
{
        while (relay->pending > 0) {
                if (relay->gone) {
                        discard_input(relay);
                        return;
                }
                ssize_t n = write(relay->master, relay->inbuf + relay->pending_off, relay->pending);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n == 0 || (n < 0 && errno == EAGAIN))
                        return; /* the program is not reading: POLLOUT says when it has room again */
                if (n < 0) {
                        /* EIO: no slave is open any more, so no one will ever read this input. */
                        discard_input(relay);
                        return;
                }
                relay->pending_off += (size_t)n;
                relay->pending -= (size_t)n;
        }
        relay->pending_off = 0;
}

/* Known gap: the sandbox's output reaches the user's terminal unfiltered, escape sequences included. Some
 * terminals honour OSC 52 (ESC ] 52 ; c ; <base64> BEL), which lets the sandboxed program write the
 * user's clipboard — e.g. plant a command to be pasted into a host shell — and a few answer queries that
 * type text back into the sandbox. Filtering would mean parsing the full escape-sequence grammar here;
 * until then, users who care turn OSC 52 off in their terminal. */
int
cb_pty_relay_pump(struct cb_pty_relay *relay, int from_fd)
{
        bool from_master = from_fd == relay->master;
        if (!from_master && relay->pending > 0)
                return 0; /* the buffer is full of unsent input: the caller should not have polled stdin */
        char outbuf[16384];
        char *buf = from_master ? outbuf : relay->inbuf;
        size_t size = from_master ? sizeof(outbuf) : sizeof(relay->inbuf);
        ssize_t n;
        do
                n = read(from_fd, buf, size);
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno == EAGAIN)
                return 0;
        if (n <= 0) { /* EOF, or EIO once every slave fd is closed */
                if (from_master) {
                        relay->out_open = false;
                        discard_input(relay);
                } else {
                        relay->in_open = false;
                }
                return 1;
        }
        if (!from_master) {
                relay->pending = (size_t)n;
                relay->pending_off = 0;
                cb_pty_relay_flush(relay);
                return 0;
        }
        if (write_all(relay->out_fd, buf, (size_t)n) < 0) {
                relay->out_open = false; /* stdout is broken: stop reading output, keep relaying input */
                return 1;
        }
        return 0;
}

void
cb_pty_relay_sandbox_gone(struct cb_pty_relay *relay)
{
        relay->gone = true;
        discard_input(relay);
}

void
cb_pty_relay_resize(struct cb_pty_relay *relay)
{
        struct winsize ws;
        if (ioctl(relay->in_fd, TIOCGWINSZ, &ws) == 0)
                (void)ioctl(relay->master, TIOCSWINSZ, &ws);
}

void
cb_pty_relay_stop(struct cb_pty_relay *relay)
{
        if (relay->raw) {
                (void)tcsetattr(relay->in_fd, TCSADRAIN, &relay->saved);
                relay->raw = false;
        }
}
