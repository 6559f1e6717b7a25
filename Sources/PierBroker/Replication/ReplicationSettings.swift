/// The broker settings replication runs by, with Kafka's names and defaults.
struct ReplicationSettings: Sendable, Equatable {
    /// `replica.lag.time.max.ms`: a follower not caught up to the leader's log end for this long
    /// leaves the ISR. The leader checks every half of it, as Kafka does.
    var lagTimeMaxMilliseconds: Int64 = 30_000
    /// `replica.fetch.wait.max.ms`: how long a follower's fetch waits at the leader for new records.
    var fetchWaitMaxMilliseconds: Int32 = 500
    /// `replica.fetch.max.bytes`: bytes a follower asks for per partition (at least one batch comes anyway).
    var fetchMaxBytes: Int32 = 1_048_576
    /// `replica.fetch.response.max.bytes`: bytes a follower asks for per fetch, over all partitions.
    var fetchResponseMaxBytes: Int32 = 10_485_760
    /// `replica.fetch.backoff.ms`: how long a follower waits after an error before fetching again.
    var fetchBackoffMilliseconds: Int64 = 1_000
}
