/* Finding the data directories that ship beside the binary. */
#include "bot/paths.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

const char *bot_find_dir(const char *name, char *buf, size_t cap)
{
    char exe[PATH_MAX];
    if (is_dir(name))
        return name;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = 0;
        snprintf(buf, cap, "%s/../%s", exe, name);
        if (is_dir(buf))
            return buf;
        snprintf(buf, cap, "%s/../../%s", exe, name);
        if (is_dir(buf))
            return buf;
        snprintf(buf, cap, "%s/../share/sanad/%s", exe, name); /* make install's layout */
        if (is_dir(buf))
            return buf;
    }
    return name;
}
