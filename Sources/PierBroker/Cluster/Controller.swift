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

    /// AlterPartitionReassignments: for each partition, a target replica list to move to, or nil to
    /// cancel the reassignment in progress (`PartitionReassignment.requested`); each topic's changes
    /// are one write, fenced by this controller's epoch. Nil when this broker is not the active controller.
    func alterReassignments(_ requests: [(topic: String, partitions: [(partition: Int32, target: [Int32]?)])]) -> [RequestedReassignment]? {
        queue.sync {
            guard case .active(let epoch, let version) = role else { return nil }
            var results: [RequestedReassignment] = []
            for (name, entries) in requests {
                let targets = Dictionary(entries.map { ($0.partition, $0.target) }, uniquingKeysWith: { _, last in last })
                let outcomes = reassign(name, partitions: entries.map(\.partition), epoch: epoch, epochZnodeVersion: version) { partition, current, state, live in
                    PartitionReassignment.requested(target: targets[partition] ?? nil, current: current, state: state, liveBrokers: live,
                                                    controllerEpoch: epoch)
                }
                results += entries.map { RequestedReassignment(topic: name, partition: $0.partition, outcome: outcomes[$0.partition] ?? .failed("not decided")) }
            }
            return results
        }
    }

    /// ListPartitionReassignments: the partitions being reassigned among those named (every
    /// partition when `topics` is nil), read from the store; nil when this broker is not the active controller.
    func listReassignments(_ topics: [(topic: String, partitions: [Int32])]?) throws(ClusterMetadataError) -> [OngoingReassignment]? {
        let active = queue.sync { () -> Bool in
            if case .active = role { return true }
            return false
        }
        guard active else { return nil }
        let wanted: [(topic: String, partitions: [Int32]?)]
        if let topics {
            wanted = topics.map { ($0.topic, $0.partitions) }
        } else {
            wanted = try cluster.topicNames().sorted().map { ($0, nil) }
        }
        var ongoing: [OngoingReassignment] = []
        for (name, partitions) in wanted {
            guard let assignment = try cluster.topic(name) else { continue }
            for partition in partitions ?? assignment.partitionsBeingReassigned {
                guard let replicas = assignment.replicaAssignment(partition), replicas.isBeingReassigned else { continue }
                ongoing.append(OngoingReassignment(topic: name, partition: partition, assignment: replicas))
            }
        }
        return ongoing
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
            let moving = topic.assignment.partitionsBeingReassigned
            guard !moving.isEmpty else { continue }
            // A target replica that joined the ISR may complete its reassignment (a new controller resumes them here).
            reassign(name, partitions: moving, epoch: epoch, epochZnodeVersion: version) { _, current, state, live in
                .success(PartitionReassignment.advanced(current: current, state: state, liveBrokers: live, controllerEpoch: epoch))
            }
            guard case .active = role else { return }
        }
    }

    /// Decides each partition's reassignment step from a fresh read of the topic's assignment and the
    /// partitions' states, and writes the topic's steps in one multi fenced by the controller epoch;
    /// a conflicting write (a leader's ISR change, CreatePartitions) makes it decide again.
    @discardableResult
    private func reassign(
        _ name: String, partitions: [Int32], epoch: Int32, epochZnodeVersion: Int32,
        decide: (Int32, PartitionReplicas, PartitionState, Set<Int32>) -> Result<PartitionReassignment.Step?, PartitionReassignment.Refusal>
    ) -> [Int32: RequestedReassignment.Outcome] {
        func all(_ outcome: RequestedReassignment.Outcome) -> [Int32: RequestedReassignment.Outcome] {
            Dictionary(partitions.map { ($0, outcome) }, uniquingKeysWith: { first, _ in first })
        }
        for _ in 0..<Self.conflictRetries {
            var outcomes: [Int32: RequestedReassignment.Outcome] = [:]
            var updated: TopicAssignment
            var expectedVersion: Int32
            var states: [PartitionStateUpdate] = []
            var steps: [(Int32, PartitionReassignment.Step)] = []
            do {
                guard let (assignment, version) = try cluster.versionedTopic(name) else { return all(.unknownTopic) }
                (updated, expectedVersion) = (assignment, version)
                let live = Set(try cluster.brokerIDs(watch: nil))
                for partition in partitions where outcomes[partition] == nil {
                    guard let current = assignment.replicaAssignment(partition), let (state, stateVersion) = try cluster.partitionState(name, partition) else {
                        outcomes[partition] = .unknownPartition
                        continue
                    }
                    switch decide(partition, current, state, live) {
                    case .failure(let refusal):
                        outcomes[partition] = .refused(refusal)
                    case .success(nil):
                        outcomes[partition] = .accepted
                    case .success(let step?):
                        outcomes[partition] = .accepted
                        updated.setReplicaAssignment(step.assignment, for: partition)
                        states.append(PartitionStateUpdate(topic: name, partition: partition, state: step.state, expectedVersion: stateVersion))
                        steps.append((partition, step))
                    }
                }
            } catch {
                return all(.failed("reading the topic failed: \(error)"))
            }
            guard !states.isEmpty else { return outcomes }
            do {
                try cluster.updateAssignment(name, updated, expectedVersion: expectedVersion, states: states, fencedBy: epochZnodeVersion)
                for (partition, step) in steps {
                    logger.notice("partition reassignment", metadata: [
                        "partition": "\(name)-\(partition)", "replicas": "\(step.assignment.replicas)", "adding": "\(step.assignment.adding)",
                        "removing": "\(step.assignment.removing)", "leader": "\(step.state.leader)", "leader_epoch": "\(step.state.leaderEpoch)",
                        "isr": "\(step.state.isr)", "reason": "\(step.reason.rawValue)", "controller_epoch": "\(epoch)",
                    ])
                }
                return outcomes
            } catch .concurrentModification(_) {
                continue
            } catch .controllerFenced {
                logger.warning("another controller was elected; stepping down", metadata: ["node": "\(nodeID)"])
                stepDown()
                runCampaign()
                return all(.notController)
            } catch .unknownTopic(_) {
                return all(.unknownTopic)
            } catch {
                logger.error("writing a partition reassignment failed", metadata: ["topic": "\(name)", "error": "\(error)"])
                return all(.failed("\(error)"))
            }
        }
        return all(.failed("the topic kept changing under \(Self.conflictRetries) attempts"))
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
