import PierTestSupport
import Testing

extension Trait where Self == ConditionTrait {
    /// Runs the test only with Kafka's own tools (`KafkaTools`), else skips it with the one-line reason
    /// `KafkaTools.missing` gives. The single exception to "under CI=true a missing tool fails": see
    /// `KafkaTools` for why.
    static var kafkaTools: Self {
        .enabled(if: KafkaTools.available, Comment(rawValue: "needs Kafka's bin/kafka-*.sh tools: \(KafkaTools.missing ?? "")"))
    }
}
