import NIOCore
import PierProtocol

extension ConsumerGroup {
    /// Topics in the members' consumer-protocol subscriptions (each starts with its version); nil
    /// when this is not a consumer group or a member's subscription cannot be read, so that nothing
    /// is judged unsubscribed from a subscription Pier could not see (Kafka's rule too).
    var subscribedTopics: Set<String>? {
        guard protocolType == "consumer", let protocolName else { return nil }
        var topics: Set<String> = []
        for member in orderedMembers {
            guard var metadata = member.metadata(for: protocolName), let version = metadata.readInteger(as: Int16.self),
                  let subscription = try? ConsumerProtocolSubscription(from: &metadata, version: min(version, 3)) else { return nil }
            topics.formUnion(subscription.topics)
        }
        return topics
    }
}
