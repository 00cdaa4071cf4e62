/* util.h — small helpers shared by the loaders (model.c, tokenizer.c, lora.c): error messages,
 * little-endian reads of untrusted bytes, reading a whole file into memory, and big buffers. */
#ifndef NANO_UTIL_H
#define NANO_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* A little-endian u32 / i32 at any address (file fields need not be aligned). */
static inline uint32_t read_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline int32_t read_i32(const uint8_t *p) {
    return (int32_t)read_u32(p);
}

/* Write a printf-style one-line message into err (when errlen > 0) and return `code`. */
int nano_fail(char *err, size_t errlen, int code, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Check a file's length covers the 256-byte header and its magic reads "BD4SURLM";
 * `what` names the expected kind in the message ("model", "LoRA"). */
int nano_check_header_magic(const uint8_t *data, size_t len, const char *what, char *err,
                            size_t errlen);

/* Read a whole regular file into memory we own; *is_mmap says how to release it. */
int nano_read_file(const char *path, uint8_t **data, size_t *len, int *is_mmap, char *err,
                   size_t errlen);
/* Release what nano_read_file returned. */
void nano_release_file(uint8_t *data, size_t len, int is_mmap);

/* Zeroed, 64-byte-aligned memory for a big buffer the forward pass sweeps at every token (the
 * KV cache). From 2 MiB on, on Linux, anonymous pages advised to be huge, as a model's weights
 * are: with 4 KiB pages, each token's scattered key stores and the attention sweeps took a TLB
 * miss every few cache lines (measured: Q8_0 decode ~10% slower at 1 thread). NULL if out of
 * memory. Release with nano_free_big and the same size. */
void *nano_alloc_big(size_t bytes);
void nano_free_big(void *p, size_t bytes);

#endif /* NANO_UTIL_H */
