import Logging
import ServiceLifecycle

/// Expires committed offsets every `offsets.retention.check.interval.ms`, as Kafka's group
/// coordinator does (KIP-211 rules in `GroupCoordinator.expireOffsets`). Each pass is logged
/// (info when it removed something) and counted (`BrokerMetricNames.groupOffsetsExpired`).
struct OffsetExpiryService: Service {
    let context: BrokerContext

    func run() async throws {
        await repeatEvery(.milliseconds(context.configuration.offsetsRetentionCheckIntervalMilliseconds)) { await runOnce() }
    }

    func runOnce() async {
        do {
            let expiry = try await context.groups.expireOffsets(retentionMilliseconds: context.configuration.offsetsRetentionMilliseconds)
            context.metrics.offsetsExpired(expiry.expiredOffsets)
            let level: Logger.Level = expiry.expiredOffsets > 0 || !expiry.removedGroups.isEmpty ? .info : .debug
            context.logger.log(level: level, "offset expiry", metadata: [
                "offsets": "\(expiry.expiredOffsets)", "groups": "\(expiry.removedGroups.count)",
                "removed": "\(expiry.removedGroups.joined(separator: ","))",
            ])
        } catch {
            context.logger.error("offset expiry failed", metadata: ["error": "\(error)"])
        }
    }
}
