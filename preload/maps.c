/*
 * maps.c: /proc/self/maps, read whole into the shim's own pages (no
 * malloc: it runs in the exit path and in a writer child), and parsed one
 * line at a time.  Used by the scan (which memory is what) and by the list
 * of modules.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maps.h"
#include "pages.h"

char *maps_read(size_t *cap)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    size_t len = 0;
    char *text;

    *cap = 1 << 20;
    if (fd < 0)
        return NULL;
    text = pages_alloc(*cap);
    while (text) {
        ssize_t n = read(fd, text + len, *cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len + 1 == *cap) {
            char *bigger = pages_alloc(*cap * 2);
            if (bigger)
                memcpy(bigger, text, len);
            pages_free(text, *cap);
            text = bigger;
            *cap *= 2;
        }
    }
    close(fd);
    if (text)
        text[len] = '\0';
    return text;
}

int maps_line(const char **cursor, struct la_map *m)
{
    const char *line = *cursor;
    char *end;

    while (*line) {
        const char *eol = strchr(line, '\n');
        if (!eol)
            eol = line + strlen(line);
        *cursor = *eol ? eol + 1 : eol;
        m->lo = strtoul(line, &end, 16);
        if (*end == '-' && end < eol) {
            m->hi = strtoul(end + 1, &end, 16);
            while (*end == ' ')
                end++;
            memset(m->perms, 0, sizeof m->perms);
            memcpy(m->perms, end, 4);
            end += strnlen(end, 4);
            m->offset = strtoul(end, &end, 16);
            /* Then the device and the inode; the path is the sixth field. */
            for (int field = 0; field < 2 && end < eol; field++) {
                while (*end == ' ')
                    end++;
                if (field == 1)
                    m->inode = strtoul(end, NULL, 10);
                while (end < eol && *end != ' ')
                    end++;
            }
            while (end < eol && *end == ' ')
                end++;
            size_t n = (size_t)(eol - end);
            if (n >= sizeof m->path)
                n = sizeof m->path - 1;
            memcpy(m->path, end, n);
            m->path[n] = '\0';
            return 1;
        }
        line = *cursor;
    }
    return 0;
}
