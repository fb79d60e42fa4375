/* claudebox — `claudebox profiles`: SPEC's layer table, generated from the real presets. */
#pragma once

#include <stdio.h>

void cb_profiles_print(FILE *out);
