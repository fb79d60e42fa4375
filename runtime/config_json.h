/* claudebox — the configuration as JSON, with Docker's inspect key names (SPEC §5), so `claudebox inspect`
 * and state.json tell the same story as the launch path. Environment values are never serialised. */
#pragma once

#include <json-c/json.h>
#include <sys/types.h>

#include "config.h"

/* A new object: Id, Name, Profile, Config{Cmd, Env (names only), Hostname, WorkingDir}, HostConfig{...}.
 * The caller adds State and Layers. NULL on allocation failure. */
struct json_object *cb_config_to_json(const struct cb_config *cfg);
