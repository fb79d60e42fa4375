/* claudebox — libseccomp filter -> classic BPF program in memory.
 *
 * Shared by the build-time generator of the default filter and by the JSON profile loader: both build a
 * libseccomp filter and hand the kernel only its BPF, so nothing is compiled between clone and execve. */
#pragma once

#include <linux/filter.h>
#include <seccomp.h>
#include <stddef.h>

#include "../runtime/error.h"

/* The kernel refuses classic BPF programs longer than this (BPF_MAXINSNS). */
#define CB_BPF_MAXINSNS 4096

/* Exports ctx's BPF into a freshly allocated array (*ret, *ret_len instructions). */
int cb_seccomp_export(scmp_filter_ctx ctx, struct sock_filter **ret, size_t *ret_len, struct cb_error **err);
