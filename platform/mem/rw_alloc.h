/*
 * What the allocator really holds for an allocation: the memory
 * accounting's (used_memory, maxmemory) one source of truth about it, so
 * the figures stay honest under both builds.
 *
 * glibc (the normal build): a chunk is the usable size plus an 8-byte size
 * header (malloc_usable_size() already includes glibc's rounding).
 *
 * ASan (-Dsanitize=true): malloc_usable_size() returns the size asked for,
 * while ASan's allocator holds much more. Per allocation it adds a left
 * redzone that grows with the size (16 B up to 48 B asked, 32 B up to 96,
 * 64 up to 448, 128 up to 3968, ... 2 KB beyond 63 KB; the chunk header
 * lives in it), rounds the sum up to its size class (16-byte steps up to
 * 256 B, then four classes per power of two; mmap beyond 128 KB), and keeps
 * one shadow byte per 8 bytes of it (compiler-rt asan_allocator.cpp
 * ComputeRZLog, sanitizer_size_class_map.h DefaultSizeClassMap). A 1000-byte
 * value costs 1280 + 160 bytes there, not 1008: counting 1008 made
 * used_memory trail resident memory by a third under ASan.
 *
 * What neither build counts here, because no live allocation owns it:
 * glibc's free chunks (dataplane/core/dp_mem.c watches them) and ASan's
 * quarantine of freed chunks (held on purpose to catch use after free; up
 * to 256 MB by default, released by rw_alloc_release()).
 *
 * Context: any thread; pure arithmetic except rw_alloc_release().
 */
#ifndef RW_ALLOC_H
#define RW_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__SANITIZE_ADDRESS__)
#define RW_ALLOC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RW_ALLOC_ASAN 1
#endif
#endif
#ifndef RW_ALLOC_ASAN
#define RW_ALLOC_ASAN 0
#endif

/** Is this the ASan build (its allocator, not glibc's)? */
static inline bool rw_alloc_asan(void)
{
	return RW_ALLOC_ASAN;
}

/**
 * Bytes the allocator holds for one live allocation whose
 * malloc_usable_size() is @p usable (0 for none: 0).
 */
uint64_t rw_alloc_cost(size_t usable);

/** The glibc model of rw_alloc_cost() (unit tests check both). */
uint64_t rw_alloc_cost_glibc(size_t usable);
/** The ASan model of rw_alloc_cost(). */
uint64_t rw_alloc_cost_asan(size_t usable);

/**
 * Hand free memory back to the kernel: glibc's malloc_trim(0), or under
 * ASan draining its quarantine and releasing its free pages
 * (__sanitizer_purge_allocator()). MEMORY PURGE and the resident-memory
 * watch call it. Context: may take allocator locks briefly; not per command.
 */
void rw_alloc_release(void);

#endif
