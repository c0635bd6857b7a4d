/* Where the data directories shipped beside the binary are (intents/, widget/). */
#ifndef SANAD_BOT_PATHS_H
#define SANAD_BOT_PATHS_H

#include <stddef.h>

/* ./name when it is a directory, else DIR/../name, DIR/../../name or
 * DIR/../share/sanad/name where DIR holds the running binary (bin/sanad,
 * build/release/sanad, PREFIX/bin/sanad after make install), so the binary works from any
 * working directory of a checkout or an installation. Returns name itself or buf (capacity cap) holding the path. */
const char *bot_find_dir(const char *name, char *buf, size_t cap);

#endif
