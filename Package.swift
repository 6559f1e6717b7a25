// swift-tools-version: 6.1
import PackageDescription

// Module graph (each arrow is "depends on"):
//   pier (CLI) -> PierProtocol, PierCoordination, PierBroker, PierClient, PierPerf, PierObservability
//   PierRecords -> CCRC32C, compression system libraries   (record batches, no network)
//   PierProtocol -> NIOCore                                  (codecs know nothing of storage)
//   PierStorage -> PierRecords, GRDB                         (partition logs; knows nothing of the network)
//   PierCoordination -> GRDB                                 (the ZnodeStore protocol; znodes in SQLite)
//   PierZooKeeper -> PierCoordination, CZooKeeper            (the ZnodeStore protocol over an Apache ZooKeeper ensemble)
//   PierSecurity -> X509, Crypto, GRDB                      (principals, SASL/SCRAM, credentials; knows nothing of the network)
//   PierBroker -> PierProtocol, PierStorage, PierCoordination, PierZooKeeper, PierSecurity, PierClient, NIOCore, NIOSSL
//                                                           (connections, handlers, topics, replication; followers fetch through PierClient)
//   PierClient -> PierProtocol, PierRecords, NIOPosix        (a small Kafka client; knows nothing of the broker)
//   PierPerf -> PierClient, Histogram                        (the load generators behind `pier perf`)
//   PierObservability -> NIOHTTP1, Prometheus, Logging       (admin listener, Prometheus registry, JSON logs; knows nothing of the broker)
//   PierTools -> PierClient, PierStorage, Crypto             (topic/group admin, produce/consume, replay, sql, dump-log)
//   pier-codegen (PierCodegen) writes Sources/PierProtocol/Generated from schema/kafka.
let package = Package(
    name: "pier",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pier", targets: ["pier"]),
        .executable(name: "pier-codegen", targets: ["pier-codegen"]),
        .library(name: "PierProtocol", targets: ["PierProtocol"]),
        .library(name: "PierRecords", targets: ["PierRecords"]),
        .library(name: "PierStorage", targets: ["PierStorage"]),
        .library(name: "PierCoordination", targets: ["PierCoordination"]),
        .library(name: "PierZooKeeper", targets: ["PierZooKeeper"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.0"),
    ],
    targets: [
        // MARK: Wire protocol
        .target(
            name: "PierProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(name: "PierCodegen"),
        .executableTarget(name: "pier-codegen", dependencies: ["PierCodegen"]),

        // MARK: Record batches
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

        // MARK: Storage
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
        // Appends until SIGKILLed; the crash-safety tests drive it (engine chosen by name).
        .executableTarget(
            name: "pier-storage-crash-writer",
            dependencies: [
                "PierStorage", "PierRecords",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),

        // MARK: Coordination
        .target(
            name: "PierCoordination",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(name: "PierZooKeeper", dependencies: ["PierCoordination", "CZooKeeper"]),
        // Debian's libzookeeper-mt-dev has no pkg-config file: the module map names the header path.
        .systemLibrary(name: "CZooKeeper", providers: [.apt(["libzookeeper-mt-dev"]), .brew(["zookeeper"])]),

        // MARK: Security (principals, SASL mechanisms, credentials in SQLite; no network, no broker)
        .target(
            name: "PierSecurity",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),

        // MARK: Broker
        .target(
            name: "PierBroker",
            dependencies: [
                "PierProtocol", "PierRecords", "PierStorage", "PierCoordination", "PierZooKeeper", "PierSecurity",
                // Followers fetch from leaders over the same small Kafka client the tools use.
                "PierClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: Observability (admin HTTP listener: /metrics, /health, /ready; JSON logs)
        .target(
            name: "PierObservability",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: Client and load tools
        .target(
            name: "PierClient",
            dependencies: [
                "PierProtocol", "PierRecords",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PierPerf",
            dependencies: [
                "PierClient", "PierProtocol", "PierRecords",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),

        // The operator and auditor tools behind `pier topic|group|produce|consume|replay|sql|dump-log`.
        .target(
            name: "PierTools",
            dependencies: [
                "PierClient", "PierPerf", "PierProtocol", "PierRecords", "PierStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),

        // MARK: Command-line tool
        .executableTarget(
            name: "pier",
            dependencies: [
                "PierProtocol",
                "PierCoordination",
                "PierZooKeeper",
                "PierBroker",
                "PierClient",
                "PierPerf",
                "PierObservability",
                "PierTools",
                "PierSecurity",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: Tests
        .target(name: "PierTestSupport", path: "Tests/PierTestSupport"),
        .testTarget(
            name: "PierProtocolTests",
            dependencies: [
                "PierProtocol",
                "PierCodegen",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PierRecordsTests",
            dependencies: [
                "PierRecords", "CCRC32C",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "PierStorageTests",
            dependencies: ["PierStorage", "PierRecords", "pier-storage-crash-writer", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "PierInteropTests",
            dependencies: ["PierProtocol", "PierRecords", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "PierCoordinationTests",
            dependencies: ["PierCoordination", "PierTestSupport"]
        ),
        // The ZnodeStore conformance suite (on SQLite and on ZooKeeper) and the ZooKeeper store's own tests.
        .testTarget(
            name: "PierZooKeeperTests",
            dependencies: ["PierZooKeeper", "PierCoordination", "CZooKeeper", "PierTestSupport"]
        ),
        .testTarget(
            name: "PierSecurityTests",
            dependencies: ["PierSecurity", .product(name: "X509", package: "swift-certificates")]
        ),
        .testTarget(
            name: "PierBrokerTests",
            dependencies: [
                "PierBroker", "PierClient", "PierCoordination", "PierProtocol", "PierRecords", "PierStorage", "PierTestSupport",
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "PierClientTests",
            dependencies: [
                "PierClient", "PierProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PierObservabilityTests",
            dependencies: [
                "PierObservability", .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PierPerfTests",
            dependencies: ["PierPerf", "PierRecords", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "PierToolsTests",
            dependencies: ["PierTools", "PierRecords", "PierStorage", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "PierCLITests",
            dependencies: [
                "pier", "PierCoordination", "PierTestSupport", "PierClient", "PierRecords", "PierSecurity",
                .product(name: "NIOCore", package: "swift-nio"),
                // An independent SHA-256 of produced records, to check `pier replay --verify` against.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // MARK: Benchmarks (swift package --allow-writing-to-package-directory benchmark)
        .executableTarget(
            name: "ProtocolBenchmarks",
            dependencies: [
                "PierProtocol",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/ProtocolBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
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
    ]
)
