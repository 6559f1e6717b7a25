import Foundation
import NIOCore
import PierProtocol
import PierStorage

/// One classic-protocol group (JoinGroup / SyncGroup / Heartbeat / LeaveGroup), as Kafka's group
/// coordinator runs it: a plain value type. Each event returns what to answer now and the deferred
/// responses it releases (`Completion`s for members whose JoinGroup or SyncGroup was waiting); the
/// coordinator performs them. Time comes in as `now` (milliseconds), so every transition and
/// timeout is tested without clocks or sockets.
struct ConsumerGroup: Sendable {
    struct Settings: Sendable, Equatable {
        /// `group.min.session.timeout.ms` / `group.max.session.timeout.ms`.
        var minimumSessionTimeoutMilliseconds: Int64 = 6_000
        var maximumSessionTimeoutMilliseconds: Int64 = 1_800_000
        /// `group.initial.rebalance.delay.ms`: an empty group's first rebalance waits this long for
        /// more members (each arrival extends it, up to the rebalance timeout), as Kafka does.
        var initialRebalanceDelayMilliseconds: Int64 = 3_000
    }

    struct JoinRequest: Sendable {
        var memberID: String
        var groupInstanceID: String?
        var clientID: String
        var clientHost: String
        var sessionTimeoutMilliseconds: Int64
        var rebalanceTimeoutMilliseconds: Int64
        var protocolType: String
        var protocols: [GroupMember.SupportedProtocol]
        /// JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED and its id (KIP-394).
        var requiresKnownMemberID: Bool
        /// JoinGroup v9+: a static leader that rejoins without a rebalance is told to skip assigning.
        var supportsSkipAssignment: Bool = false
    }

    struct JoinResult: Sendable, Equatable {
        struct Member: Sendable, Equatable {
            var memberID: String
            var groupInstanceID: String?
            var metadata: ByteBuffer
        }

        var error: ErrorCode = .noError
        var generation: Int32 = -1
        var protocolType: String?
        var protocolName: String?
        var leaderID = ""
        var memberID = ""
        /// Every member with its metadata for the chosen protocol: for the leader only.
        var members: [Member] = []
        var skipAssignment = false

        static func failure(_ error: ErrorCode, memberID: String = "") -> JoinResult {
            JoinResult(error: error, memberID: memberID)
        }
    }

    struct SyncResult: Sendable, Equatable {
        var error: ErrorCode = .noError
        var protocolType: String?
        var protocolName: String?
        var assignment = ByteBuffer()

        static func failure(_ error: ErrorCode) -> SyncResult { SyncResult(error: error) }
    }

    /// A deferred JoinGroup or SyncGroup response, released by some later event.
    enum Completion: Sendable, Equatable {
        case join(memberID: String, JoinResult)
        case sync(memberID: String, SyncResult)
    }

    enum JoinOutcome: Sendable, Equatable {
        case respond(JoinResult)
        /// The response comes later as a `Completion.join` for the member.
        case wait(memberID: String)
    }

    enum SyncOutcome: Sendable, Equatable {
        case respond(SyncResult)
        /// The response comes later as a `Completion.sync` for the member.
        case wait
    }

    let groupID: String
    let settings: Settings
    private(set) var state: GroupState = .empty
    private(set) var generation: Int32 = 0
    private(set) var protocolType: String?
    private(set) var protocolName: String?
    private(set) var leaderID: String?
    private(set) var members: [String: GroupMember] = [:]
    /// Member ids, oldest first: a new leader is the longest-standing member.
    private(set) var joinOrder: [String] = []
    /// KIP-394: ids handed out with MEMBER_ID_REQUIRED, with when they lapse if never used.
    private(set) var pendingMembers: [String: Int64] = [:]
    /// `group.instance.id` → the member id currently holding it.
    private(set) var staticMembers: [String: String] = [:]
    /// When the join phase completes with whoever has joined by then.
    private(set) var rebalanceDeadline: Int64?
    /// When the group last lost its members, while it is Empty; nil for a group that never had any.
    /// Its committed offsets expire counting from here (`offsets.retention.minutes`, KIP-211).
    private(set) var emptySince: Int64?
    /// The join phase of a group that was empty: it waits out the initial delay even once everyone has joined.
    private var isInitialDelay = false
    private var initialDelayLimit: Int64 = 0

    init(groupID: String, settings: Settings = Settings()) {
        self.groupID = groupID
        self.settings = settings
    }

    /// A group as loaded at start: with members it resumes Stable at its generation (members go on
    /// heartbeating and syncing as if nothing happened), without them it is Empty, as in Kafka.
    init(restoring stored: StoredGroup, settings: Settings, now: Int64) {
        self.init(groupID: stored.groupID, settings: settings)
        generation = stored.generation
        guard !stored.members.isEmpty else {
            emptySince = stored.emptySince
            return
        }
        protocolType = stored.protocolType
        protocolName = stored.protocolName
        leaderID = stored.leaderID
        for member in stored.members {
            members[member.memberID] = GroupMember(
                memberID: member.memberID, groupInstanceID: member.groupInstanceID, clientID: member.clientID, clientHost: member.clientHost,
                sessionTimeoutMilliseconds: member.sessionTimeoutMilliseconds, rebalanceTimeoutMilliseconds: member.rebalanceTimeoutMilliseconds,
                protocols: [GroupMember.SupportedProtocol(name: stored.protocolName ?? "", metadata: ByteBuffer(bytes: member.protocolMetadata))],
                assignment: ByteBuffer(bytes: member.assignment), sessionDeadline: now + member.sessionTimeoutMilliseconds
            )
            joinOrder.append(member.memberID)
            if let instanceID = member.groupInstanceID { staticMembers[instanceID] = member.memberID }
        }
        state = .stable
    }

    /// The earliest time `expire(now:)` has something to do.
    var nextDeadline: Int64? {
        let sessions = members.values.filter { !$0.isAwaitingJoin }.map(\.sessionDeadline)
        return (sessions + Array(pendingMembers.values) + [rebalanceDeadline].compactMap { $0 }).min()
    }

    // MARK: JoinGroup

    mutating func join(_ request: JoinRequest, now: Int64) -> (JoinOutcome, [Completion]) {
        if state == .dead { return (.respond(.failure(.coordinatorNotAvailable, memberID: request.memberID)), []) }
        let timeouts = settings.minimumSessionTimeoutMilliseconds...settings.maximumSessionTimeoutMilliseconds
        guard timeouts.contains(request.sessionTimeoutMilliseconds) else {
            return (.respond(.failure(.invalidSessionTimeout, memberID: request.memberID)), [])
        }
        guard !request.protocolType.isEmpty, !request.protocols.isEmpty, supportsCommonProtocol(request) else {
            return (.respond(.failure(.inconsistentGroupProtocol, memberID: request.memberID)), [])
        }
        if request.memberID.isEmpty {
            return joinUnknownMember(request, now: now)
        }
        return joinKnownMember(request, now: now)
    }

    private func supportsCommonProtocol(_ request: JoinRequest) -> Bool {
        let others = members.values.filter { $0.memberID != request.memberID }
        guard !others.isEmpty else { return true }
        guard protocolType == nil || protocolType == request.protocolType else { return false }
        let offered = Set(request.protocols.map(\.name))
        return !others.reduce(offered) { $0.intersection($1.protocols.map(\.name)) }.isEmpty
    }

    private mutating func joinUnknownMember(_ request: JoinRequest, now: Int64) -> (JoinOutcome, [Completion]) {
        let newID = (request.clientID.isEmpty ? "member" : request.clientID) + "-" + UUID().uuidString.lowercased()
        if let instanceID = request.groupInstanceID {
            if let oldID = staticMembers[instanceID], members[oldID] != nil {
                return rejoinStaticMember(request, oldID: oldID, newID: newID, now: now)
            }
            staticMembers[instanceID] = newID
            return addMemberAndRebalance(request, memberID: newID, now: now)
        }
        if request.requiresKnownMemberID {
            pendingMembers[newID] = now + request.sessionTimeoutMilliseconds
            return (.respond(.failure(.memberIdRequired, memberID: newID)), [])
        }
        return addMemberAndRebalance(request, memberID: newID, now: now)
    }

    /// A static member restarted (new member id, same instance id): it takes over its old identity;
    /// in a stable group with unchanged protocols no rebalance happens (KIP-345).
    private mutating func rejoinStaticMember(_ request: JoinRequest, oldID: String, newID: String, now: Int64) -> (JoinOutcome, [Completion]) {
        guard var member = members.removeValue(forKey: oldID) else { return (.respond(.failure(.unknownMemberId)), []) }
        var completions: [Completion] = []
        if member.isAwaitingJoin { completions.append(.join(memberID: oldID, .failure(.fencedInstanceId, memberID: oldID))) }
        if member.isAwaitingSync { completions.append(.sync(memberID: oldID, .failure(.fencedInstanceId))) }
        let protocolsUnchanged = member.protocols == request.protocols
        member = GroupMember(
            memberID: newID, groupInstanceID: request.groupInstanceID, clientID: request.clientID, clientHost: request.clientHost,
            sessionTimeoutMilliseconds: request.sessionTimeoutMilliseconds, rebalanceTimeoutMilliseconds: request.rebalanceTimeoutMilliseconds,
            protocols: request.protocols, assignment: member.assignment, sessionDeadline: now + request.sessionTimeoutMilliseconds
        )
        members[newID] = member
        joinOrder = joinOrder.map { $0 == oldID ? newID : $0 }
        staticMembers[request.groupInstanceID!] = newID
        let wasLeader = leaderID == oldID
        if wasLeader { leaderID = newID }

        if state == .stable && protocolsUnchanged {
            let skipsAssignment = wasLeader && request.supportsSkipAssignment
            var result = currentJoinResult(for: newID, includeMembers: skipsAssignment)
            result.skipAssignment = skipsAssignment
            // Before JoinGroup v9 a restarted leader is named the old leader id, so that it does not
            // take itself for the leader and assign anew: a stable group would not pass that on (KIP-814).
            if wasLeader && !request.supportsSkipAssignment { result.leaderID = oldID }
            return (.respond(result), completions)
        }
        members[newID]?.isAwaitingJoin = true
        if state != .preparingRebalance { completions += prepareRebalance(now: now) }
        completions += completeJoinIfReady(now: now)
        return (.wait(memberID: newID), completions)
    }

    private mutating func joinKnownMember(_ request: JoinRequest, now: Int64) -> (JoinOutcome, [Completion]) {
        let memberID = request.memberID
        if pendingMembers.removeValue(forKey: memberID) != nil {
            return addMemberAndRebalance(request, memberID: memberID, now: now)
        }
        // Fencing first: a replaced incarnation must stop (FENCED_INSTANCE_ID), not rejoin and fence its successor.
        if isFenced(memberID: memberID, instanceID: request.groupInstanceID) {
            return (.respond(.failure(.fencedInstanceId, memberID: memberID)), [])
        }
        guard var member = members[memberID] else { return (.respond(.failure(.unknownMemberId, memberID: memberID)), []) }
        let protocolsUnchanged = member.protocols == request.protocols
        member.protocols = request.protocols
        member.sessionTimeoutMilliseconds = request.sessionTimeoutMilliseconds
        member.rebalanceTimeoutMilliseconds = request.rebalanceTimeoutMilliseconds
        member.sessionDeadline = now + request.sessionTimeoutMilliseconds
        member.clientID = request.clientID
        members[memberID] = member

        switch state {
        case .preparingRebalance:
            // A second JoinGroup while one waits supersedes it; the coordinator answers the first.
            members[memberID]?.isAwaitingJoin = true
            return (.wait(memberID: memberID), completeJoinIfReady(now: now))
        case .completingRebalance where protocolsUnchanged:
            // The join response was lost: send it again.
            return (.respond(currentJoinResult(for: memberID, includeMembers: memberID == leaderID)), [])
        case .stable where protocolsUnchanged && memberID != leaderID:
            return (.respond(currentJoinResult(for: memberID, includeMembers: false)), [])
        case .completingRebalance, .stable:
            // New metadata, or the leader asks for a new assignment (e.g. topics changed).
            members[memberID]?.isAwaitingJoin = true
            var completions = prepareRebalance(now: now)
            completions += completeJoinIfReady(now: now)
            return (.wait(memberID: memberID), completions)
        case .empty, .dead:
            return (.respond(.failure(.unknownMemberId, memberID: memberID)), [])
        }
    }

    private mutating func addMemberAndRebalance(_ request: JoinRequest, memberID: String, now: Int64) -> (JoinOutcome, [Completion]) {
        members[memberID] = GroupMember(
            memberID: memberID, groupInstanceID: request.groupInstanceID, clientID: request.clientID, clientHost: request.clientHost,
            sessionTimeoutMilliseconds: request.sessionTimeoutMilliseconds, rebalanceTimeoutMilliseconds: request.rebalanceTimeoutMilliseconds,
            protocols: request.protocols, isAwaitingJoin: true, sessionDeadline: now + request.sessionTimeoutMilliseconds
        )
        joinOrder.append(memberID)
        if protocolType == nil { protocolType = request.protocolType }
        if leaderID == nil { leaderID = memberID }
        var completions: [Completion] = []
        if state == .preparingRebalance {
            if isInitialDelay {
                // Each arrival during the initial delay waits a little longer for the next one.
                rebalanceDeadline = min(now + settings.initialRebalanceDelayMilliseconds, initialDelayLimit)
            }
        } else {
            completions += prepareRebalance(now: now)
        }
        completions += completeJoinIfReady(now: now)
        return (.wait(memberID: memberID), completions)
    }

    private func currentJoinResult(for memberID: String, includeMembers: Bool) -> JoinResult {
        var result = JoinResult(generation: generation, protocolType: protocolType, protocolName: protocolName,
                                leaderID: leaderID ?? "", memberID: memberID)
        if includeMembers, let protocolName {
            result.members = joinOrder.compactMap { id in
                members[id].map { JoinResult.Member(memberID: id, groupInstanceID: $0.groupInstanceID, metadata: $0.metadata(for: protocolName) ?? ByteBuffer()) }
            }
        }
        return result
    }

    // MARK: Rebalancing

    private mutating func prepareRebalance(now: Int64) -> [Completion] {
        var completions: [Completion] = []
        for id in joinOrder where members[id]?.isAwaitingSync == true {
            members[id]?.isAwaitingSync = false
            completions.append(.sync(memberID: id, .failure(.rebalanceInProgress)))
        }
        let longestRebalanceTimeout = members.values.map(\.rebalanceTimeoutMilliseconds).max() ?? 0
        isInitialDelay = state == .empty
        if isInitialDelay {
            initialDelayLimit = now + max(longestRebalanceTimeout, settings.initialRebalanceDelayMilliseconds)
            rebalanceDeadline = min(now + settings.initialRebalanceDelayMilliseconds, initialDelayLimit)
        } else {
            rebalanceDeadline = now + longestRebalanceTimeout
        }
        state = .preparingRebalance
        emptySince = nil
        return completions
    }

    private mutating func completeJoinIfReady(now: Int64) -> [Completion] {
        guard state == .preparingRebalance else { return [] }
        let everyoneJoined = members.values.allSatisfy(\.isAwaitingJoin) && pendingMembers.isEmpty
        let deadlinePassed = rebalanceDeadline.map { now >= $0 } ?? true
        guard deadlinePassed || members.isEmpty || (everyoneJoined && !isInitialDelay) else { return [] }
        return completeJoin(now: now)
    }

    /// Ends the join phase: members that did not rejoin are dropped, the generation advances, a
    /// protocol is chosen and every waiting member gets its JoinGroup response.
    private mutating func completeJoin(now: Int64) -> [Completion] {
        for id in joinOrder where members[id]?.isAwaitingJoin == false {
            _ = removeMember(id)
        }
        rebalanceDeadline = nil
        isInitialDelay = false
        generation += 1
        guard !members.isEmpty else {
            state = .empty
            emptySince = now
            protocolName = nil
            protocolType = nil
            leaderID = nil
            return []
        }
        if leaderID.map({ members[$0] == nil }) ?? true { leaderID = joinOrder.first }
        protocolName = chooseProtocol()
        state = .completingRebalance
        var completions: [Completion] = []
        for id in joinOrder {
            members[id]?.isAwaitingJoin = false
            refreshSession(id, now: now)
            completions.append(.join(memberID: id, currentJoinResult(for: id, includeMembers: id == leaderID)))
        }
        return completions
    }

    /// The protocol every member supports that most members prefer (ties go to the longest-standing
    /// member's preference order), as Kafka chooses.
    private func chooseProtocol() -> String? {
        let ordered = joinOrder.compactMap { members[$0] }
        guard let first = ordered.first else { return nil }
        let common = ordered.reduce(Set(first.protocols.map(\.name))) { $0.intersection($1.protocols.map(\.name)) }
        var votes: [String: Int] = [:]
        for member in ordered {
            if let choice = member.protocols.first(where: { common.contains($0.name) })?.name { votes[choice, default: 0] += 1 }
        }
        return first.protocols.map(\.name).filter(common.contains).max { votes[$0, default: 0] < votes[$1, default: 0] }
    }

    /// Drops a member; returns the failures for whatever it was waiting on.
    private mutating func removeMember(_ id: String) -> [Completion] {
        guard let member = members.removeValue(forKey: id) else { return [] }
        joinOrder.removeAll { $0 == id }
        if let instanceID = member.groupInstanceID, staticMembers[instanceID] == id { staticMembers[instanceID] = nil }
        if leaderID == id { leaderID = joinOrder.first }
        var completions: [Completion] = []
        if member.isAwaitingJoin { completions.append(.join(memberID: id, .failure(.unknownMemberId, memberID: id))) }
        if member.isAwaitingSync { completions.append(.sync(memberID: id, .failure(.unknownMemberId))) }
        return completions
    }

    /// After members left or expired: a stable or completing group rebalances; an emptied one goes to Empty.
    private mutating func rebalanceAfterDeparture(now: Int64) -> [Completion] {
        switch state {
        case .stable, .completingRebalance:
            var completions = prepareRebalance(now: now)
            completions += completeJoinIfReady(now: now)
            return completions
        case .preparingRebalance:
            return completeJoinIfReady(now: now)
        case .empty, .dead:
            return []
        }
    }

    private mutating func refreshSession(_ id: String, now: Int64) {
        guard var member = members[id] else { return }
        member.sessionDeadline = now + member.sessionTimeoutMilliseconds
        members[id] = member
    }

    /// Another incarnation holds the instance id. An instance id nobody holds (its member expired or
    /// left) is not fenced: the member is unknown and rejoins, as in Kafka.
    private func isFenced(memberID: String, instanceID: String?) -> Bool {
        guard let instanceID, let holder = staticMembers[instanceID] else { return false }
        return holder != memberID
    }

    // MARK: SyncGroup, Heartbeat, LeaveGroup

    mutating func sync(
        memberID: String, generation requestGeneration: Int32, instanceID: String?, protocolType requestedType: String?,
        protocolName requestedName: String?, assignments: [String: ByteBuffer], now: Int64
    ) -> (SyncOutcome, [Completion]) {
        if state == .dead { return (.respond(.failure(.coordinatorNotAvailable)), []) }
        if isFenced(memberID: memberID, instanceID: instanceID) { return (.respond(.failure(.fencedInstanceId)), []) }
        guard members[memberID] != nil else { return (.respond(.failure(.unknownMemberId)), []) }
        guard requestGeneration == generation else { return (.respond(.failure(.illegalGeneration)), []) }
        if let requestedType, requestedType != protocolType { return (.respond(.failure(.inconsistentGroupProtocol)), []) }
        if let requestedName, requestedName != protocolName { return (.respond(.failure(.inconsistentGroupProtocol)), []) }
        refreshSession(memberID, now: now)

        switch state {
        case .preparingRebalance:
            return (.respond(.failure(.rebalanceInProgress)), [])
        case .completingRebalance:
            members[memberID]?.isAwaitingSync = true
            guard memberID == leaderID else { return (.wait, []) }
            for id in joinOrder { members[id]?.assignment = assignments[id] ?? ByteBuffer() }
            state = .stable
            var completions: [Completion] = []
            for id in joinOrder where members[id]?.isAwaitingSync == true {
                members[id]?.isAwaitingSync = false
                completions.append(.sync(memberID: id, syncResult(for: id)))
            }
            return (.wait, completions)
        case .stable:
            return (.respond(syncResult(for: memberID)), [])
        case .empty, .dead:
            return (.respond(.failure(.unknownMemberId)), [])
        }
    }

    private func syncResult(for memberID: String) -> SyncResult {
        SyncResult(protocolType: protocolType, protocolName: protocolName, assignment: members[memberID]?.assignment ?? ByteBuffer())
    }

    mutating func heartbeat(memberID: String, generation requestGeneration: Int32, instanceID: String?, now: Int64) -> ErrorCode {
        if state == .dead { return .coordinatorNotAvailable }
        if isFenced(memberID: memberID, instanceID: instanceID) { return .fencedInstanceId }
        guard members[memberID] != nil else { return .unknownMemberId }
        guard requestGeneration == generation else { return .illegalGeneration }
        refreshSession(memberID, now: now)
        switch state {
        case .preparingRebalance: return .rebalanceInProgress
        case .completingRebalance, .stable: return .noError
        case .empty, .dead: return .unknownMemberId
        }
    }

    struct Departure: Sendable, Equatable {
        var memberID: String
        var groupInstanceID: String?
    }

    /// LeaveGroup (v3+ batches members): one error per departure, in order.
    mutating func leave(_ departures: [Departure], now: Int64) -> (errors: [ErrorCode], completions: [Completion]) {
        if state == .dead { return (departures.map { _ in .coordinatorNotAvailable }, []) }
        var errors: [ErrorCode] = []
        var completions: [Completion] = []
        var anyoneLeft = false
        for departure in departures {
            let id: String
            if let instanceID = departure.groupInstanceID {
                guard let holder = staticMembers[instanceID] else { errors.append(.unknownMemberId); continue }
                if !departure.memberID.isEmpty && departure.memberID != holder { errors.append(.fencedInstanceId); continue }
                id = holder
            } else {
                id = departure.memberID
            }
            guard members[id] != nil else { errors.append(.unknownMemberId); continue }
            completions += removeMember(id)
            anyoneLeft = true
            errors.append(.noError)
        }
        if anyoneLeft { completions += rebalanceAfterDeparture(now: now) }
        return (errors, completions)
    }

    // MARK: Timeouts

    /// Expires members whose session lapsed and completes a join phase whose deadline passed.
    mutating func expire(now: Int64) -> [Completion] {
        guard state != .dead else { return [] }
        var completions: [Completion] = []
        pendingMembers = pendingMembers.filter { $0.value > now }
        // Members waiting in a join phase are kept: the rebalance deadline decides for them.
        let lapsed = joinOrder.filter { id in members[id].map { !$0.isAwaitingJoin && $0.sessionDeadline <= now } ?? false }
        for id in lapsed { completions += removeMember(id) }
        if !lapsed.isEmpty {
            completions += rebalanceAfterDeparture(now: now)
        } else {
            completions += completeJoinIfReady(now: now)
        }
        return completions
    }

    // MARK: Offsets and lifecycle

    /// Whether an OffsetCommit from this member may be stored (Kafka's rules: a group with no
    /// members takes commits with generation -1; members must be current and not mid-assignment).
    mutating func validateOffsetCommit(memberID: String, generation requestGeneration: Int32, instanceID: String?, now: Int64) -> ErrorCode {
        if state == .dead { return .coordinatorNotAvailable }
        if requestGeneration < 0 && memberID.isEmpty && state == .empty { return .noError }
        if isFenced(memberID: memberID, instanceID: instanceID) { return .fencedInstanceId }
        guard members[memberID] != nil else { return .unknownMemberId }
        guard requestGeneration == generation else { return .illegalGeneration }
        switch state {
        case .completingRebalance: return .rebalanceInProgress
        case .stable, .preparingRebalance:
            refreshSession(memberID, now: now)
            return .noError
        case .empty, .dead: return .unknownMemberId
        }
    }

    /// DeleteGroups: only a group without members may go.
    mutating func markDeleted() -> ErrorCode {
        guard state == .empty else { return state == .dead ? .groupIdNotFound : .nonEmptyGroup }
        state = .dead
        return .noError
    }

    /// Members in join order, for DescribeGroups.
    var orderedMembers: [GroupMember] { joinOrder.compactMap { members[$0] } }
}
