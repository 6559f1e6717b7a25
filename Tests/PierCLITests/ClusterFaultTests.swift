import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// Three real brokers on loopback, RF=3 topics with min.insync.replicas=2, an idempotent acks=all
    /// confluent-kafka producer of numbered records running throughout, and the test breaking brokers
    /// (SIGKILL, SIGSTOP, an emptied data directory, a proxy cutting a leader off). Afterwards every
    /// acknowledged number is in the log exactly once at the offset its report named, and the replicas'
    /// partition files hold the same records (read with sqlite3 once the brokers have stopped).
    /// Each test runs once per coordination store (`ClusterStore.tested`).
    @Suite(.serialized) struct ClusterFaultTests {
        static let topicConfigs = ["min.insync.replicas": "2"]

        /// Settles the cluster (every partition's ISR full), stops the brokers and compares the replicas'
        /// files; returns the records per partition.
        @discardableResult
        static func settleAndCompare(_ cluster: ClusterProcesses, topic: String, partitions: Int) throws -> [Int] {
            for partition in 0..<partitions { try cluster.waitForIsr(topic, partition: partition, [1, 2, 3]) }
            let statuses = cluster.stopAll()
            #expect(statuses.values.allSatisfy { $0 == 0 }, "exit statuses \(statuses)")
            return try cluster.compareReplicas(topic, partitions: partitions)
        }

        /// Checks the producer's summary and the verifier's report of a run that must have lost nothing.
        static func expectNothingLost(_ summary: [String: Any], _ report: [String: Any], atLeast: Int) {
            #expect(summary["fatalErrors"] as? [String] == [], "\(summary)")
            #expect(summary["undelivered"] as? Int == 0, "\(summary)")
            #expect(report["acknowledged"] as? Int == summary["acknowledged"] as? Int, "\(report) \(summary)")
            #expect((report["acknowledged"] as? Int ?? 0) >= atLeast, "\(report)")
            #expect(report["missingAcknowledged"] as? Int == 0, "\(report)")
            #expect(report["duplicates"] as? Int == 0, "\(report)")
            #expect(report["movedAcknowledged"] as? Int == 0, "\(report)")
            #expect(report["exactlyOnce"] as? Bool == true, "\(report)")
        }

        /// Twelve rounds: SIGKILL the leader of partition 0, wait for the first acknowledgement of a
        /// record created after the kill on that partition (the failover time, printed per round), then
        /// start the broker again on its port and wait for it to rejoin the ISR. Goal with default
        /// settings: median under 3 s, max under 6 s (printed; the test fails only beyond 15 s, which
        /// means failover is broken rather than slow on a loaded machine).
        @Test(.enabled(if: ExternalTool.mustRun("python3") && ExternalTool.mustRun("sqlite3")), .timeLimit(.minutes(6)),
              arguments: ClusterStore.tested)
        func killingTheLeaderLosesNothing(_ store: ClusterStore) throws {
            let cluster = try ClusterProcesses(brokers: 3, store: store)
            try cluster.startAll()
            let topic = "kills", partitions = 2
            try cluster.createTopic(topic, partitions: partitions, replicationFactor: 3, configs: Self.topicConfigs)
            let producer = try NumberedProducer(bootstrap: cluster.bootstrap, topic: topic, partitions: partitions, rate: 400)
            try producer.waitForAcknowledgements(200)
            var failovers: [Double] = []
            for round in 1...12 {
                let leader = try cluster.waitForLeader(topic)
                let killedAt = cluster.kill(leader)
                let moved = try cluster.waitForLeader(topic, other: leader)
                var failover: Double?
                try cluster.waitUntil("round \(round): a record created after the kill is acknowledged on partition 0", timeoutSeconds: 30) {
                    failover = producer.firstAcknowledgement(partition: 0, createdAfter: killedAt)
                    return failover != nil
                }
                failovers.append(failover!)
                print("cluster kill round \(round) (\(store)): killed leader \(leader), new leader \(moved), first acknowledged write after "
                      + String(format: "%.2f s", failover!))
                try cluster.start(leader)
                try cluster.waitForIsr(topic, [1, 2, 3])
            }
            let summary = try producer.finish()
            let report = try producer.verify(bootstrap: cluster.bootstrap, topic: topic)
            Self.expectNothingLost(summary, report, atLeast: 1000)
            defer { cluster.keepEvidenceOfDuplicates(report, topic: topic, producer: producer) }
            let times = DurationSummary(values: failovers)
            let met = times.median < 3 && times.maximum < 6
            print("cluster failover (\(store), kill → first acknowledged write): \(times); goal median < 3 s, max < 6 s: \(met ? "met" : "NOT met")")
            #expect(times.maximum < 15, "failover times \(times)")
            let records = try Self.settleAndCompare(cluster, topic: topic, partitions: partitions)
            #expect(records == report["endOffsets"] as? [Int], "replica records \(records), high watermarks \(report["endOffsets"] ?? "?")")
            print("cluster kill rounds (\(store)): \(report["acknowledged"] ?? "?") acknowledged, replicas identical with \(records) records per partition")
        }

        /// With two of three brokers SIGKILLed (the leader and a follower), nothing created after the
        /// kill is acknowledged, however long the producer keeps trying; once they are back, the writes
        /// go through and nothing acknowledged before is lost.
        @Test(.enabled(if: ExternalTool.mustRun("python3") && ExternalTool.mustRun("sqlite3")), .timeLimit(.minutes(4)),
              arguments: ClusterStore.tested)
        func twoOfThreeDownAcknowledgesNothing(_ store: ClusterStore) throws {
            let cluster = try ClusterProcesses(brokers: 3, store: store)
            try cluster.startAll()
            let topic = "minority"
            try cluster.createTopic(topic, partitions: 1, replicationFactor: 3, configs: Self.topicConfigs)
            let producer = try NumberedProducer(bootstrap: cluster.bootstrap, topic: topic, rate: 300)
            try producer.waitForAcknowledgements(300)
            let leader = try cluster.waitForLeader(topic)
            let follower = cluster.nodes.map(\.id).first { $0 != leader }!
            let killedAt = cluster.kill(leader)
            cluster.kill(follower)
            let before = producer.acknowledgements().count
            // Long enough for the survivor to notice, shrink the ISR and refuse (NOT_ENOUGH_REPLICAS).
            usleep(10_000_000)
            let lateAcknowledgements = producer.acknowledgements().filter { $0.createdAt > killedAt.timeIntervalSince1970 }
            #expect(lateAcknowledgements.isEmpty, "acknowledged with one broker of three: \(lateAcknowledgements.prefix(5).map(\.number))")
            print("two of three down (\(store)): \(before) acknowledged before the kill, \(lateAcknowledgements.count) created after it acknowledged while down")
            try cluster.start(leader)
            try cluster.start(follower)
            try producer.waitForAcknowledgements(200, createdAfter: killedAt, timeoutSeconds: 60)
            try cluster.waitForIsr(topic, [1, 2, 3])
            let summary = try producer.finish()
            let report = try producer.verify(bootstrap: cluster.bootstrap, topic: topic)
            Self.expectNothingLost(summary, report, atLeast: 500)
            let records = try Self.settleAndCompare(cluster, topic: topic, partitions: 1)
            #expect(records == report["endOffsets"] as? [Int])
        }

        /// A follower stopped with SIGSTOP leaves the ISR by lagging (replica.lag.time.max.ms=3000 here,
        /// under a coordination session timeout of 10 s, so it is the leader that drops it, not the
        /// controller) while the other two keep acknowledging, and rejoins after SIGCONT. Then a follower
        /// SIGKILLed, dropped from the ISR and restarted with an empty data directory copies the whole
        /// log back and rejoins; its file ends up identical to the others'.
        @Test(.enabled(if: ExternalTool.mustRun("python3") && ExternalTool.mustRun("sqlite3")), .timeLimit(.minutes(4)),
              arguments: ClusterStore.tested)
        func pausedFollowerLeavesTheIsrAndAnEmptiedOneCatchesUp(_ store: ClusterStore) throws {
            let cluster = try ClusterProcesses(brokers: 3, store: store,
                                               settings: ["replica.lag.time.max.ms": "3000", "zookeeper.session.timeout.ms": "10000"])
            try cluster.startAll()
            let topic = "laggard"
            try cluster.createTopic(topic, partitions: 1, replicationFactor: 3, configs: Self.topicConfigs)
            let producer = try NumberedProducer(bootstrap: cluster.bootstrap, topic: topic, rate: 300)
            try producer.waitForAcknowledgements(300)
            let leader = try cluster.waitForLeader(topic)
            let follower = cluster.nodes.map(\.id).first { $0 != leader }!
            let others = Set(cluster.nodes.map(\.id)).subtracting([follower])

            cluster.pause(follower)
            let left = try cluster.waitForIsr(topic, others, timeoutSeconds: 30)
            // Two in the ISR meet min.insync.replicas=2: writes go on without the paused follower.
            try producer.waitForAcknowledgements(200, createdAfter: Date())
            cluster.resume(follower)
            let rejoined = try cluster.waitForIsr(topic, [1, 2, 3], timeoutSeconds: 30)
            print("paused follower \(follower) (\(store)): out of the ISR after \(String(format: "%.1f", left)) s, back \(String(format: "%.1f", rejoined)) s after SIGCONT")
            #expect(left >= 2.5 && left < 9, "left the ISR \(left) s after SIGSTOP: not by lagging 3 s (replica.lag.time.max.ms)")

            cluster.kill(follower)
            try cluster.waitForIsr(topic, others, timeoutSeconds: 30)
            try cluster.start(follower, emptyingData: true)
            let caughtUp = try cluster.waitForIsr(topic, [1, 2, 3], timeoutSeconds: 60)
            try producer.waitForAcknowledgements(100, createdAfter: Date())
            let summary = try producer.finish()
            let report = try producer.verify(bootstrap: cluster.bootstrap, topic: topic)
            Self.expectNothingLost(summary, report, atLeast: 600)
            let records = try Self.settleAndCompare(cluster, topic: topic, partitions: 1)
            #expect(records == report["endOffsets"] as? [Int])
            print("emptied follower \(follower) (\(store)): in the ISR again \(String(format: "%.1f", caughtUp)) s after its restart, \(records[0]) records")
        }

        /// The leader cut off from its followers (a proxy in front of each broker, which every broker
        /// advertises, passes only the test's own clients to the isolated one) and, when the store is a
        /// server, from the store. While cut off nothing it holds is acknowledged for acks=all: with a
        /// store it can still reach, it stays leader and refuses; without, another leader takes over.
        /// After healing nothing acknowledged is lost, and any records the old leader appended alone are
        /// truncated: its file ends up identical to the others'.
        @Test(.enabled(if: ExternalTool.mustRun("python3") && ExternalTool.mustRun("sqlite3")), .timeLimit(.minutes(4)),
              arguments: ClusterStore.tested)
        func isolatedLeaderStopsAcknowledging(_ store: ClusterStore) throws {
            let (cluster, proxy, proxied) = try Self.proxiedCluster(store, settings: ["replica.lag.time.max.ms": "3000"])
            let topic = "island"
            try cluster.createTopic(topic, partitions: 1, replicationFactor: 3, configs: Self.topicConfigs)
            let producer = try NumberedProducer(bootstrap: proxied, topic: topic, rate: 300)
            try producer.waitForAcknowledgements(300)
            let leader = try cluster.waitForLeader(topic)

            try proxy.set("broker-\(leader)", .isolate)
            if store.isServer { try proxy.set("store-\(leader)", .closed) }
            let cutAt = Date()
            usleep(8_000_000)
            let state = try cluster.describe(topic)[0]
            let islandBatches = try cluster.replicaBatches(node: leader, topic: topic, partition: 0)
            let acknowledgedWhileCut = producer.acknowledgements().filter { $0.createdAt > cutAt.timeIntervalSince1970 + 1 }
            if state.leader == leader {
                // Still leader (the store reaches it): nothing new may be acknowledged without a follower.
                #expect(acknowledgedWhileCut.isEmpty, "acknowledged by a leader cut off from its followers: \(acknowledgedWhileCut.prefix(5).map(\.number))")
            } else {
                // Another leader took over with the other two: writes go on there, once the producer
                // gives up on the old leader, which still answers it (its requests time out after
                // request.timeout.ms, 30 s, and it refreshes metadata from a broker that knows).
                let movedOn = Date()
                try producer.waitForAcknowledgements(1, createdAfter: cutAt.addingTimeInterval(1), timeoutSeconds: 60)
                print("isolated leader \(leader) (\(store)): the producer's first acknowledgement from the new leader came "
                      + String(format: "%.1f s", Date().timeIntervalSince(movedOn)) + " after the 8 s wait")
            }
            print("isolated leader \(leader) (\(store)): after 8 s \(state), \(acknowledgedWhileCut.count) acknowledgements of records created since")

            try proxy.set("broker-\(leader)", .open)
            if store.isServer { try proxy.set("store-\(leader)", .open) }
            let truncated = try Self.healAndCountTruncated(cluster, producer, proxied: proxied, topic: topic, leader: leader,
                                                           islandBatches: islandBatches)
            print("isolated leader \(leader) (\(store)): \(truncated) batches it held alone were truncated")
            if state.leader != leader { #expect(truncated > 0, "the old leader kept what it appended alone") }
        }

        /// After a cut-off leader is back: the full ISR, new acknowledgements, nothing lost, identical
        /// replicas; returns how many of the batches the old leader held alone it no longer has.
        static func healAndCountTruncated(_ cluster: ClusterProcesses, _ producer: NumberedProducer, proxied: String, topic: String,
                                          leader: Int32, islandBatches: [String]) throws -> Int {
            try cluster.waitForIsr(topic, [1, 2, 3], timeoutSeconds: 60)
            try producer.waitForAcknowledgements(100, createdAfter: Date())
            let summary = try producer.finish()
            let report = try producer.verify(bootstrap: proxied, topic: topic)
            Self.expectNothingLost(summary, report, atLeast: 600)
            let records = try Self.settleAndCompare(cluster, topic: topic, partitions: 1)
            #expect(records == report["endOffsets"] as? [Int])
            let finalBatches = Set(try cluster.replicaBatches(node: leader, topic: topic, partition: 0))
            return islandBatches.filter { !finalBatches.contains($0) }.count
        }

        /// Three brokers, each behind a route of one partition proxy that it advertises (and, for a store
        /// that is a server, reaching the store through a route of its own), started; returns the
        /// cluster, the proxy and the proxied bootstrap list.
        static func proxiedCluster(_ store: ClusterStore, settings: [String: String]) throws -> (ClusterProcesses, PartitionProxy, String) {
            var proxyPorts: [Int32: Int] = [:]
            var storeProxyPorts: [Int32: Int] = [:]
            for id in Int32(1)...3 {
                proxyPorts[id] = try ClosedPort.loopback()
                if store.isServer { storeProxyPorts[id] = try ClosedPort.loopback() }
            }
            let cluster = try ClusterProcesses(brokers: 3, store: store, settings: settings, advertisedPorts: proxyPorts, storePorts: storeProxyPorts)
            var routes = cluster.nodes.map { PartitionProxy.Route(name: "broker-\($0.id)", listenPort: proxyPorts[$0.id]!, upstreamPort: $0.port, kafka: true) }
            if let storePort = cluster.store.tcpPort {
                routes += cluster.nodes.map { PartitionProxy.Route(name: "store-\($0.id)", listenPort: storeProxyPorts[$0.id]!, upstreamPort: storePort, kafka: false) }
            }
            let proxy = try PartitionProxy(routes: routes)
            try cluster.startAll()
            return (cluster, proxy, proxyPorts.values.sorted().map { "127.0.0.1:\($0)" }.joined(separator: ","))
        }

        /// A leader cut off from its followers (not from the store) for 1.5 s or more, well inside
        /// replica.lag.time.max.ms, appends what the producer sends it but acknowledges none of it; then
        /// it is SIGKILLed, an in-sync follower takes over, and the old leader, healed and restarted,
        /// truncates the records it held alone: its file ends up identical to the others', and every
        /// acknowledged number is there once.
        @Test(.enabled(if: ExternalTool.mustRun("python3") && ExternalTool.mustRun("sqlite3")), .timeLimit(.minutes(4)),
              arguments: ClusterStore.tested)
        func cutOffLeaderKilledTruncatesWhatItHeldAlone(_ store: ClusterStore) throws {
            let (cluster, proxy, proxied) = try Self.proxiedCluster(store, settings: [:])
            let topic = "tail"
            try cluster.createTopic(topic, partitions: 1, replicationFactor: 3, configs: Self.topicConfigs)
            let producer = try NumberedProducer(bootstrap: proxied, topic: topic, rate: 300)
            try producer.waitForAcknowledgements(300)
            let leader = try cluster.waitForLeader(topic)
            // The controller gives the partition to the first live in-sync replica in assignment order.
            guard let heir = try cluster.describe(topic)[0].replicas.first(where: { $0 != leader }) else {
                Issue.record("partition 0 of \(topic) has no replica besides its leader \(leader)")
                return
            }
            let other = cluster.nodes.map(\.id).first { $0 != leader && $0 != heir }!

            try proxy.set("broker-\(leader)", .isolate)
            let cutAt = Date()
            usleep(1_500_000)
            // The leader reads a connection's next request only once it answered the one before (as
            // Kafka does), so what it holds alone comes after the producer's first request since the
            // cut. That request may have reached the heir before the cut did (then only its
            // request.timeout.ms, 10 s, frees the next one): wait, well inside replica.lag.time.max.ms
            // (30 s), until the leader holds records its heir lacks.
            var islandRows: [String] = []
            var heirRows = 0, otherRows = 0
            let tailDeadline = Date().addingTimeInterval(14)
            repeat {
                islandRows = try cluster.replicaRows(node: leader, topic: topic, partition: 0)
                heirRows = try cluster.replicaRows(node: heir, topic: topic, partition: 0).count
                if islandRows.count > heirRows { break }
                usleep(200_000)
            } while Date() < tailDeadline
            otherRows = try cluster.replicaRows(node: other, topic: topic, partition: 0).count
            let islandBatches = try cluster.replicaBatches(node: leader, topic: topic, partition: 0)
            #expect(islandRows.count > heirRows, "the cut-off leader has \(islandRows.count) records, its heir \(heir) \(heirRows)")
            cluster.kill(leader)
            let acknowledgedWhileCut = producer.acknowledgements().filter { $0.createdAt > cutAt.timeIntervalSince1970 + 0.5 }
            #expect(acknowledgedWhileCut.isEmpty, "acknowledged by a leader cut off from its followers: \(acknowledgedWhileCut.prefix(5).map(\.number))")
            let successor = try cluster.waitForLeader(topic, other: leader)
            #expect(successor == heir, "leader \(successor) took over, not \(heir), the first in-sync replica in assignment order")
            try proxy.set("broker-\(leader)", .open)
            try cluster.start(leader)
            // The batches it held alone are gone: whatever now sits at those offsets came from the new
            // leader, under a later leader epoch (the producer's retries may carry the same records).
            let truncated = try Self.healAndCountTruncated(cluster, producer, proxied: proxied, topic: topic, leader: leader,
                                                           islandBatches: islandBatches)
            #expect(truncated > 0, "the old leader kept the \(islandRows.count - heirRows) records its heir lacked")
            print("cut-off leader \(leader) killed (\(store)): \(islandRows.count) records against \(heirRows) on its heir and \(otherRows) on broker \(other), "
                  + "leader \(successor) took over, \(truncated) batches truncated on the old leader")
        }

        /// A consumer group member commits every 200 ms while the group's coordinator is SIGKILLed: the
        /// commits go on through another broker, and no committed position is lost or goes backwards.
        /// Then, the member gone, the coordinator is killed again: the next one still answers the last
        /// commit (offsets.topic.replication.factor=3).
        @Test(.enabled(if: ExternalTool.mustRun("python3")), .timeLimit(.minutes(3)), arguments: ClusterStore.tested)
        func groupCommitsSurviveTheCoordinator(_ store: ClusterStore) throws {
            let cluster = try ClusterProcesses(brokers: 3, store: store, settings: ["offsets.topic.replication.factor": "3"])
            try cluster.startAll()
            let topic = "work", group = "survivors"
            try cluster.createTopic(topic, partitions: 2, replicationFactor: 3, configs: Self.topicConfigs)
            let producer = try NumberedProducer(bootstrap: cluster.bootstrap, topic: topic, partitions: 2, rate: 200)
            let committer = try BackgroundScript("group_committer.py") { control in ["run", cluster.bootstrap, topic, group, control.path, "0.2"] }
            func commits() -> [(time: Double, ok: Bool, offsets: [Int: Int])] {
                committer.read("commits").split(separator: "\n").compactMap { line in
                    let fields = line.split(separator: " ")
                    guard fields.count >= 2, let time = Double(fields[0]) else { return nil }
                    var offsets: [Int: Int] = [:]
                    if fields[1] == "ok", fields.count > 2 {
                        for pair in fields[2].split(separator: ",") {
                            let parts = pair.split(separator: ":")
                            if parts.count == 2, let p = Int(parts[0]), let o = Int(parts[1]) { offsets[p] = o }
                        }
                    }
                    return (time, fields[1] == "ok", offsets)
                }
            }
            try cluster.waitUntil("the member has committed 5 times", timeoutSeconds: 60) { commits().filter(\.ok).count >= 5 }
            let coordinator = try #require(Int32(try ClientScripts.runPython("group_committer.py", ["coordinator", cluster.bootstrap, group])
                .trimmingCharacters(in: .whitespacesAndNewlines)))
            let before = commits().filter(\.ok).last!.offsets
            let killedAt = cluster.kill(coordinator)
            var gap = 0.0
            try cluster.waitUntil("a commit after the coordinator's death moves past \(before)", timeoutSeconds: 45) {
                guard let next = commits().first(where: { commit in
                    commit.ok && commit.time > killedAt.timeIntervalSince1970
                        && commit.offsets.contains { partition, offset in offset > before[partition, default: -1] }
                }) else { return false }
                gap = next.time - killedAt.timeIntervalSince1970
                return true
            }
            let newCoordinator = try ClientScripts.runPython("group_committer.py", ["coordinator", cluster.bootstrap, group])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(newCoordinator != String(coordinator))
            print("group coordinator \(coordinator) killed (\(store)): commits moving again after \(String(format: "%.2f", gap)) s, on coordinator \(newCoordinator)")
            try cluster.start(coordinator)
            let restartedAt = Date().timeIntervalSince1970
            try cluster.waitUntil("commits go on after the restart", timeoutSeconds: 30) { commits().contains { $0.ok && $0.time > restartedAt + 1 } }
            let summary = try DataPathClientTests.json(try committer.finish(timeoutSeconds: 60))
            _ = try producer.finish()

            var highest: [Int: Int] = [:]
            for commit in commits() where commit.ok {
                for (partition, offset) in commit.offsets {
                    #expect(offset >= highest[partition, default: 0], "partition \(partition)'s commit went back from \(highest[partition]!) to \(offset)")
                    highest[partition] = max(offset, highest[partition, default: 0])
                }
            }
            let committed = try DataPathClientTests.json(try ClientScripts.runPython("group_committer.py", ["committed", cluster.bootstrap, topic, group]))
            let last = try #require(summary["lastCommitted"] as? [String: Int])
            #expect(!last.isEmpty)
            for (partition, offset) in last {
                #expect(committed[partition] as? Int == offset, "partition \(partition): committed \(committed[partition] ?? "none"), last commit \(offset)")
            }

            // With no member left to commit again, the coordinator dies once more: what its successor
            // answers can only come from the group state it was given, not from a live member.
            let lastCoordinator = try #require(Int32(try ClientScripts.runPython("group_committer.py", ["coordinator", cluster.bootstrap, group])
                .trimmingCharacters(in: .whitespacesAndNewlines)))
            cluster.kill(lastCoordinator)
            var afterDeath: [String: Any] = [:]
            try cluster.waitUntil("another broker answers for the group's offsets", timeoutSeconds: 30) {
                guard let coordinator = try? ClientScripts.runPython("group_committer.py", ["coordinator", cluster.bootstrap, group], timeoutSeconds: 20),
                      coordinator.trimmingCharacters(in: .whitespacesAndNewlines) != String(lastCoordinator),
                      let text = try? ClientScripts.runPython("group_committer.py", ["committed", cluster.bootstrap, topic, group], timeoutSeconds: 20),
                      let offsets = try? DataPathClientTests.json(text) else { return false }
                afterDeath = offsets
                return true
            }
            for (partition, offset) in last {
                #expect(afterDeath[partition] as? Int == offset,
                        "partition \(partition) after coordinator \(lastCoordinator) died: \(afterDeath[partition] ?? "none"), last commit \(offset)")
            }
            try cluster.start(lastCoordinator)
            let statuses = cluster.stopAll()
            #expect(statuses.values.allSatisfy { $0 == 0 }, "exit statuses \(statuses)")
        }
    }
}
