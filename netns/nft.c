/* claudebox — a thin wrapper around libnftables: run a script as one transaction, list the ruleset. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void
nft_ctx_freep(struct nft_ctx **c)
{
        if (*c != NULL)
                nft_ctx_free(*c);
}
#define cleanup_nft_ctx __attribute__((cleanup(nft_ctx_freep)))

static int
nft_exec(const char *script, char **out, struct cb_error **err)
{
        cleanup_nft_ctx struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
        if (nft == NULL)
                return cb_error_set(err, ENOMEM, "nftables: create a context");
        if (nft_ctx_buffer_error(nft) < 0 || (out != NULL && nft_ctx_buffer_output(nft) < 0))
                return cb_error_set(err, ENOMEM, "nftables: buffers");
        if (nft_run_cmd_from_buffer(nft, script) != 0) {
                const char *msg = nft_ctx_get_error_buffer(nft);
                char first[256] = "";
                if (msg != NULL)
                        snprintf(first, sizeof(first), "%.*s", (int)strcspn(msg, "\n"), msg);
                /* libnftables reports the kernel's errno only in its text. */
                int e = strstr(msg ? msg : "", "Operation not permitted") ? EPERM
                        : strstr(msg ? msg : "", "No such file") ? ENOENT
                                                                  : EPROTO;
                return cb_error_set(err, e, "nftables: %s", first[0] ? first : "command failed");
        }
        if (out != NULL) {
                const char *o = nft_ctx_get_output_buffer(nft);
                *out = strdup(o ? o : "");
                if (*out == NULL)
                        return cb_error_set(err, ENOMEM, "nftables: output");
        }
        return 0;
}

int
cb_nft_run(const char *script, struct cb_error **err)
{
        return nft_exec(script, NULL, err);
}

int
cb_nft_list(const char *cmd, char **out, struct cb_error **err)
{
        return nft_exec(cmd, out, err);
}
