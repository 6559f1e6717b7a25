import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// The pieces the cluster fault tests stand on, each checked on its own: the verifier catches what
    /// it must, the numbered producer's reports are complete, process control (kill -9 and restart on
    /// the same port, SIGSTOP/SIGCONT) does what it says, and brokers sharing a coordination store form
    /// one cluster that `pier topic describe` shows.
    @Suite(.serialized) struct ClusterHarnessTests {
        /// `pier topic describe`'s partition lines, parsed.
        @Test func describeLinesParse() throws {
            let text = "Topic: t\tPartitionCount: 2\tReplicationFactor: 3\tConfigs: min.insync.replicas=2\n"
                + "\tTopic: t\tPartition: 0\tLeader: 2\tReplicas: 2,3,1\tIsr: 2,1\tLogStartOffset: 0\tLogEndOffset: 17\n"
                + "\tTopic: t\tPartition: 1\tLeader: -1\tReplicas: 3,1,2\tIsr: \tLogStartOffset: 4\tLogEndOffset: 4"
            let states = try ClusterProcesses.parseDescribe(text)
            #expect(states == [
                .init(partition: 0, leader: 2, replicas: [2, 3, 1], isr: [2, 1], logStartOffset: 0, logEndOffset: 17),
                .init(partition: 1, leader: -1, replicas: [3, 1, 2], isr: [], logStartOffset: 4, logEndOffset: 4),
            ])
            #expect(throws: ClusterFailure.self) { try ClusterProcesses.parseDescribe("\tTopic: t\tPartition: x") }
        }

        /// A log with a number missing, one twice and one at another offset than its report said:
        /// the verifier names each, and calls the log exactly-once only when all are right.
        @Test(.enabled(if: ExternalTool.mustRun("python3")))
        func verifierFindsPlantedDefects() throws {
            let broker = try BrokerProcess()
            _ = try PierBinary.run(["topic", "create", "planted", "--bootstrap-server", broker.bootstrap])
            // 0...99 without 42, then 7 again: number n sits at offset n below 42 and n - 1 above.
            let numbers = Array(0..<42) + Array(43..<100) + [7]
            let produced = try PierBinary.run(["produce", "planted", "--key-separator", ":", "--partition", "0", "--bootstrap-server", broker.bootstrap],
                                              input: Data(numbers.map { "\($0):\($0)\n" }.joined().utf8))
            #expect(produced.status == 0, "\(produced.stderr)")
            func offset(of number: Int) -> Int { number < 42 ? number : number - 1 }
            // Every number acknowledged, 42 too; 50's report names offset 10.
            var lines = (0..<100).map { "\($0) 0 \($0 == 42 ? -1 : $0 == 50 ? 10 : offset(of: $0)) 0 0" }
            let acknowledged = broker.dataDirectory.appendingPathExtension("acknowledged")
            defer { try? FileManager.default.removeItem(at: acknowledged) }
            try lines.joined(separator: "\n").write(to: acknowledged, atomically: true, encoding: .utf8)
            var report = try NumberedProducer.verify(bootstrap: broker.bootstrap, topic: "planted", acknowledged: acknowledged)
            #expect(report["read"] as? Int == 100)
            #expect(report["distinct"] as? Int == 99)
            #expect(report["missingSample"] as? [Int] == [42])
            #expect(report["duplicateSample"] as? [Int] == [7])
            #expect(report["movedSample"] as? [Int] == [50])
            #expect(report["exactlyOnce"] as? Bool == false)
            #expect(report["endOffsets"] as? [Int] == [100])

            // The same log against reports of what is really there: exactly once but for the duplicate.
            lines = numbers.dropLast().map { "\($0) 0 \(offset(of: $0)) 0 0" }
            try lines.joined(separator: "\n").write(to: acknowledged, atomically: true, encoding: .utf8)
            report = try NumberedProducer.verify(bootstrap: broker.bootstrap, topic: "planted", acknowledged: acknowledged)
            #expect(report["missingAcknowledged"] as? Int == 0)
            #expect(report["movedAcknowledged"] as? Int == 0)
            #expect(report["duplicates"] as? Int == 1)
            #expect(report["exactlyOnce"] as? Bool == false)
            #expect(broker.stop() == 0)
        }

        /// One broker on a port chosen up front, SIGKILLed twice under the numbered producer and
        /// started again on the same port: the producer's bootstrap address stays valid, it carries on,
        /// and every number it reported acknowledged is in the log exactly once at the offset reported.
        @Test(.enabled(if: ExternalTool.mustRun("python3")), .timeLimit(.minutes(3)))
        func killedBrokerComesBackOnItsPortUnderTheProducer() throws {
            let port = try ClosedPort.loopback()
            var broker = try BrokerProcess(listenPort: port)
            #expect(broker.port == port)
            _ = try PierBinary.run(["topic", "create", "numbers", "--partitions", "2", "--bootstrap-server", broker.bootstrap])
            let producer = try NumberedProducer(bootstrap: broker.bootstrap, topic: "numbers", partitions: 2, rate: 500)
            for _ in 0..<2 {
                try producer.waitForAcknowledgements(300 + producer.acknowledgements().count)
                let killedAt = Date()
                #expect(broker.kill9() == SIGKILL)
                #expect(!broker.isRunning)
                broker = try broker.startedAgain(appendingToLog: true)
                #expect(broker.port == port)
                let restartedAt = Date()
                // Records created after the kill can only have been acknowledged by the new process.
                try producer.waitForAcknowledgements(100, partition: 0, createdAfter: killedAt)
                print("broker killed and restarted on port \(port): restart took \(String(format: "%.2f", restartedAt.timeIntervalSince(killedAt))) s, "
                      + "first acknowledgement \(String(format: "%.2f", producer.firstAcknowledgement(partition: 0, createdAfter: killedAt) ?? -1)) s after the kill")
            }
            let summary = try producer.finish()
            #expect(summary["fatalErrors"] as? [String] == [])
            #expect(summary["undelivered"] as? Int == 0)
            let report = try producer.verify(bootstrap: broker.bootstrap, topic: "numbers")
            #expect(report["acknowledged"] as? Int == summary["acknowledged"] as? Int)
            #expect((report["acknowledged"] as? Int ?? 0) >= 800)
            #expect(report["exactlyOnce"] as? Bool == true, "\(report)")
            #expect(broker.stop() == 0)
        }

        /// SIGSTOP leaves the broker's port open but answering nothing; SIGCONT brings it back.
        @Test func pausedBrokerAnswersOnlyAfterResuming() throws {
            let broker = try BrokerProcess()
            #expect(try PierBinary.run(["topic", "list", "--bootstrap-server", broker.bootstrap], timeoutSeconds: 10).status == 0)
            broker.pause()
            #expect(broker.isPaused && broker.isRunning)
            let started = Date()
            let whilePaused = try PierBinary.run(["topic", "list", "--bootstrap-server", broker.bootstrap], timeoutSeconds: 2)
            #expect(whilePaused.status != 0)
            #expect(Date().timeIntervalSince(started) >= 1.9)
            broker.resume()
            #expect(try PierBinary.run(["topic", "list", "--bootstrap-server", broker.bootstrap], timeoutSeconds: 10).status == 0)
            #expect(broker.stop() == 0)
        }

        /// Three brokers sharing one coordination store are one cluster: an RF=3 topic gets a replica
        /// on each, `pier topic describe` shows the same leader, replicas and ISR through every broker,
        /// and a killed broker restarted on its port registers again.
        @Test(arguments: ClusterStore.tested)
        func threeBrokersShareOneStore(_ store: ClusterStore) throws {
            let cluster = try ClusterProcesses(brokers: 3, store: store)
            try cluster.startAll()
            try cluster.createTopic("shared", partitions: 3, replicationFactor: 3, configs: ["min.insync.replicas": "2"])
            let states = try cluster.describe("shared")
            #expect(states.count == 3)
            for state in states {
                #expect(Set(state.replicas) == [1, 2, 3], "\(state)")
                #expect(Set(state.isr) == [1, 2, 3], "\(state)")
                #expect(state.replicas.contains(state.leader), "\(state)")
            }
            // Every broker answers with the same assignment.
            for node in cluster.nodes {
                let seen = try ClusterProcesses.parseDescribe(try PierBinary.run(["topic", "describe", "shared", "--bootstrap-server", node.bootstrap],
                                                                                  timeoutSeconds: 15).stdout)
                #expect(seen.map(\.replicas) == states.map(\.replicas), "broker \(node.id)")
            }
            cluster.kill(2)
            #expect(!cluster.isRunning(2))
            try cluster.start(2)
            #expect(try PierBinary.run(["topic", "describe", "shared", "--bootstrap-server", cluster.node(2).bootstrap], timeoutSeconds: 15).status == 0)
            #expect(cluster.stopAll().values.allSatisfy { $0 == 0 })
        }
    }
}
