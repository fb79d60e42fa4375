/* claudebox — pure parsing helpers (see parse.h). */
#define _GNU_SOURCE
#include "parse.h"

#include <arpa/inet.h>
#include <cap-ng.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "cleanup.h"

int
cb_parse_size(const char *s, uint64_t *ret, struct cb_error **err)
{
        if (s == NULL || !isdigit((unsigned char)*s))
                return cb_error_input(err, "invalid size '%s': expected a number with an optional "
                                                 "unit b, k, m, g or t (e.g. 512m, 4g)", s ? s : "");
        errno = 0;
        char *end = NULL;
        unsigned long long n = strtoull(s, &end, 10);
        if (errno != 0)
                return cb_error_input(err, "invalid size '%s': number out of range", s);
        uint64_t mult = 1;
        switch (tolower((unsigned char)*end)) {
        case '\0':
        case 'b': mult = 1; break;
        case 'k': mult = 1ULL << 10; break;
        case 'm': mult = 1ULL << 20; break;
        case 'g': mult = 1ULL << 30; break;
        case 't': mult = 1ULL << 40; break;
        default:
                return cb_error_input(err, "invalid size '%s': unknown unit '%s' (use b, k, m, g or t)",
                                    s, end);
        }
        if (*end != '\0') {
                end++;
                if (mult > 1 && (*end == 'b' || *end == 'B'))
                        end++;
                if (*end != '\0')
                        return cb_error_input(err, "invalid size '%s': trailing characters '%s'", s,
                                            end);
        }
        if (n == 0)
                return cb_error_input(err, "invalid size '%s': must be greater than zero", s);
        if (n > UINT64_MAX / mult)
                return cb_error_input(err, "invalid size '%s': too large", s);
        *ret = (uint64_t)n * mult;
        return 0;
}

int
cb_parse_cpus(const char *s, uint64_t *ret, struct cb_error **err)
{
        const char *p = s;
        uint64_t whole = 0, frac = 0;
        int frac_digits = 0;
        if (s == NULL || (!isdigit((unsigned char)*p) && *p != '.'))
                goto bad;
        for (; isdigit((unsigned char)*p); p++) {
                whole = whole * 10 + (uint64_t)(*p - '0');
                if (whole > 1024)
                        return cb_error_input(err, "invalid --cpus '%s': at most 1024", s);
        }
        if (*p == '.') {
                p++;
                if (!isdigit((unsigned char)*p))
                        goto bad;
                for (; isdigit((unsigned char)*p); p++) {
                        if (++frac_digits > 9)
                                return cb_error_input(err,
                                                    "invalid --cpus '%s': at most 9 decimal places", s);
                        frac = frac * 10 + (uint64_t)(*p - '0');
                }
        }
        if (*p != '\0')
                goto bad;
        for (int i = frac_digits; i < 9; i++)
                frac *= 10;
        uint64_t nano = whole * 1000000000ULL + frac;
        if (nano < 10000000ULL) /* cpu.max quota must be >= 1 ms of a 100 ms period */
                return cb_error_input(err, "invalid --cpus '%s': must be at least 0.01", s);
        if (nano > 1024ULL * 1000000000ULL)
                return cb_error_input(err, "invalid --cpus '%s': at most 1024", s);
        *ret = nano;
        return 0;
bad:
        return cb_error_input(err, "invalid --cpus '%s': expected a decimal number such as 2 or 0.5",
                            s ? s : "");
}

int
cb_parse_positive(const char *s, const char *what, int64_t *ret, struct cb_error **err)
{
        if (s == NULL || *s == '\0' || !isdigit((unsigned char)*s))
                return cb_error_input(err, "invalid %s '%s': expected a positive whole number", what,
                                    s ? s : "");
        errno = 0;
        char *end = NULL;
        long long n = strtoll(s, &end, 10);
        if (errno != 0 || *end != '\0' || n <= 0 || n > INT32_MAX)
                return cb_error_input(err,
                                    "invalid %s '%s': expected a whole number from 1 to %d (no limit: "
                                    "--no-limits)",
                                    what, s, INT32_MAX);
        *ret = n;
        return 0;
}

static bool
has_dotdot(const char *p)
{
        for (const char *c = p; (c = strstr(c, "..")) != NULL; c += 2) {
                bool start = c == p || c[-1] == '/';
                bool end = c[2] == '\0' || c[2] == '/';
                if (start && end)
                        return true;
        }
        return false;
}

int
cb_parse_volume(const char *spec, const char *cwd, struct cb_bind *ret, struct cb_error **err)
{
        cleanup_free char *copy = strdup(spec);
        if (copy == NULL)
                return cb_error_set(err, ENOMEM, "parse -v");
        char *parts[4] = {0};
        int n = 0;
        for (char *tok = copy, *next; tok != NULL && n < 4; tok = next) {
                next = strchr(tok, ':');
                if (next != NULL)
                        *next++ = '\0';
                parts[n++] = tok;
        }
        if (n < 2 || n > 3 || strchr(spec, ':') == NULL || *parts[0] == '\0' || *parts[1] == '\0')
                return cb_error_input(err,
                                    "invalid volume '%s': expected -v SRC:DST[:ro|rw] (e.g. -v "
                                    "/data:/data:ro)",
                                    spec);
        bool ro = false;
        if (n == 3) {
                if (strcmp(parts[2], "ro") == 0)
                        ro = true;
                else if (strcmp(parts[2], "rw") != 0)
                        return cb_error_input(err, "invalid volume '%s': mode '%s' is not ro or rw",
                                            spec, parts[2]);
        }
        if (parts[1][0] != '/')
                return cb_error_input(err, "invalid volume '%s': destination '%s' must be absolute",
                                    spec, parts[1]);
        if (has_dotdot(parts[1]))
                return cb_error_input(err, "invalid volume '%s': destination must not contain '..'",
                                    spec);
        char *src = parts[0][0] == '/' ? cb_path_normalize(parts[0]) : cb_path_join(cwd, parts[0]);
        char *dst = cb_path_normalize(parts[1]);
        if (src == NULL || dst == NULL) {
                free(src);
                free(dst);
                return cb_error_set(err, ENOMEM, "parse -v");
        }
        if (strcmp(dst, "/") == 0) {
                free(src);
                free(dst);
                return cb_error_input(err, "invalid volume '%s': cannot bind over /", spec);
        }
        *ret = (struct cb_bind){.src = src, .dst = dst, .readonly = ro, .optional = false, .origin = "-v"};
        return 0;
}

/* Appends one mount option to a comma-separated list. */
static int
add_option(char *buf, size_t len, const char *opt)
{
        size_t used = strlen(buf);
        int n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", opt);
        return (n < 0 || (size_t)n >= len - used) ? -1 : 0;
}

int
cb_parse_tmpfs(const char *spec, struct cb_tmpfs *ret, struct cb_error **err)
{
        cleanup_free char *copy = strdup(spec);
        if (copy == NULL)
                return cb_error_set(err, ENOMEM, "parse --tmpfs");
        char *opts = strchr(copy, ':');
        if (opts != NULL)
                *opts++ = '\0';
        if (copy[0] != '/' || has_dotdot(copy))
                return cb_error_input(err,
                                    "invalid --tmpfs '%s': expected an absolute PATH[:size=..,mode=..]", spec);
        char out[256] = "";
        bool has_mode = false;
        for (char *tok = opts, *next; tok != NULL && *tok != '\0'; tok = next) {
                next = strchr(tok, ',');
                if (next != NULL)
                        *next++ = '\0';
                char *val = strchr(tok, '=');
                if (val != NULL)
                        *val++ = '\0';
                char opt[64];
                if (strcmp(tok, "size") == 0 && val != NULL) {
                        uint64_t bytes;
                        if (cb_parse_size(val, &bytes, NULL) < 0)
                                return cb_error_input(err, "invalid --tmpfs '%s': bad size '%s'", spec,
                                                    val);
                        snprintf(opt, sizeof(opt), "size=%" PRIu64, bytes);
                } else if (strcmp(tok, "mode") == 0 && val != NULL) {
                        char *end;
                        unsigned long mode = strtoul(val, &end, 8);
                        if (*val == '\0' || *end != '\0' || mode > 07777)
                                return cb_error_input(err, "invalid --tmpfs '%s': bad mode '%s' (octal)",
                                                    spec, val);
                        snprintf(opt, sizeof(opt), "mode=%lo", mode);
                        has_mode = true;
                } else if ((strcmp(tok, "uid") == 0 || strcmp(tok, "gid") == 0 ||
                            strcmp(tok, "nr_inodes") == 0) &&
                           val != NULL) {
                        int64_t v = 0;
                        if (strcmp(val, "0") != 0 && cb_parse_positive(val, tok, &v, NULL) < 0)
                                return cb_error_input(err, "invalid --tmpfs '%s': bad %s '%s'", spec,
                                                    tok, val);
                        snprintf(opt, sizeof(opt), "%s=%" PRId64, tok, v);
                } else if (val == NULL && (strcmp(tok, "noexec") == 0 || strcmp(tok, "exec") == 0 ||
                                           strcmp(tok, "nosuid") == 0 || strcmp(tok, "nodev") == 0 ||
                                           strcmp(tok, "ro") == 0 || strcmp(tok, "rw") == 0)) {
                        /* mount flags, kept for the mount layer to translate */
                        snprintf(opt, sizeof(opt), "%s", tok);
                } else {
                        return cb_error_input(err,
                                            "invalid --tmpfs '%s': unknown option '%s' (known: size, mode, "
                                            "uid, gid, nr_inodes, exec, noexec, nosuid, nodev, ro, rw)",
                                            spec, tok);
                }
                if (add_option(out, sizeof(out), opt) < 0)
                        goto toolong;
        }
        if (!has_mode && add_option(out, sizeof(out), "mode=1777") < 0)
                goto toolong;
        ret->path = cb_path_normalize(copy);
        ret->options = strdup(out);
        if (ret->path == NULL || ret->options == NULL)
                return cb_error_set(err, ENOMEM, "parse --tmpfs");
        return 0;
toolong:
        return cb_error_input(err, "invalid --tmpfs '%s': options too long", spec);
}

int
cb_parse_cap(const char *name, int *ret, struct cb_error **err)
{
        if (strcasecmp(name, "ALL") == 0) {
                *ret = -2;
                return 0;
        }
        const char *n = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
        char lower[64];
        size_t i;
        for (i = 0; n[i] != '\0' && i < sizeof(lower) - 1; i++)
                lower[i] = (char)tolower((unsigned char)n[i]);
        lower[i] = '\0';
        int cap = capng_name_to_capability(lower);
        if (cap < 0 || cap > 63)
                return cb_error_input(err,
                                    "unknown capability '%s' (names as in capabilities(7), e.g. NET_RAW or "
                                    "CAP_NET_RAW, or ALL)",
                                    name);
        *ret = cap;
        return 0;
}

int
cb_caps_resolve(const char *const *preset, char *const *add, char *const *drop, uint64_t *ret,
                struct cb_error **err)
{
        uint64_t mask = 0, all = 0;
        for (int c = 0; c <= CAP_LAST_CAP && c < 64; c++)
                all |= 1ULL << c;
        int cap;
        for (size_t i = 0; preset != NULL && preset[i] != NULL; i++) {
                if (cb_parse_cap(preset[i], &cap, err) < 0)
                        return -EINVAL;
                mask |= cap == -2 ? all : 1ULL << cap;
        }
        for (size_t i = 0; drop != NULL && drop[i] != NULL; i++) {
                if (cb_parse_cap(drop[i], &cap, err) < 0)
                        return cb_error_wrap(err, "--cap-drop");
                mask &= cap == -2 ? 0 : ~(1ULL << cap);
        }
        for (size_t i = 0; add != NULL && add[i] != NULL; i++) {
                if (cb_parse_cap(add[i], &cap, err) < 0)
                        return cb_error_wrap(err, "--cap-add");
                mask |= cap == -2 ? all : 1ULL << cap;
        }
        *ret = mask;
        return 0;
}

int
cb_parse_cidr(const char *s, struct cb_cidr *ret, struct cb_error **err)
{
        char buf[INET6_ADDRSTRLEN + 8];
        if (strlen(s) >= sizeof(buf))
                goto bad;
        strcpy(buf, s);
        char *slash = strchr(buf, '/');
        if (slash != NULL)
                *slash++ = '\0';
        struct cb_cidr c = {0};
        int maxlen;
        if (inet_pton(AF_INET, buf, c.addr) == 1) {
                c.family = AF_INET;
                maxlen = 32;
        } else if (inet_pton(AF_INET6, buf, c.addr) == 1) {
                c.family = AF_INET6;
                maxlen = 128;
        } else {
                goto bad;
        }
        long prefix = maxlen;
        if (slash != NULL) {
                char *end;
                if (!isdigit((unsigned char)*slash))
                        goto bad;
                prefix = strtol(slash, &end, 10);
                if (*end != '\0' || prefix < 0 || prefix > maxlen)
                        goto bad;
        }
        c.prefix = (uint8_t)prefix;
        /* Normalize: clear host bits so 10.1.2.3/8 means 10.0.0.0/8. */
        for (int bit = (int)prefix; bit < maxlen; bit++)
                c.addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
        char addr[INET6_ADDRSTRLEN];
        inet_ntop(c.family, c.addr, addr, sizeof(addr));
        if (asprintf(&c.text, "%s/%ld", addr, prefix) < 0)
                return cb_error_set(err, ENOMEM, "parse CIDR");
        *ret = c;
        return 0;
bad:
        return cb_error_input(err, "invalid --allow-net '%s': expected an address range such as "
                                         "10.0.0.0/8 or fd00::/8", s);
}

char *
cb_path_normalize(const char *path)
{
        size_t len = strlen(path);
        char *out = malloc(len + 2);
        if (out == NULL)
                return NULL;
        size_t o = 0;
        bool abs = path[0] == '/';
        const char *p = path;
        while (*p != '\0') {
                while (*p == '/')
                        p++;
                if (*p == '\0')
                        break;
                const char *e = strchr(p, '/');
                size_t n = e ? (size_t)(e - p) : strlen(p);
                if (n == 1 && p[0] == '.') {
                        /* skip */
                } else if (n == 2 && p[0] == '.' && p[1] == '.') {
                        if (o > 0) {
                                while (o > 0 && out[o - 1] != '/')
                                        o--;
                                if (o > 0)
                                        o--;
                        }
                } else {
                        if (o > 0 || abs)
                                out[o++] = '/';
                        memcpy(out + o, p, n);
                        o += n;
                }
                p += n;
        }
        if (o == 0) {
                if (abs)
                        out[o++] = '/';
                else
                        out[o++] = '.';
        }
        out[o] = '\0';
        return out;
}

char *
cb_path_join(const char *base, const char *rel)
{
        if (rel[0] == '/')
                return cb_path_normalize(rel);
        cleanup_free char *joined = NULL;
        if (asprintf(&joined, "%s/%s", base, rel) < 0)
                return NULL;
        return cb_path_normalize(joined);
}

bool
cb_path_is_under(const char *path, const char *dir)
{
        size_t n = strlen(dir);
        if (strcmp(dir, "/") == 0)
                return path[0] == '/';
        return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

size_t
cb_path_depth(const char *path)
{
        size_t d = 0;
        for (const char *p = path; *p != '\0'; p++)
                if (*p == '/' && p[1] != '\0' && p[1] != '/')
                        d++;
        return d;
}

bool
cb_next_line(const char **cursor, char *buf, size_t len)
{
        while (*cursor != NULL && **cursor != '\0') {
                const char *line = *cursor, *nl = strchr(line, '\n');
                size_t n = nl ? (size_t)(nl - line) : strlen(line);
                *cursor = nl ? nl + 1 : NULL;
                if (n < len) {
                        memcpy(buf, line, n);
                        buf[n] = '\0';
                        return true;
                }
        }
        return false;
}

size_t
cb_strv_len(char *const *v)
{
        size_t n = 0;
        while (v != NULL && v[n] != NULL)
                n++;
        return n;
}

int
cb_strv_push(char ***v, const char *s)
{
        size_t n = cb_strv_len(*v);
        char *copy = strdup(s);
        if (copy == NULL)
                return -ENOMEM;
        char **nv = realloc(*v, (n + 2) * sizeof(char *));
        if (nv == NULL) {
                free(copy);
                return -ENOMEM;
        }
        nv[n] = copy;
        nv[n + 1] = NULL;
        *v = nv;
        return 0;
}

char **
cb_strv_copy(char *const *v)
{
        size_t n = cb_strv_len(v);
        char **out = calloc(n + 1, sizeof(char *));
        if (out == NULL)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                out[i] = strdup(v[i]);
                if (out[i] == NULL) {
                        cb_strv_free(out);
                        return NULL;
                }
        }
        return out;
}

void
cb_strv_free(char **v)
{
        if (v == NULL)
                return;
        for (char **s = v; *s != NULL; s++)
                free(*s);
        free(v);
}

bool
cb_env_name_valid(const char *name, size_t len)
{
        if (len == 0 || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
                return false;
        for (size_t i = 1; i < len; i++)
                if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
                        return false;
        return true;
}
