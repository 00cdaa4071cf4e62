/* util.c — the loaders' shared helpers (util.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* MADV_HUGEPAGE */
#endif
#include "util.h"
#include "nano.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef __EMSCRIPTEN__
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

/* The header is 256 bytes; its first two u32 are the magic "S4DBMLRU" (NANO-FORMAT.md §1). */
#define NANO_HEADER_BYTES 256
#define NANO_MAGIC0 0x42443453u
#define NANO_MAGIC1 0x55524C4Du

int nano_check_header_magic(const uint8_t *data, size_t len, const char *what, char *err,
                            size_t errlen) {
    if (len < NANO_HEADER_BYTES)
        return nano_fail(err, errlen, NANO_E_FORMAT,
                         "%s file is %zu bytes, shorter than the %d-byte header", what, len,
                         NANO_HEADER_BYTES);
    uint32_t magic0 = read_u32(data), magic1 = read_u32(data + 4);
    if (magic0 != NANO_MAGIC0 || magic1 != NANO_MAGIC1)
        return nano_fail(err, errlen, NANO_E_FORMAT,
                         "not a Nano %s file (magic is 0x%08X 0x%08X, expected 0x%08X 0x%08X)",
                         what, magic0, magic1, NANO_MAGIC0, NANO_MAGIC1);
    return NANO_OK;
}

/* Files at least this big are read into memory advised to use huge pages. */
#define HUGEPAGE_THRESHOLD (2u << 20)

int nano_fail(char *err, size_t errlen, int code, const char *fmt, ...) {
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

#ifdef __EMSCRIPTEN__
/* Read a whole file into malloc'd memory. */
int nano_read_file(const char *path, uint8_t **data, size_t *len, int *is_mmap, char *err,
                   size_t errlen) {
    *is_mmap = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return nano_fail(err, errlen, NANO_E_IO, "cannot open the file: %s", strerror(errno));
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return nano_fail(err, errlen, NANO_E_IO, "cannot read the file");
    }
    uint8_t *buf = malloc(size > 0 ? (size_t)size : 1);
    if (!buf) {
        fclose(f);
        return nano_fail(err, errlen, NANO_E_NOMEM, "out of memory reading the file (%ld bytes)",
                         size);
    }
    size_t got = fread(buf, 1, (size_t)size, f);
    fclose(f);
    if (got != (size_t)size) {
        free(buf);
        return nano_fail(err, errlen, NANO_E_IO, "cannot read the file");
    }
    *data = buf;
    *len = (size_t)size;
    return NANO_OK;
}
#else
/* Read a whole file into memory we own. Big files go into anonymous memory advised to use huge
 * pages: decoding streams every weight once per token, and 4 KiB pages would cost a TLB miss
 * every 4 KiB. (A file mapping would not get huge pages from most filesystems.) */
int nano_read_file(const char *path, uint8_t **data, size_t *len, int *is_mmap, char *err,
                   size_t errlen) {
    *is_mmap = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return nano_fail(err, errlen, NANO_E_IO, "cannot open the file: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return nano_fail(err, errlen, NANO_E_IO, "not a regular file");
    }
    if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX / 2) {
        close(fd);
        return nano_fail(err, errlen, NANO_E_NOMEM, "the file is too large to load");
    }
    size_t size = (size_t)st.st_size;
    uint8_t *buf = NULL;
    if (size >= HUGEPAGE_THRESHOLD) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) {
#ifdef MADV_HUGEPAGE
            madvise(p, size, MADV_HUGEPAGE);
#endif
            buf = p;
            *is_mmap = 1;
        }
    }
    if (!buf) buf = malloc(size > 0 ? size : 1);
    if (!buf) {
        close(fd);
        return nano_fail(err, errlen, NANO_E_NOMEM, "out of memory reading the file (%zu bytes)",
                         size);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (got != size) {
        if (*is_mmap)
            munmap(buf, size);
        else
            free(buf);
        *is_mmap = 0;
        return nano_fail(err, errlen, NANO_E_IO, "cannot read the file (got %zu of %zu bytes)", got,
                         size);
    }
    *data = buf;
    *len = size;
    return NANO_OK;
}
#endif

void nano_release_file(uint8_t *data, size_t len, int is_mmap) {
#ifndef __EMSCRIPTEN__
    if (is_mmap) {
        munmap(data, len);
        return;
    }
#endif
    (void)len, (void)is_mmap;
    free(data);
}

void *nano_alloc_big(size_t bytes) {
    if (bytes == 0) bytes = 64;
#ifndef __EMSCRIPTEN__
    if (bytes >= HUGEPAGE_THRESHOLD) {
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
        madvise(p, bytes, MADV_HUGEPAGE);
#endif
        return p; /* anonymous pages read as zeros */
    }
#endif
    size_t rounded = (bytes + 63) / 64 * 64;
    void *p = aligned_alloc(64, rounded);
    if (p) memset(p, 0, rounded);
    return p;
}

void nano_free_big(void *p, size_t bytes) {
    if (!p) return;
    if (bytes == 0) bytes = 64;
#ifndef __EMSCRIPTEN__
    if (bytes >= HUGEPAGE_THRESHOLD) {
        munmap(p, bytes);
        return;
    }
#endif
    free(p);
}
