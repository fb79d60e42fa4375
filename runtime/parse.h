/* claudebox — pure parsing helpers: sizes, CPUs, volume/tmpfs/env specs, capability names, CIDRs,
 * paths and string vectors. No side effects, no host access: unit-tested without root. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"

/* "512", "64k", "64m", "4g", "1t" (also "64mb", upper case) -> bytes. Docker's units (1024-based). */
int cb_parse_size(const char *s, uint64_t *ret, struct cb_error **err);
/* "2", "0.5", "1.25" -> nano CPUs (1e9 per CPU); at most 9 decimals; must be > 0 and <= 1024. */
int cb_parse_cpus(const char *s, uint64_t *ret, struct cb_error **err);
/* A positive decimal integer (pids limit); "-1" or "0" are rejected: use --no-limits. */
int cb_parse_positive(const char *s, const char *what, int64_t *ret, struct cb_error **err);

/* -v SRC:DST[:ro|rw] (SRC and DST absolute after resolution of SRC against cwd). */
int cb_parse_volume(const char *spec, const char *cwd, struct cb_bind *ret, struct cb_error **err);
/* --tmpfs PATH[:size=..,mode=..,uid=..,gid=..,nr_inodes=..,noexec,exec,nosuid,nodev]. The options are
 * validated and rewritten for mount(2) ("size=" in bytes, "mode=" in octal). */
int cb_parse_tmpfs(const char *spec, struct cb_tmpfs *ret, struct cb_error **err);

/* Capability name ("NET_RAW", "cap_net_raw", "CAP_NET_RAW") -> CAP_* number; "ALL" -> -2. */
int cb_parse_cap(const char *name, int *ret, struct cb_error **err);
/* Applies a preset list, then drops, then adds (Docker's order: --cap-drop ALL --cap-add X works). */
int cb_caps_resolve(const char *const *preset, char *const *add, char *const *drop, uint64_t *ret,
                    struct cb_error **err);

int cb_parse_cidr(const char *s, struct cb_cidr *ret, struct cb_error **err);

/* Lexical path clean-up: "/a//b/./c/../d/" -> "/a/b/d". Returns NULL on allocation failure. */
char *cb_path_normalize(const char *path);
/* Joins base and rel ("/a", "b/c" -> "/a/b/c"); an absolute rel is normalized as is. */
char *cb_path_join(const char *base, const char *rel);
/* True if path equals dir or lies below it (both normalized, absolute). */
bool cb_path_is_under(const char *path, const char *dir);
/* Number of components: "/" -> 0, "/a/b" -> 2. */
size_t cb_path_depth(const char *path);

/* Iterates the lines of a text: copies the next one (without its newline) into buf and advances *cursor;
 * a line that does not fit in buf is skipped. Returns false at the end of the text. */
bool cb_next_line(const char **cursor, char *buf, size_t len);

/* NULL-terminated string vectors. */
size_t cb_strv_len(char *const *v);
int cb_strv_push(char ***v, const char *s); /* copies s; -ENOMEM on failure */
char **cb_strv_copy(char *const *v);
void cb_strv_free(char **v);

/* Environment: NAME must be [A-Za-z_][A-Za-z0-9_]*. */
bool cb_env_name_valid(const char *name, size_t len);
