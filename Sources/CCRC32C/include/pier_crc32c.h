#ifndef PIER_CRC32C_H
#define PIER_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) as Kafka's RecordBatch v2 uses it.
///
/// All entry points take and return the *finalized* CRC value (pre- and post-inverted), so a
/// checksum over `a ++ b` equals `pier_crc32c(pier_crc32c(0, a), b)`; pass 0 to start.

/// Best implementation available on this CPU (chosen once, at first use).
uint32_t pier_crc32c(uint32_t crc, const void *bytes, size_t length);

/// Table-driven slicing-by-8; runs everywhere. Exposed so tests and benchmarks can force it.
uint32_t pier_crc32c_portable(uint32_t crc, const void *bytes, size_t length);

/// The CPU's CRC32C instruction (SSE4.2 on x86_64, ARMv8 CRC on aarch64).
/// Only call this when pier_crc32c_hardware_available() returns 1.
uint32_t pier_crc32c_hardware(uint32_t crc, const void *bytes, size_t length);

/// 1 when this CPU and this build can run pier_crc32c_hardware, else 0.
int pier_crc32c_hardware_available(void);

#ifdef __cplusplus
}
#endif

#endif
