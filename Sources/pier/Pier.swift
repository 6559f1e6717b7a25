import ArgumentParser

@main
struct Pier: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pier",
        abstract: "A Kafka-wire-compatible broker whose partitions are SQLite databases.",
        discussion: """
            Start a broker with `pier serve`; clients that speak the Kafka protocol \
            (kcat, librdkafka, kafka-python, aiokafka, the Java client) connect to it unchanged.
            """,
        subcommands: [Serve.self, TopicCommand.self, ProduceCommand.self, ConsumeCommand.self, GroupCommand.self, ReplayCommand.self, SQLCommand.self, DumpLogCommand.self, ZnodeCommand.self, PerfCommand.self]
    )
}
