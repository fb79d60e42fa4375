/* cb-net — network probe for the integration tests (static, so it runs inside any sandbox root and in
 * the test's own "internet" namespace). Every operation is bounded in time.
 *   cb-net connect ADDR PORT                TCP connect (3 s): prints "ok" or the errno name; exit 0/1
 *   cb-net get ADDR PORT                    HTTP/1.0 GET / (5 s): prints the body; exit 0/1
 *   cb-net serve ADDR PORT TEXT [SECONDS]   HTTP server answering TEXT; prints "listening" when ready
 *   cb-net dns-serve ADDR PORT IPV4 [SECONDS]   DNS server answering every A query with IPV4
 *   cb-net resolve NAME                     A query to /etc/resolv.conf's first nameserver (3 s) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *
errname(int e)
{
        switch (e) {
        case ECONNREFUSED: return "ECONNREFUSED";
        case EHOSTUNREACH: return "EHOSTUNREACH";
        case ENETUNREACH: return "ENETUNREACH";
        case ETIMEDOUT: return "ETIMEDOUT";
        case EACCES: return "EACCES";
        case EPERM: return "EPERM";
        case EINVAL: return "EINVAL";
        case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
        default: return strerror(e);
        }
}

static int
addr_of(const char *a, int port, struct sockaddr_in *sa)
{
        memset(sa, 0, sizeof(*sa));
        sa->sin_family = AF_INET;
        sa->sin_port = htons((unsigned short)port);
        return inet_pton(AF_INET, a, &sa->sin_addr) == 1 ? 0 : -1;
}

/* Connects within timeout_ms; returns the fd or -errno. */
static int
tcp_connect(const char *a, int port, int timeout_ms)
{
        struct sockaddr_in sa;
        if (addr_of(a, port, &sa) < 0)
                return -EINVAL;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
                int e = errno;
                close(fd);
                return -e;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        if (poll(&p, 1, timeout_ms) != 1) {
                close(fd);
                return -ETIMEDOUT;
        }
        int e = 0;
        socklen_t len = sizeof(e);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len);
        if (e != 0) {
                close(fd);
                return -e;
        }
        fcntl(fd, F_SETFL, 0);
        return fd;
}

static int
do_get(const char *a, int port)
{
        int fd = tcp_connect(a, port, 3000);
        if (fd < 0) {
                printf("%s\n", errname(-fd));
                return 1;
        }
        const char req[] = "GET / HTTP/1.0\r\n\r\n";
        if (write(fd, req, sizeof(req) - 1) < 0)
                return 1;
        char buf[8192];
        size_t n = 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        while (n < sizeof(buf) - 1 && poll(&p, 1, 5000) == 1) {
                ssize_t got = read(fd, buf + n, sizeof(buf) - 1 - n);
                if (got <= 0)
                        break;
                n += (size_t)got;
        }
        buf[n] = '\0';
        char *body = strstr(buf, "\r\n\r\n");
        if (body == NULL)
                return 1;
        printf("%s\n", body + 4);
        return 0;
}

static int
do_serve(const char *a, int port, const char *text, int seconds)
{
        struct sockaddr_in sa;
        if (addr_of(a, port, &sa) < 0)
                return 2;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
                perror("cb-net serve");
                return 2;
        }
        printf("listening\n");
        fflush(stdout);
        time_t end = time(NULL) + seconds;
        while (time(NULL) < end) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (poll(&p, 1, 1000) != 1)
                        continue;
                int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
                if (c < 0)
                        continue;
                char req[1024];
                struct pollfd q = {.fd = c, .events = POLLIN};
                if (poll(&q, 1, 1000) == 1)
                        (void)!read(c, req, sizeof(req));
                char resp[1024];
                int len = snprintf(resp, sizeof(resp), "HTTP/1.0 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
                                   strlen(text), text);
                (void)!write(c, resp, (size_t)len);
                close(c);
        }
        return 0;
}

static int
do_dns_serve(const char *a, int port, const char *answer, int seconds)
{
        struct sockaddr_in sa;
        struct in_addr ans;
        if (addr_of(a, port, &sa) < 0 || inet_pton(AF_INET, answer, &ans) != 1)
                return 2;
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                perror("cb-net dns-serve");
                return 2;
        }
        printf("listening\n");
        fflush(stdout);
        time_t end = time(NULL) + seconds;
        while (time(NULL) < end) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (poll(&p, 1, 1000) != 1)
                        continue;
                unsigned char q[512];
                struct sockaddr_in from;
                socklen_t flen = sizeof(from);
                ssize_t n = recvfrom(fd, q, sizeof(q) - 16, 0, (struct sockaddr *)&from, &flen);
                if (n < 12)
                        continue;
                /* Answer = the question section echoed + one A record pointing at the name. */
                size_t off = 12;
                while (off < (size_t)n && q[off] != 0)
                        off += (size_t)q[off] + 1;
                off += 5; /* root label, QTYPE, QCLASS */
                if (off > (size_t)n)
                        continue;
                q[2] = 0x81;
                q[3] = 0x80;
                q[6] = 0;
                q[7] = 1; /* ANCOUNT 1 */
                q[8] = q[9] = q[10] = q[11] = 0;
                unsigned char rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 0, 0, 0, 0};
                memcpy(rr + 12, &ans, 4);
                memcpy(q + off, rr, sizeof(rr));
                (void)sendto(fd, q, off + sizeof(rr), 0, (struct sockaddr *)&from, flen);
        }
        return 0;
}

static int
do_resolve(const char *name)
{
        FILE *f = fopen("/etc/resolv.conf", "re");
        char line[256], server[64] = "";
        while (f != NULL && fgets(line, sizeof(line), f) != NULL)
                if (sscanf(line, "nameserver %63s", server) == 1)
                        break;
        if (f != NULL)
                fclose(f);
        struct sockaddr_in sa;
        if (addr_of(server, 53, &sa) < 0) {
                printf("no-nameserver\n");
                return 1;
        }
        unsigned char q[512] = {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
        size_t off = 12;
        for (const char *p = name; *p != '\0';) {
                size_t l = strcspn(p, ".");
                if (l == 0 || l > 63 || off + l + 6 > sizeof(q))
                        return 2;
                q[off++] = (unsigned char)l;
                memcpy(q + off, p, l);
                off += l;
                p += l;
                if (*p == '.')
                        p++;
        }
        q[off++] = 0;
        q[off++] = 0;
        q[off++] = 1;
        q[off++] = 0;
        q[off++] = 1;
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || send(fd, q, off, 0) < 0) {
                printf("%s\n", errname(errno));
                return 1;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        unsigned char r[512];
        ssize_t n;
        if (poll(&p, 1, 3000) != 1 || (n = recv(fd, r, sizeof(r), 0)) < (ssize_t)off + 16) {
                printf("no-answer\n");
                return 1;
        }
        char a[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, r + n - 4, a, sizeof(a));
        printf("%s\n", a);
        return 0;
}

int
main(int argc, char **argv)
{
        if (argc == 4 && strcmp(argv[1], "connect") == 0) {
                int fd = tcp_connect(argv[2], atoi(argv[3]), 3000);
                printf("%s\n", fd >= 0 ? "ok" : errname(-fd));
                return fd >= 0 ? 0 : 1;
        }
        if (argc == 4 && strcmp(argv[1], "get") == 0)
                return do_get(argv[2], atoi(argv[3]));
        if ((argc == 5 || argc == 6) && strcmp(argv[1], "serve") == 0)
                return do_serve(argv[2], atoi(argv[3]), argv[4], argc == 6 ? atoi(argv[5]) : 120);
        if ((argc == 5 || argc == 6) && strcmp(argv[1], "dns-serve") == 0)
                return do_dns_serve(argv[2], atoi(argv[3]), argv[4], argc == 6 ? atoi(argv[5]) : 120);
        if (argc == 3 && strcmp(argv[1], "resolve") == 0)
                return do_resolve(argv[2]);
        fprintf(stderr, "usage: cb-net connect|get ADDR PORT | serve ADDR PORT TEXT [S] | dns-serve ADDR PORT IP [S] "
                        "| resolve NAME\n");
        return 2;
}
