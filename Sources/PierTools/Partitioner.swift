/// Kafka's default partitioner for keyed records: murmur2 of the key bytes, sign bit cleared,
/// modulo the partition count, so `pier produce` puts a key where the Java client would.
public enum KeyPartitioner {
    public static func partition(forKey key: some Collection<UInt8>, partitionCount: Int32) -> Int32 {
        Int32((murmur2(key) & 0x7fff_ffff) % UInt32(partitionCount))
    }

    /// MurmurHash2, 32-bit, seed 0x9747b28c, as Kafka's `Utils.murmur2`.
    static func murmur2(_ data: some Collection<UInt8>) -> UInt32 {
        let bytes = Array(data)
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: bytes.count)
        let blocks = bytes.count / 4
        for block in 0..<blocks {
            let i = block * 4
            var k = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
            k = k &* m
            k ^= k >> r
            k = k &* m
            h = h &* m
            h ^= k
        }
        let tail = blocks * 4
        switch bytes.count % 4 {
        case 3:
            h ^= UInt32(bytes[tail + 2]) << 16
            fallthrough
        case 2:
            h ^= UInt32(bytes[tail + 1]) << 8
            fallthrough
        case 1:
            h ^= UInt32(bytes[tail])
            h = h &* m
        default: break
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return h
    }
}
