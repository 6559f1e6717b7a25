import Dispatch
import Foundation
import Logging
import PierCoordination
import Synchronization

/// The cluster's controller, when this broker is it: elected through the ephemeral `/controller`
/// znode, it moves leadership when brokers go or come back (`LeaderElection`) and back to preferred
/// replicas. Every broker runs one; all but the elected one only campaign, re-campaigning when
/// `/controller` goes.
///
/// Each write is a multi that checks `/controller_epoch` is still at the version this controller's
/// election left it at, so a controller that lost its session but has not noticed cannot overwrite
/// its successor's decisions; each partition state is also compare-and-set on its znode version.
final class Controller: Sendable {
    enum Role: Sendable, Equatable {
        case candidate
        case active(epoch: Int32, epochZnodeVersion: Int32)
    }

    private let cluster: ClusterMetadata
    private let nodeID: Int32
    private let configuration: BrokerConfiguration
    private let topics: TopicManager
    private let snapshot: @Sendable () -> ClusterSnapshot
    private let session: @Sendable () -> SessionID?
    private let logger: Logger
    private let queue = DispatchQueue(label: "pier.controller")
    private let state = Mutex(State())

    private struct State {
        var role: Role = .candidate
        var watchArmed = false
        var stopped = false
        /// Counts terms as controller, so a rebalance check scheduled in an earlier term does nothing.
        var term = 0
    }

    /// How often a compare-and-set that lost to another writer is retried with a fresh read.
    static let conflictRetries = 5

    init(cluster: ClusterMetadata, nodeID: Int32, configuration: BrokerConfiguration, topics: TopicManager,
         snapshot: @escaping @Sendable () -> ClusterSnapshot, session: @escaping @Sendable () -> SessionID?, logger: Logger) {
        self.cluster = cluster
        self.nodeID = nodeID
        self.configuration = configuration
        self.topics = topics
        self.snapshot = snapshot
        self.session = session
        self.logger = logger
    }

    var role: Role { state.withLock { $0.role } }

    /// Tries to become controller now, and whenever `/controller` goes from then on.
    func campaign() {
        queue.async { [self] in runCampaign() }
    }

    /// The live brokers changed: partitions led by a broker that went get new leaders, in-sync
    /// followers that went leave their ISRs, leaderless partitions whose in-sync replica returned get it back.
    func brokersChanged(_ snapshot: ClusterSnapshot) {
        queue.async { [self] in electWhereNeeded(in: snapshot, topics: nil) }
    }

    /// A topic's partitions or states changed (created, grown, an election by a predecessor).
    func topicChanged(_ name: String, _ snapshot: ClusterSnapshot) {
        queue.async { [self] in electWhereNeeded(in: snapshot, topics: [name]) }
    }

    /// Moves leadership back to each partition's first replica where it is live and in sync.
    func electPreferredLeaders() {
        queue.async { [self] in
            guard case .active(let epoch, let version) = role else { return }
            let current = snapshot()
            let live = current.liveBrokerIDs
            for (name, topic) in current.topics.sorted(by: { $0.key < $1.key }) {
                for (partition, replicas) in topic.replicasByPartition.sorted(by: { $0.key < $1.key }) {
                    guard let versioned = topic.partitions[partition] else { continue }
                    write(name, partition, from: versioned, epoch: epoch, epochZnodeVersion: version) { state in
                        LeaderElection.towardPreferredReplica(replicas: replicas, state: state, liveBrokers: live, controllerEpoch: epoch)
                    }
                }
            }
        }
    }

    /// ElectLeaders: runs the requested election for each partition (every partition of every topic
    /// when `partitions` is nil) and waits for the writes; nil when this broker is not the active
    /// controller. With `partitions` nil, partitions that need no election are left out, as Kafka does.
    func electLeaders(_ type: LeaderElection.ElectionType, partitions: [(topic: String, partitions: [Int32])]?) -> [RequestedElection]? {
        queue.sync {
            guard case .active(let epoch, let version) = role else { return nil }
            let current = snapshot()
            let live = current.liveBrokerIDs
            let wanted = partitions ?? current.topics.keys.sorted().map { name in
                (topic: name, partitions: current.topics[name]!.replicasByPartition.keys.sorted())
            }
            var results: [RequestedElection] = []
            for (name, indexes) in wanted {
                for partition in indexes {
                    guard let topic = current.topics[name] else {
                        results.append(RequestedElection(topic: name, partition: partition, outcome: .unknownTopic))
                        continue
                    }
                    guard let replicas = topic.replicasByPartition[partition], let versioned = topic.partitions[partition] else {
                        results.append(RequestedElection(topic: name, partition: partition, outcome: .unknownPartition))
                        continue
                    }
                    var refusal: LeaderElection.Refusal?
                    let written = write(name, partition, from: versioned, epoch: epoch, epochZnodeVersion: version) { state in
                        switch LeaderElection.requested(type, replicas: replicas, state: state, liveBrokers: live, controllerEpoch: epoch) {
                        case .success(let decision):
                            refusal = nil
                            return decision
                        case .failure(let reason):
                            refusal = reason
                            return nil
                        }
                    }
                    let outcome = RequestedElection.Outcome(written, refusal: refusal)
                    if partitions == nil, outcome == .refused(.notNeeded) { continue }
                    results.append(RequestedElection(topic: name, partition: partition, outcome: outcome))
                }
            }
            return results
        }
    }

    func stop() {
        state.withLock { state in
            state.stopped = true
            state.term += 1
        }
        queue.sync {}
    }

    // MARK: On `queue`

    private func runCampaign() {
        guard !state.withLock({ $0.stopped }) else { return }
        guard let session = session() else {
            // Between sessions: whatever this broker held went with the old one; the renewal campaigns again.
            stepDown()
            return
        }
        let watch: WatchHandler? = state.withLock { state in
            guard !state.watchArmed else { return nil }
            state.watchArmed = true
            return { [weak self] _ in
                guard let self else { return }
                self.queue.async {
                    self.state.withLock { $0.watchArmed = false }
                    self.runCampaign()
                }
            }
        }
        do {
            let holder = try cluster.controller(watch: watch)
            if holder == nodeID, case .active = role { return }
            if holder != nil {
                // Someone (maybe an earlier session of this broker, until it expires) holds it.
                stepDown()
                return
            }
            let election = try cluster.electController(nodeID, session: session, nowMilliseconds: Int64(Date().timeIntervalSince1970 * 1000))
            guard election.elected else {
                stepDown()
                return
            }
            state.withLock { state in
                state.role = .active(epoch: election.epoch, epochZnodeVersion: election.epochZnodeVersion)
                state.term += 1
            }
            logger.notice("elected controller", metadata: ["node": "\(nodeID)", "epoch": "\(election.epoch)"])
            startRebalanceTimer()
            electWhereNeeded(in: snapshot(), topics: nil)
        } catch {
            state.withLock { $0.watchArmed = false }
            logger.warning("controller campaign failed; retrying", metadata: ["error": "\(error)"])
            queue.asyncAfter(deadline: .now() + .milliseconds(500)) { [weak self] in self?.runCampaign() }
        }
    }

    private func stepDown() {
        let wasActive = state.withLock { state -> Bool in
            defer {
                if state.role != .candidate { state.term += 1 }
                state.role = .candidate
            }
            return state.role != .candidate
        }
        if wasActive { logger.notice("no longer controller", metadata: ["node": "\(nodeID)"]) }
    }

    private func startRebalanceTimer() {
        guard configuration.autoLeaderRebalance else { return }
        let term = state.withLock { $0.term }
        scheduleRebalance(term: term)
    }

    private func scheduleRebalance(term: Int) {
        let interval = DispatchTimeInterval.seconds(Int(configuration.leaderImbalanceCheckIntervalSeconds))
        queue.asyncAfter(deadline: .now() + interval) { [weak self] in
            guard let self, self.state.withLock({ $0.term == term && !$0.stopped }) else { return }
            self.electPreferredLeaders()
            self.scheduleRebalance(term: term)
        }
    }

    private func electWhereNeeded(in snapshot: ClusterSnapshot, topics names: [String]?) {
        guard case .active(let epoch, let version) = role else { return }
        let live = snapshot.liveBrokerIDs
        for name in (names ?? Array(snapshot.topics.keys)).sorted() {
            guard let topic = snapshot.topics[name] else { continue }
            let unclean = self.topics.configuration(overrides: topic.overrides).uncleanLeaderElection
            for (partition, replicas) in topic.replicasByPartition.sorted(by: { $0.key < $1.key }) {
                guard let versioned = topic.partitions[partition] else { continue }
                write(name, partition, from: versioned, epoch: epoch, epochZnodeVersion: version) { state in
                    LeaderElection.afterBrokerChange(replicas: replicas, state: state, liveBrokers: live, uncleanAllowed: unclean,
                                                     controllerEpoch: epoch)
                }
                guard case .active = role else { return }  // fenced meanwhile
            }
        }
    }

    /// Decides from the state held, writes with compare-and-set, and on a conflict decides again
    /// from a fresh read; a fenced write ends this controller's term.
    @discardableResult
    private func write(_ topic: String, _ partition: Int32, from held: VersionedPartitionState, epoch: Int32, epochZnodeVersion: Int32,
                       decide: (PartitionState) -> LeaderElection.Decision?) -> PartitionStateWrite {
        var current = held
        for _ in 0..<Self.conflictRetries {
            guard let decision = decide(current.state) else { return .unchanged }
            do {
                let update = PartitionStateUpdate(topic: topic, partition: partition, state: decision.state, expectedVersion: current.version)
                _ = try cluster.updatePartitionStates([update], fencedBy: epochZnodeVersion)
                logger.notice("partition leadership changed", metadata: [
                    "partition": "\(topic)-\(partition)", "leader": "\(decision.state.leader)", "leader_epoch": "\(decision.state.leaderEpoch)",
                    "isr": "\(decision.state.isr)", "reason": "\(decision.reason.rawValue)", "controller_epoch": "\(epoch)",
                ])
                return .written
            } catch .concurrentModification(_) {
                guard let fresh = try? cluster.partitionState(topic, partition) else { return .failed("re-reading the partition state failed") }
                current = VersionedPartitionState(state: fresh.state, version: fresh.version)
            } catch .controllerFenced {
                logger.warning("another controller was elected; stepping down", metadata: ["node": "\(nodeID)"])
                stepDown()
                runCampaign()
                return .fenced
            } catch .unknownTopic(_) {
                return .topicGone  // deleted meanwhile
            } catch {
                logger.error("writing a partition state failed", metadata: ["partition": "\(topic)-\(partition)", "error": "\(error)"])
                return .failed("\(error)")
            }
        }
        return .failed("the partition state kept changing under \(Self.conflictRetries) attempts")
    }
}
