import Foundation
import Logging
@testable import PierBroker
import PierCoordination
import Testing

/// Three brokers in this process sharing one coordination file: one controller, leadership moved
/// when a broker goes, and every broker's topic cache following the store's watches.
@Suite(.serialized) struct ControllerFailoverTests {
    final class Cluster {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pier-cluster-\(UUID().uuidString)")
        var brokers: [Int32: InProcessBroker] = [:]

        init(size: Int32, settings: [String: String] = [:]) async throws {
            for id in 1...size {
                var all = ["node.id": "\(id)", "coordination": "sqlite:\(root.path)/coordination.db", "zookeeper.session.timeout.ms": "1500"]
                all.merge(settings) { $1 }
                brokers[id] = try await InProcessBroker(settings: all, dataDirectory: root.appendingPathComponent("broker-\(id)"), coordinatingGroups: false)
            }
        }

        func stop(_ id: Int32) async {
            await brokers.removeValue(forKey: id)?.stop()
        }

        func stopAll() async {
            for id in Array(brokers.keys) { await stop(id) }
            try? FileManager.default.removeItem(at: root)
        }

        var controllers: [Int32] {
            brokers.filter { if case .active = $0.value.broker.controller.role { true } else { false } }.map(\.key)
        }
    }

    /// Polls `condition` every 20 ms for up to `seconds`.
    static func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try condition()
    }

    @Test func leadershipMovesWhenABrokerGoesAndEveryBrokerSeesIt() async throws {
        let cluster = try await Cluster(size: 3)
        do {
            #expect(try await Self.eventually { cluster.controllers.count == 1 })
            let creator = try #require(cluster.brokers[1])
            try creator.context.topics.create(TopicManager.Creation(name: "orders", partitions: 3, replicationFactor: 3, configs: [:]))
            // Brokers 2 and 3 learn of the topic through their watches, not by asking.
            #expect(try await Self.eventually {
                cluster.brokers.values.allSatisfy { $0.broker.watcher.snapshot.topics["orders"]?.partitions.count == 3 }
            })
            let before = try #require(creator.broker.watcher.snapshot.topics["orders"]?.partitions[0])
            let leader = before.state.leader
            await cluster.stop(leader)

            let survivors = cluster.brokers
            #expect(try await Self.eventually {
                survivors.values.allSatisfy { broker in
                    guard let after = try? broker.context.topics.view("orders")?.partitions[0]?.state else { return false }
                    return after.leader != leader && after.leader >= 0 && !after.isr.contains(leader)
                }
            }, "every surviving broker's cache shows a new leader for orders-0")
            let after = try #require(try survivors.values.first?.context.topics.view("orders")?.partitions[0]?.state)
            #expect(after.leaderEpoch == before.state.leaderEpoch + 1)
            // No partition is left with the stopped broker as leader or in its ISR.
            #expect(try await Self.eventually {
                survivors.values.allSatisfy { broker in
                    broker.broker.watcher.snapshot.topics["orders"]?.partitions.values.allSatisfy {
                        !$0.state.isr.contains(leader) && $0.state.leader != leader
                    } == true
                }
            })
            #expect(cluster.controllers.count == 1)
        } catch {
            await cluster.stopAll()
            throw error
        }
        await cluster.stopAll()
    }

    @Test func anotherBrokerTakesOverWhenTheControllerGoes() async throws {
        let cluster = try await Cluster(size: 3)
        do {
            #expect(try await Self.eventually { cluster.controllers.count == 1 })
            let first = try #require(cluster.controllers.first)
            guard case .active(let epoch, _) = cluster.brokers[first]!.broker.controller.role else { Issue.record("not active"); return }
            try cluster.brokers[first]!.context.topics.create(TopicManager.Creation(name: "t", partitions: 2, replicationFactor: 3, configs: [:]))
            await cluster.stop(first)
            #expect(try await Self.eventually { cluster.controllers.count == 1 && cluster.controllers.first != first })
            let next = try #require(cluster.controllers.first)
            guard case .active(let nextEpoch, _) = cluster.brokers[next]!.broker.controller.role else { Issue.record("not active"); return }
            #expect(nextEpoch > epoch)
            // The new controller moved what the old one led.
            #expect(try await Self.eventually {
                cluster.brokers[next]!.broker.watcher.snapshot.topics["t"]?.partitions.values.allSatisfy {
                    $0.state.leader != first && !$0.state.isr.contains(first)
                } == true
            })
        } catch {
            await cluster.stopAll()
            throw error
        }
        await cluster.stopAll()
    }

    @Test func aLeaderlessPartitionGetsItsLastInSyncReplicaBack() async throws {
        let cluster = try await Cluster(size: 2)
        do {
            #expect(try await Self.eventually { cluster.controllers.count == 1 })
            let broker1 = try #require(cluster.brokers[1])
            try broker1.context.topics.create(TopicManager.Creation(name: "solo", partitions: nil, replicationFactor: nil,
                                                                    assignments: [0: [2]], configs: [:]))
            #expect(try await Self.eventually { broker1.broker.watcher.snapshot.topics["solo"]?.partitions[0] != nil })
            let root = cluster.root
            await cluster.stop(2)
            #expect(try await Self.eventually { broker1.broker.watcher.snapshot.topics["solo"]?.partitions[0]?.state.leader == -1 },
                    "no live in-sync replica: leaderless, not unclean")
            #expect(broker1.broker.watcher.snapshot.topics["solo"]?.partitions[0]?.state.isr == [2])

            cluster.brokers[2] = try await InProcessBroker(
                settings: ["node.id": "2", "coordination": "sqlite:\(root.path)/coordination.db", "zookeeper.session.timeout.ms": "1500"],
                dataDirectory: root.appendingPathComponent("broker-2"), coordinatingGroups: false)
            #expect(try await Self.eventually { broker1.broker.watcher.snapshot.topics["solo"]?.partitions[0]?.state.leader == 2 })
        } catch {
            await cluster.stopAll()
            throw error
        }
        await cluster.stopAll()
    }

    @Test func leadershipReturnsToThePreferredReplicaOnceItIsInSyncAgain() async throws {
        let settings = ["leader.imbalance.check.interval.seconds": "1"]
        let cluster = try await Cluster(size: 2, settings: settings)
        do {
            let broker2 = try #require(cluster.brokers[2])
            try broker2.context.topics.create(TopicManager.Creation(name: "pref", partitions: nil, replicationFactor: nil,
                                                                    assignments: [0: [1, 2]], configs: [:]))
            let root = cluster.root
            await cluster.stop(1)
            #expect(try await Self.eventually { broker2.broker.watcher.snapshot.topics["pref"]?.partitions[0]?.state.leader == 2 })
            cluster.brokers[1] = try await InProcessBroker(
                settings: settings.merging(["node.id": "1", "coordination": "sqlite:\(root.path)/coordination.db",
                                            "zookeeper.session.timeout.ms": "1500"]) { $1 },
                dataDirectory: root.appendingPathComponent("broker-1"), coordinatingGroups: false)
            // Back but not in sync: leadership stays with 2 for at least two checks.
            try await Task.sleep(for: .milliseconds(2_500))
            #expect(broker2.broker.watcher.snapshot.topics["pref"]?.partitions[0]?.state.leader == 2)
            // The leader adds it to the ISR once it has caught up (written here as the leader would).
            let metadata = broker2.context.cluster
            let (state, version) = try #require(try metadata.partitionState("pref", 0))
            var caughtUp = state
            caughtUp.isr.append(1)
            try metadata.updatePartitionState("pref", 0, caughtUp, expectedVersion: version)
            #expect(try await Self.eventually(5) { broker2.broker.watcher.snapshot.topics["pref"]?.partitions[0]?.state.leader == 1 })
            #expect(broker2.broker.watcher.snapshot.topics["pref"]?.partitions[0]?.state.leaderEpoch == state.leaderEpoch + 1)
        } catch {
            await cluster.stopAll()
            throw error
        }
        await cluster.stopAll()
    }
}
