import Benchmark
import NIOCore
import PierProtocol

/// A Metadata v12 response for one topic with 1,000 partitions, each with 3 replicas, 3 in sync:
/// what a client asks for whenever it refreshes metadata on a wide topic.
func wideMetadataResponse() -> MetadataResponse {
    var topic = MetadataResponse.MetadataResponseTopic(name: "wide", topicId: KafkaUUID(mostSignificantBits: 1, leastSignificantBits: 2))
    topic.partitions = (0..<1000).map { index in
        MetadataResponse.MetadataResponsePartition(
            partitionIndex: Int32(index), leaderId: Int32(index % 3), leaderEpoch: 7,
            replicaNodes: [0, 1, 2], isrNodes: [0, 1, 2], offlineReplicas: []
        )
    }
    return MetadataResponse(
        brokers: (0..<3).map { MetadataResponse.MetadataResponseBroker(nodeId: Int32($0), host: "127.0.0.1", port: 9092 + Int32($0)) },
        clusterId: "pier", controllerId: 0, topics: [topic]
    )
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .microseconds,
        warmupIterations: 10,
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )

    let response = wideMetadataResponse()
    var encoded = ByteBuffer()
    try! response.encode(into: &encoded, version: 12)
    let size = encoded.readableBytes

    Benchmark("copy Metadata response bytes (baseline)") { benchmark in
        let source = Array(encoded.readableBytesView)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var copy = ByteBufferAllocator().buffer(capacity: size)
            copy.writeBytes(source)
            blackHole(copy)
        }
    }

    Benchmark("decode Metadata v12, 1000 partitions") { benchmark in
        for _ in benchmark.scaledIterations {
            var reading = encoded
            blackHole(try! MetadataResponse(from: &reading, version: 12))
        }
    }

    Benchmark("encode Metadata v12, 1000 partitions") { benchmark in
        for _ in benchmark.scaledIterations {
            var buffer = ByteBufferAllocator().buffer(capacity: size)
            try! response.encode(into: &buffer, version: 12)
            blackHole(buffer)
        }
    }
}
