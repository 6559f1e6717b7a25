// swift-tools-version: 6.1
import PackageDescription

// Module graph (each arrow is "depends on"):
//   pier (CLI) -> PierProtocol, PierRecords, PierStorage
//   PierStorage -> PierRecords          (storage knows nothing of the network)
//   PierRecords -> CCRC32C, compression system libraries
//   PierProtocol -> NIOCore             (codecs know nothing of storage)
//   pier-codegen generates Sources/PierProtocol/Generated from schema/kafka/messages.
let package = Package(
    name: "pier",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pier", targets: ["pier"]),
        .library(name: "PierProtocol", targets: ["PierProtocol"]),
        .library(name: "PierRecords", targets: ["PierRecords"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Kafka RecordBatch v2 model, CRC32C and compression codecs.
        .target(
            name: "PierRecords",
            dependencies: [
                "CCRC32C", "CZlib", "CSnappy", "CLZ4", "CZstd",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(name: "CCRC32C"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"]), .brew(["snappy"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"]), .brew(["lz4"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .testTarget(
            name: "PierRecordsTests",
            dependencies: [
                "PierRecords", "CCRC32C",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["Fixtures"]
        ),
        .executableTarget(
            name: "RecordsBenchmarks",
            dependencies: [
                "PierRecords", "CCRC32C", "CZlib", "CSnappy", "CLZ4", "CZstd",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/RecordsBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The partition engines against each other and against SQLite's C API driven directly.
        .executableTarget(
            name: "StorageBenchmarks",
            dependencies: [
                "PierStorage", "PierRecords",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/StorageBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .target(
            name: "PierProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "PierStorage",
            dependencies: [
                "PierRecords",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // The C API of the same SQLite GRDB links, for the append and fetch hot paths.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        .executableTarget(
            name: "pier",
            dependencies: [
                "PierProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PierProtocolTests",
            dependencies: [
                "PierProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Appends until SIGKILLed; the crash-safety tests drive it (engine chosen by name).
        .executableTarget(
            name: "pier-storage-crash-writer",
            dependencies: [
                "PierStorage", "PierRecords",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "PierStorageTests",
            dependencies: ["PierStorage", "PierRecords", "pier-storage-crash-writer", .product(name: "NIOCore", package: "swift-nio")]
        ),
    ]
)
