/*
 * json.c: JSON string output.
 */
#include "json.h"

/* Length of the valid UTF-8 sequence at S (at most N bytes), 0 if invalid. */
static int utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    int len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
    if (len == 0 || (size_t)len > n)
        return 0;
    for (int i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    /* overlong three-byte forms, surrogates, beyond U+10FFFF */
    if (len == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
        return 0;
    if (len == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
        return 0;
    return len;
}

void json_str(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n;

    if (!s) {
        fputs("null", out);
        return;
    }
    for (n = 0; p[n]; n++)
        ;
    fputc('"', out);
    while (n > 0) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(out, "\\u%04x", c);
        } else {
            int len = utf8_len(p, n);
            if (len == 0) {
                fputs("\\ufffd", out);
                len = 1;
            } else {
                fwrite(p, 1, (size_t)len, out);
            }
            p += len;
            n -= (size_t)len;
            continue;
        }
        p++;
        n--;
    }
    fputc('"', out);
}

void json_key(FILE *out, const char *key, int first)
{
    if (!first)
        fputc(',', out);
    json_str(out, key);
    fputc(':', out);
}
