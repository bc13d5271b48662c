/*
 * select.c: the choice of audited processes (select.h).  Runs in la_start,
 * before the real malloc may be known: allocates nothing.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "select.h"

/* Matches P[0..PN) against S[0..SN): '*' any run of characters, '?' one. */
static int glob_match(const char *p, size_t pn, const char *s, size_t sn)
{
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;

    while (si < sn) {
        if (pi < pn && (p[pi] == '?' || p[pi] == s[si])) {
            pi++;
            si++;
        } else if (pi < pn && p[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            si = ++mark;
        } else {
            return 0;
        }
    }
    while (pi < pn && p[pi] == '*')
        pi++;
    return pi == pn;
}

int select_glob(const char *pat, size_t len, const char *exe)
{
    const char *base = strrchr(exe, '/');

    if (memchr(pat, '/', len))
        return glob_match(pat, len, exe, strlen(exe));
    base = base ? base + 1 : exe;
    return glob_match(pat, len, base, strlen(base));
}

/* Whether any glob of the comma-separated LIST matches EXE. */
static int any_glob(const char *list, const char *exe)
{
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 0 && select_glob(p, n, exe))
            return 1;
        p += n + (end != NULL);
    }
    return 0;
}

/* Whether EXE lies under the directory DIR (DIR itself counts; trailing
 * slashes of DIR ignored). */
static int under(const char *dir, const char *exe)
{
    size_t n = strlen(dir);

    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 1 && dir[0] == '/')
        return exe[0] == '/';
    return strncmp(dir, exe, n) == 0 && (exe[n] == '/' || exe[n] == '\0');
}

int select_audited(const struct la_options *opt, const char *exe)
{
    if (any_glob(opt->skip, exe))
        return SELECT_SKIPPED;
    if ((!opt->project[0] && !opt->include[0]) || any_glob(opt->include, exe) ||
        (opt->project[0] && under(opt->project, exe)))
        return SELECT_AUDITED;
    return SELECT_OUTSIDE;
}

void select_note(const char *path, char mark, const char *exe)
{
    char line[4096 + 2];
    size_t n = strlen(exe);
    int fd;

    if (!path[0])
        return;
    if (n > sizeof line - 2)
        n = sizeof line - 2;
    line[0] = mark;
    memcpy(line + 1, exe, n);
    line[++n] = '\n';
    fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return;
    /* One write, O_APPEND: lines of processes ending together do not mix. */
    ssize_t w = write(fd, line, n + 1);
    (void)w;
    close(fd);
}
