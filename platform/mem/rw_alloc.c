/*
 * Allocator cost models and release (see rw_alloc.h).
 */
#include "rw_alloc.h"

#include <malloc.h>

#define GLIBC_SIZE_HEADER 8u

uint64_t rw_alloc_cost_glibc(size_t usable)
{
	return usable == 0 ? 0 : (uint64_t)usable + GLIBC_SIZE_HEADER;
}

/* ComputeRZLog(): the left redzone (which holds the 16-byte chunk header)
 * for a request of @p n bytes, with the default redzone=16, max_redzone=2048. */
static uint64_t asan_redzone(uint64_t n)
{
	static const uint64_t upto[] = {64 - 16,	 128 - 32,	  512 - 64,
					4096 - 128,	 (1 << 14) - 256, (1 << 15) - 512,
					(1 << 16) - 1024};
	unsigned log = 0;
	while (log < sizeof(upto) / sizeof(upto[0]) && n > upto[log])
		log++;
	return 16u << log;
}

/* DefaultSizeClassMap: 16-byte classes up to 256, then four per power of
 * two up to 128 KB; larger chunks are mmapped whole pages plus a page for
 * the secondary allocator's header. */
static uint64_t asan_class(uint64_t n)
{
	if (n <= 256)
		return (n + 15) & ~(uint64_t)15;
	if (n > (1u << 17))
		return ((n + 4095) & ~(uint64_t)4095) + 4096;
	unsigned l = 63 - (unsigned)__builtin_clzll(n);
	uint64_t base = 1ull << l, step = base >> 2;
	return base + ((n - base + step - 1) / step) * step;
}

uint64_t rw_alloc_cost_asan(size_t usable)
{
	if (usable == 0)
		return 0;
	uint64_t n = usable < 16 ? 16 : ((uint64_t)usable + 7) & ~(uint64_t)7;
	uint64_t chunk = asan_class(n + asan_redzone(usable));
	return chunk + chunk / 8; /* one shadow byte per 8 bytes */
}

uint64_t rw_alloc_cost(size_t usable)
{
	return RW_ALLOC_ASAN ? rw_alloc_cost_asan(usable) : rw_alloc_cost_glibc(usable);
}

#if RW_ALLOC_ASAN
void __sanitizer_purge_allocator(void); /* <sanitizer/allocator_interface.h> */
#endif

void rw_alloc_release(void)
{
#if RW_ALLOC_ASAN
	__sanitizer_purge_allocator();
#else
	malloc_trim(0);
#endif
}
