/* claudebox — command-line parsing of `claudebox run` into struct cb_options (pure: no host access). */
#pragma once

#include "config.h"
#include "error.h"

/* Parses the arguments after "run". Returns 0, 1 when --help was asked (usage printed by the caller),
 * or a negative errno with *err set for bad input. */
int cb_cli_parse_run(int argc, char *const *argv, struct cb_options *opts, struct cb_error **err);

extern const char cb_run_usage[];
