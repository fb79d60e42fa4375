/* cb-probe — small checks run inside the sandbox by the integration tests (static binary).
 *   cb-probe fds            list open fds other than 0-2, one per line ("none" if there are none)
 *   cb-probe ns NAME        print the inode of /proc/self/ns/NAME
 *   cb-probe write PATH     try to create PATH; print "ok" or the errno name
 *   cb-probe unix PATH      connect to the unix socket PATH, print what the server sends */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int
list_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        if (d == NULL) {
                perror("opendir /proc/self/fd");
                return 2;
        }
        int self = dirfd(d), n = 0;
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
                if (e->d_name[0] == '.')
                        continue;
                int fd = atoi(e->d_name);
                if (fd <= 2 || fd == self)
                        continue;
                char path[64], target[4096];
                snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
                ssize_t len = readlink(path, target, sizeof(target) - 1);
                target[len > 0 ? len : 0] = '\0';
                printf("%d %s\n", fd, target);
                n++;
        }
        closedir(d);
        if (n == 0)
                printf("none\n");
        return 0;
}

int
main(int argc, char **argv)
{
        if (argc >= 2 && strcmp(argv[1], "fds") == 0)
                return list_fds();
        if (argc >= 3 && strcmp(argv[1], "ns") == 0) {
                char path[64];
                struct stat st;
                snprintf(path, sizeof(path), "/proc/self/ns/%s", argv[2]);
                if (stat(path, &st) < 0) {
                        perror(path);
                        return 2;
                }
                printf("%lu\n", (unsigned long)st.st_ino);
                return 0;
        }
        if (argc >= 3 && strcmp(argv[1], "write") == 0) {
                int fd = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                if (fd < 0) {
                        printf("%s\n", strerrorname_np(errno));
                        return 1;
                }
                close(fd);
                printf("ok\n");
                return 0;
        }
        if (argc >= 3 && strcmp(argv[1], "unix") == 0) {
                struct sockaddr_un sa = {.sun_family = AF_UNIX};
                snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[2]);
                int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                        printf("%s\n", strerrorname_np(errno));
                        return 1;
                }
                char buf[256];
                ssize_t n = read(s, buf, sizeof(buf) - 1);
                buf[n > 0 ? n : 0] = '\0';
                printf("%s", buf);
                close(s);
                return 0;
        }
        fprintf(stderr, "usage: cb-probe fds | ns NAME | write PATH | unix PATH\n");
        return 2;
}
