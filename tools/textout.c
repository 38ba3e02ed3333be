#include "textout.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

void txt_buf_free(struct txt_buf *b)
{
	free(b->s);
	*b = (struct txt_buf){ 0 };
}

static void reserve(struct txt_buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	b->s = xreallocarray(b->s, cap, 1);
	b->cap = cap;
}

void txt_buf_put(struct txt_buf *b, const char *s, size_t n)
{
	reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void txt_buf_vprintf(struct txt_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatal_invariant("bad format");
	reserve(b, (size_t)n);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void txt_buf_printf(struct txt_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	txt_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

size_t txt_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (n == 0)
		return 0;
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

bool txt_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	uint32_t cp;
	for (size_t i = 0; i < n;) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t l = txt_utf8_seq(p + i, n - i, &cp);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

size_t txt_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), chars = 0;
	uint32_t cp;
	for (size_t i = 0; i < n; chars++) {
		size_t l = txt_utf8_seq(p + i, n - i, &cp);
		i += l ? l : 1;
	}
	return chars;
}

void txt_escape(struct txt_buf *b, const char *s, size_t n, bool keep_newline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t plain = 0; /* start of the run of bytes copied as they are */
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = p[i] >= 0x20 && p[i] < 0x7f ? 1 : txt_utf8_seq(p + i, n - i, &cp);
		if (l == 1 && p[i] >= 0x20 && p[i] < 0x7f) {
			i++;
			continue;
		}
		if (l && cp >= 0xa0) {
			i += l;
			continue;
		}
		if (l && cp == '\n' && keep_newline) {
			i++;
			continue;
		}
		txt_buf_put(b, s + plain, i - plain);
		if (l > 1) /* a C1 control character */
			txt_buf_printf(b, "\\u%04x", (unsigned)cp);
		else
			txt_buf_printf(b, "\\x%02x", p[i]);
		i += l ? l : 1;
		plain = i;
	}
	txt_buf_put(b, s + plain, n - plain);
}

void txt_write_escaped(FILE *f, const char *s, size_t n, bool keep_newline)
{
	struct txt_buf b = { 0 };
	txt_escape(&b, s, n, keep_newline);
	if (b.len)
		fwrite(b.s, 1, b.len, f);
	txt_buf_free(&b);
}

/* The byte offset of character k of s[0..n) (n when s has fewer). */
static size_t char_offset(const char *s, size_t n, size_t k)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;
	while (k-- > 0 && i < n) {
		size_t l = txt_utf8_seq(p + i, n - i, &cp);
		i += l ? l : 1;
	}
	return i;
}

static size_t chars_in(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, c = 0;
	uint32_t cp;
	for (; i < n; c++) {
		size_t l = txt_utf8_seq(p + i, n - i, &cp);
		i += l ? l : 1;
	}
	return c;
}

/* One paragraph (no newline) of n bytes. */
static void wrap_paragraph(FILE *f, const char *p, size_t n, size_t width)
{
	for (;;) {
		if (chars_in(p, n) <= width) {
			fprintf(f, "%.*s\n", (int)n, p);
			return;
		}
		/* Break at the last space among the first width + 1 characters (a space just
		 * after a full line ends it), else after width characters. */
		size_t end = char_offset(p, n, width);
		size_t cut = end;
		while (cut > 0 && p[cut] != ' ')
			cut--;
		if (cut == 0) {
			fprintf(f, "%.*s\n", (int)end, p);
			p += end;
			n -= end;
		} else {
			fprintf(f, "%.*s\n", (int)cut, p);
			p += cut + 1;
			n -= cut + 1;
		}
		if (n == 0)
			return;
	}
}

void txt_wrap(FILE *f, const char *text, size_t width)
{
	const char *p = text;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n == 0 && nl)
			fputc('\n', f);
		else if (n)
			wrap_paragraph(f, p, n, width);
		if (!nl)
			return;
		p = nl + 1;
	}
}

void txt_json_escape(struct txt_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	/* Names and amounts are plain ASCII: one pass copies them. */
	while (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
		i++;
	if (!p[i]) {
		reserve(b, i + 2);
		b->s[b->len] = '"';
		memcpy(b->s + b->len + 1, s, i);
		b->s[b->len + 1 + i] = '"';
		b->len += i + 2;
		b->s[b->len] = '\0';
		return;
	}
	size_t n = i + strlen(s + i);
	txt_buf_put(b, "\"", 1);
	size_t plain = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		uint32_t cp;
		size_t l = c < 0x80 ? 1 : txt_utf8_seq(p + i, n - i, &cp);
		if (l > 1) {
			i += l;
			continue;
		}
		txt_buf_put(b, s + plain, i - plain);
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };
			txt_buf_put(b, esc, 2);
		} else if (l == 1) {
			txt_buf_printf(b, "\\u%04x", c);
		} else {
			txt_buf_put(b, "\\ufffd", 6);
		}
		i++;
		plain = i;
	}
	txt_buf_put(b, s + plain, n - plain);
	txt_buf_put(b, "\"", 1);
}

void txt_json_string(FILE *f, const char *s)
{
	struct txt_buf b = { 0 };
	txt_json_escape(&b, s);
	fwrite(b.s, 1, b.len, f);
	txt_buf_free(&b);
}

char *txt_utf8_repaired(const char *s)
{
	if (txt_utf8_valid(s))
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	struct txt_buf b = { 0 };
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = txt_utf8_seq(p + i, n - i, &cp);
		if (l) {
			txt_buf_put(&b, s + i, l);
			i += l;
		} else {
			txt_buf_put(&b, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	if (!b.s)
		txt_buf_put(&b, "", 0);
	return b.s;
}
