import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// A broker whose coordination session expires while it is alive (SIGSTOPped past
    /// zookeeper.session.timeout.ms): the store ends the session and its registration, the controller
    /// moves its leaderships; once it runs again it learns of the expiry, registers with a new
    /// session and returns to the ISR by replicating, with nothing acknowledged lost. Per store.
    @Suite(.serialized) struct ClusterSessionExpiryTests {
        @Test(.enabled(if: ExternalTool.mustRun("python3") && ExternalTool.mustRun("sqlite3")), .timeLimit(.minutes(3)),
              arguments: ClusterStore.tested)
        func anExpiredBrokerRegistersAgainAndItsPartitionsRecover(_ store: ClusterStore) throws {
            let cluster = try ClusterProcesses(brokers: 3, store: store)
            try cluster.startAll()
            let topic = "expiry"
            try cluster.createTopic(topic, partitions: 1, replicationFactor: 3, configs: ["min.insync.replicas": "2"])
            let producer = try NumberedProducer(bootstrap: cluster.bootstrap, topic: topic, rate: 300)
            try producer.waitForAcknowledgements(200)
            let leader = try cluster.waitForLeader(topic)
            let uri = cluster.store.uri(nil)
            func registered() throws -> Set<Int32> {
                let listing = try PierBinary.run(["znode", "ls", "/brokers/ids", "--coordination", uri], timeoutSeconds: 15)
                return Set(listing.stdout.split(separator: "\n").compactMap { Int32($0) })
            }
            #expect(try registered() == [1, 2, 3])

            cluster.pause(leader)
            // The session (2 s by default) lapses; the others see the registration go and elect.
            try cluster.waitUntil("broker \(leader)'s registration went with its session", timeoutSeconds: 20) {
                try !registered().contains(leader)
            }
            let moved = try cluster.waitForLeader(topic, other: leader)
            try cluster.waitUntil("broker \(leader) left the ISR", timeoutSeconds: 20) {
                (try? cluster.describe(topic).first)?.map { !$0.isr.contains(leader) } ?? false
            }
            // (The producer's requests to the paused broker wait out request.timeout.ms, as with Kafka.)
            cluster.resume(leader)
            try cluster.waitUntil("broker \(leader) registered again", timeoutSeconds: 20) { try registered().contains(leader) }
            try cluster.waitForIsr(topic, [1, 2, 3], timeoutSeconds: 60)
            #expect(cluster.log(leader).contains("registered again with a new coordination session"), "\(cluster.logTails())")
            try producer.waitForAcknowledgements(100, createdAfter: Date(), timeoutSeconds: 60)
            print("session expiry (\(store)): broker \(leader) paused, leadership to \(moved), registered again and back in the ISR")

            let summary = try producer.finish()
            let report = try producer.verify(bootstrap: cluster.bootstrap, topic: topic)
            ClusterFaultTests.expectNothingLost(summary, report, atLeast: 300)
            let records = try ClusterFaultTests.settleAndCompare(cluster, topic: topic, partitions: 1)
            #expect(records == report["endOffsets"] as? [Int])
        }
    }
}
