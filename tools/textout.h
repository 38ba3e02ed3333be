/* Text that reaches a terminal or a JSON reader: the scenario's strings (names,
 * descriptions, ids) come from other people, so every output escapes what could
 * take a terminal over (control characters, invalid UTF-8) and keeps JSON valid.
 * Text is measured and wrapped in UTF-8 characters, never split inside one. */
#ifndef L2SIM_TOOLS_TEXTOUT_H
#define L2SIM_TOOLS_TEXTOUT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A growable NUL-terminated string. Zero-initialise; txt_buf_free releases it. */
struct txt_buf {
	char *s;
	size_t len, cap;
};
void txt_buf_free(struct txt_buf *b);
void txt_buf_put(struct txt_buf *b, const char *s, size_t n);
__attribute__((format(printf, 2, 3))) void txt_buf_printf(struct txt_buf *b, const char *fmt, ...);
__attribute__((format(printf, 2, 0))) void txt_buf_vprintf(struct txt_buf *b, const char *fmt, va_list ap);

/* The length (1..4) of the valid UTF-8 sequence at s (at most n bytes), or 0 when it
 * is not one (overlong forms, surrogates and code points above U+10FFFF are not). */
size_t txt_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);
bool txt_utf8_valid(const char *s);
/* Characters (code points) in a valid UTF-8 string; an invalid byte counts as one. */
size_t txt_chars(const char *s);

/* Appends s[0..n) with every control character (C0, DEL, C1) and every byte of an
 * invalid sequence escaped: \xNN for a byte, \u00NN for a C1 character. A newline is
 * kept when keep_newline. The result is printable UTF-8. */
void txt_escape(struct txt_buf *b, const char *s, size_t n, bool keep_newline);
/* fwrite of the escaped s[0..n). */
void txt_write_escaped(FILE *f, const char *s, size_t n, bool keep_newline);

/* Writes text in lines of at most width characters, breaking at spaces (a word longer
 * than a line is broken between two characters); a newline in text starts a new line. */
void txt_wrap(FILE *f, const char *text, size_t width);

/* Appends s as a JSON string ("..." with \" \\ and \u escapes; an invalid UTF-8 byte
 * becomes \ufffd), so that every line of the trace parses. */
void txt_json_escape(struct txt_buf *b, const char *s);
/* The same, written to f. */
void txt_json_string(FILE *f, const char *s);
/* A copy of s (malloc'd) whose invalid UTF-8 bytes are U+FFFD: for strings handed to
 * cJSON, which escapes control characters but copies bytes. NULL when s is already
 * valid (use s itself). */
char *txt_utf8_repaired(const char *s);

#endif
