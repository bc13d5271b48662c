/*
 * warn.c: the shim's only output of its own, one line on stderr per
 * problem.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "shim.h"

void la_warn(const char *fmt, ...)
{
    char buf[512];
    int saved = errno;
    int n = snprintf(buf, sizeof buf, "leakaudit: ");
    va_list ap;

    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    for (char *p = buf; n > 0;) {
        ssize_t w = write(2, p, (size_t)n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        n -= (int)w;
    }
    errno = saved;
}
