/*
 * CRC64 as Redis computes it for RDB files and DUMP/RESTORE payloads: the
 * "Jones" polynomial 0xad93d23594c935a9, reflected input and output, init 0,
 * no final xor. Pure C; linked by both processes.
 */
#ifndef RW_CRC64_H
#define RW_CRC64_H

#include <stddef.h>
#include <stdint.h>

/**
 * Continue a CRC64 over @p n bytes; start with crc = 0.
 * crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca.
 * Context: any thread.
 */
uint64_t rw_crc64(uint64_t crc, const void *p, size_t n);

#endif
