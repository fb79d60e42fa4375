/* claudebox — the terminal layer (see pty.h). */
#define _GNU_SOURCE
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
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
        *relay = (struct cb_pty_relay){.master = master, .in_fd = STDIN_FILENO, .out_fd = STDOUT_FILENO,
                                       .in_open = true, .out_open = true};
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

static int
write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

int
cb_pty_relay_pump(struct cb_pty_relay *relay, int from_fd)
{
        char buf[16384];
        ssize_t n;
        do
                n = read(from_fd, buf, sizeof(buf));
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno == EAGAIN)
                return 0;
        if (n <= 0) { /* EOF, or EIO once every slave fd is closed */
                if (from_fd == relay->master)
                        relay->out_open = false;
                else
                        relay->in_open = false;
                return 1;
        }
        int to = from_fd == relay->master ? relay->out_fd : relay->master;
        if (write_all(to, buf, (size_t)n) < 0) {
                if (to == relay->out_fd)
                        relay->out_open = false;
                return 1;
        }
        return 0;
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
