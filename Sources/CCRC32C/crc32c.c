// CRC-32C for Kafka record batches: hardware instruction when the CPU has one,
// slicing-by-8 tables otherwise. Everything works on the raw (un-inverted) CRC register;
// the public functions invert on entry and exit.

#include "pier_crc32c.h"

#include <string.h>

#if defined(__x86_64__) || defined(_M_X64)
#define PIER_CRC32C_X86 1
#include <nmmintrin.h>
#elif defined(__aarch64__)
#define PIER_CRC32C_ARM 1
#include <arm_acle.h>
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
#endif
#endif

#define CASTAGNOLI_REFLECTED 0x82F63B78u

// slicing_table[k][b]: register contribution of byte b followed by k zero bytes.
static uint32_t slicing_table[8][256];

// Zero-extension operators for the interleaved hardware path: the effect on the register of
// appending N zero bytes, split per register byte so it costs four lookups.
// LONG and SHORT are the per-stream lengths of the three interleaved streams.
#define LONG_STREAM 8192
#define SHORT_STREAM 256
static uint32_t shift_long[4][256];
static uint32_t shift_short[4][256];

static int hardware_available;

static uint32_t register_after_zero_bytes(uint32_t reg, size_t count) {
    while (count--) {
        reg = slicing_table[0][reg & 0xFF] ^ (reg >> 8);
    }
    return reg;
}

static void build_shift_table(uint32_t table[4][256], size_t zero_bytes) {
    // The operator is linear over GF(2): compute it for each of the 32 single-bit registers,
    // then each table entry is the XOR of the images of the bits it has set.
    uint32_t bit_images[32];
    for (int bit = 0; bit < 32; bit++) {
        bit_images[bit] = register_after_zero_bytes((uint32_t)1 << bit, zero_bytes);
    }
    for (int position = 0; position < 4; position++) {
        for (int value = 0; value < 256; value++) {
            uint32_t image = 0;
            for (int bit = 0; bit < 8; bit++) {
                if (value & (1 << bit)) image ^= bit_images[position * 8 + bit];
            }
            table[position][value] = image;
        }
    }
}

static inline uint32_t apply_shift(const uint32_t table[4][256], uint32_t reg) {
    return table[0][reg & 0xFF] ^ table[1][(reg >> 8) & 0xFF] ^ table[2][(reg >> 16) & 0xFF] ^ table[3][reg >> 24];
}

static int detect_hardware(void) {
#if defined(PIER_CRC32C_X86)
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
#elif defined(PIER_CRC32C_ARM) && defined(__APPLE__)
    return 1; // every Apple arm64 CPU implements the ARMv8 CRC extension
#elif defined(PIER_CRC32C_ARM) && defined(__linux__)
    return (getauxval(AT_HWCAP) & HWCAP_CRC32) ? 1 : 0;
#else
    return 0;
#endif
}

// Runs when the library is loaded, before any Swift code can call in, so no locking is needed.
__attribute__((constructor)) static void pier_crc32c_initialize(void) {
    for (uint32_t value = 0; value < 256; value++) {
        uint32_t reg = value;
        for (int bit = 0; bit < 8; bit++) {
            reg = (reg & 1) ? (reg >> 1) ^ CASTAGNOLI_REFLECTED : reg >> 1;
        }
        slicing_table[0][value] = reg;
    }
    for (uint32_t value = 0; value < 256; value++) {
        for (int k = 1; k < 8; k++) {
            uint32_t previous = slicing_table[k - 1][value];
            slicing_table[k][value] = slicing_table[0][previous & 0xFF] ^ (previous >> 8);
        }
    }
    build_shift_table(shift_long, LONG_STREAM);
    build_shift_table(shift_short, SHORT_STREAM);
    hardware_available = detect_hardware();
}

static inline uint64_t load_le64(const unsigned char *p) {
    uint64_t word;
    memcpy(&word, p, sizeof word);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    word = __builtin_bswap64(word);
#endif
    return word;
}

uint32_t pier_crc32c_portable(uint32_t crc, const void *bytes, size_t length) {
    const unsigned char *p = (const unsigned char *)bytes;
    uint32_t reg = ~crc;
    while (length >= 8) {
        uint64_t word = load_le64(p) ^ reg;
        reg = slicing_table[7][word & 0xFF] ^ slicing_table[6][(word >> 8) & 0xFF] ^
              slicing_table[5][(word >> 16) & 0xFF] ^ slicing_table[4][(word >> 24) & 0xFF] ^
              slicing_table[3][(word >> 32) & 0xFF] ^ slicing_table[2][(word >> 40) & 0xFF] ^
              slicing_table[1][(word >> 48) & 0xFF] ^ slicing_table[0][word >> 56];
        p += 8;
        length -= 8;
    }
    while (length--) {
        reg = slicing_table[0][(reg ^ *p++) & 0xFF] ^ (reg >> 8);
    }
    return ~reg;
}

#if defined(PIER_CRC32C_X86)
#define HW_TARGET __attribute__((target("sse4.2")))
#define HW_CRC8(reg, byte) _mm_crc32_u8((reg), (byte))
#define HW_CRC64(reg, word) ((uint32_t)_mm_crc32_u64((reg), (word)))
#elif defined(PIER_CRC32C_ARM)
#define HW_TARGET __attribute__((target("+crc")))
#define HW_CRC8(reg, byte) __crc32cb((reg), (byte))
#define HW_CRC64(reg, word) __crc32cd((reg), (word))
#endif

#if defined(HW_TARGET)
// Three independent streams of `stream` bytes each, combined with the zero-extension operator:
// the CRC instruction has a latency of ~3 cycles but can start one per cycle, so one stream
// would leave two thirds of the unit idle.
HW_TARGET static inline uint32_t hardware_three_streams(uint32_t reg, const unsigned char **cursor, size_t stream,
                                                        const uint32_t shift[4][256]) {
    const unsigned char *p = *cursor;
    const unsigned char *end = p + stream;
    uint32_t reg1 = 0, reg2 = 0;
    do {
        reg = HW_CRC64(reg, load_le64(p));
        reg1 = HW_CRC64(reg1, load_le64(p + stream));
        reg2 = HW_CRC64(reg2, load_le64(p + 2 * stream));
        p += 8;
    } while (p < end);
    reg = apply_shift(shift, reg) ^ reg1;
    reg = apply_shift(shift, reg) ^ reg2;
    *cursor = p + 2 * stream;
    return reg;
}

HW_TARGET uint32_t pier_crc32c_hardware(uint32_t crc, const void *bytes, size_t length) {
    const unsigned char *p = (const unsigned char *)bytes;
    uint32_t reg = ~crc;
    // Align to 8 bytes so the 64-bit loads never straddle a cache line needlessly.
    while (length > 0 && ((uintptr_t)p & 7) != 0) {
        reg = HW_CRC8(reg, *p++);
        length--;
    }
    while (length >= 3 * LONG_STREAM) {
        reg = hardware_three_streams(reg, &p, LONG_STREAM, shift_long);
        length -= 3 * LONG_STREAM;
    }
    while (length >= 3 * SHORT_STREAM) {
        reg = hardware_three_streams(reg, &p, SHORT_STREAM, shift_short);
        length -= 3 * SHORT_STREAM;
    }
    while (length >= 8) {
        reg = HW_CRC64(reg, load_le64(p));
        p += 8;
        length -= 8;
    }
    while (length--) {
        reg = HW_CRC8(reg, *p++);
    }
    return ~reg;
}
#else
uint32_t pier_crc32c_hardware(uint32_t crc, const void *bytes, size_t length) {
    // No CRC instruction in this build; callers are told so by pier_crc32c_hardware_available().
    return pier_crc32c_portable(crc, bytes, length);
}
#endif

int pier_crc32c_hardware_available(void) {
    return hardware_available;
}

uint32_t pier_crc32c(uint32_t crc, const void *bytes, size_t length) {
    return hardware_available ? pier_crc32c_hardware(crc, bytes, length) : pier_crc32c_portable(crc, bytes, length);
}
