import CCRC32C
import NIOCore
import Testing
@testable import PierRecords

@Suite struct CRC32CTests {
    static let checkValues: [(String, [UInt8], UInt32)] = [
        ("123456789", Array("123456789".utf8), 0xE306_9283),
        ("32 zero bytes", [UInt8](repeating: 0, count: 32), 0x8A91_36AA),
        ("32 0xFF bytes", [UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
        ("0..31 ascending", (0..<32).map { UInt8($0) }, 0x46DD_794E),
        ("empty", [], 0),
    ]

    @Test(arguments: CRC32C.Implementation.allCases)
    func publishedCheckValues(implementation: CRC32C.Implementation) {
        for (name, input, expected) in Self.checkValues {
            let actual = input.withUnsafeBytes { CRC32C.checksum($0, using: implementation) }
            #expect(actual == expected, "\(name) with \(implementation)")
        }
    }

    @Test func hardwarePathIsAvailableOnThisMachine() {
        #if arch(x86_64) || arch(arm64)
        // Every x86_64 server CPU since 2008 has SSE4.2; if this fails the hardware tests below prove nothing.
        #expect(CRC32C.isHardwareAccelerated)
        #endif
    }

    @Test func implementationsAgreeOnEveryLengthSeedAndAlignment() {
        var generator = SeededGenerator(seed: 0xC0FFEE)
        let pool = (0..<(300 + 64)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        pool.withUnsafeBytes { all in
            for length in 0...300 {
                for _ in 0..<4 {
                    let offset = Int.random(in: 0..<64, using: &generator)
                    let seed = UInt32.random(in: 0...UInt32.max, using: &generator)
                    let slice = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
                    let portable = CRC32C.checksum(slice, seed: seed, using: .portable)
                    let hardware = CRC32C.checksum(slice, seed: seed, using: .hardware)
                    let automatic = CRC32C.checksum(slice, seed: seed)
                    #expect(portable == hardware, "length \(length) offset \(offset) seed \(seed)")
                    #expect(portable == automatic)
                }
            }
        }
    }

    @Test func largeInputsExerciseInterleavedStreams() {
        // Sizes around the 3×256 and 3×8192 stream boundaries of the interleaved hardware loop.
        var generator = SeededGenerator(seed: 7)
        let pool = (0..<70_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        pool.withUnsafeBytes { all in
            for length in [767, 768, 769, 1536, 24_575, 24_576, 24_577, 49_152 + 777, 69_990] {
                for offset in [0, 1, 3, 7] {
                    let slice = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
                    #expect(CRC32C.checksum(slice, using: .portable) == CRC32C.checksum(slice, using: .hardware), "length \(length) offset \(offset)")
                }
            }
        }
    }

    @Test func checksumsChainThroughSeed() {
        let whole = Array("The quick brown fox jumps over the lazy dog".utf8)
        for split in 0...whole.count {
            let first = whole[..<split].withUnsafeBytes { CRC32C.checksum($0) }
            for implementation in CRC32C.Implementation.allCases {
                let chained = whole[split...].withUnsafeBytes { CRC32C.checksum($0, seed: first, using: implementation) }
                #expect(chained == whole.withUnsafeBytes { CRC32C.checksum($0) })
            }
        }
        #expect(CRC32C.checksum(ByteBuffer(bytes: whole)) == 0x2262_0404)
    }
}
