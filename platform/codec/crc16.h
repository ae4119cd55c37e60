/*
 * CRC16-CCITT (XMODEM) as Redis Cluster uses it, and the key -> slot map.
 * Pure C; linked by both processes.
 */
#ifndef RW_CRC16_H
#define RW_CRC16_H

#include <stddef.h>
#include <stdint.h>

#define RW_SLOTS 16384

uint16_t rw_crc16(const void *p, size_t n);
/** Redis Cluster's keyHashSlot(): CRC16 of the {hash tag} if a non-empty one exists. */
uint16_t rw_key_slot(const void *key, size_t n);

#endif
