/* Probe: allocates and touches MB megabytes (argv[1], default 200), one page at a time, then prints
 * "touched N MB". Under a smaller memory limit it is OOM-killed before it prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
        long mb = argc > 1 ? strtol(argv[1], NULL, 10) : 200;
        size_t len = (size_t)mb << 20;
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
                perror("mmap");
                return 2;
        }
        long page = sysconf(_SC_PAGESIZE);
        for (size_t off = 0; off < len; off += (size_t)page)
                p[off] = 1;
        printf("touched %ld MB\n", mb);
        return 0;
}
