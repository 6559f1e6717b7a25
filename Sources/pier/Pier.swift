import ArgumentParser

@main
struct Pier: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pier",
        abstract: "A Kafka-wire-compatible broker whose partitions are SQLite databases.",
        discussion: """
            Start a broker with `pier serve`; clients that speak the Kafka protocol \
            (kcat, librdkafka, kafka-python, aiokafka, the Java client) connect to it unchanged.

            Operator tools talk to a running broker over the Kafka protocol (--bootstrap-server, \
            127.0.0.1:9092 unless given): `pier topic` (create, list, describe, alter-config, \
            add-partitions, delete), `pier produce` and `pier consume` (text, JSON lines, raw), \
            `pier group` (list, describe with lag, reset-offsets, delete) and `pier replay` (an exact \
            offset or time range of a partition, with a SHA-256 to compare replays). Offline tools read \
            a data directory read-only, safe beside a running broker: `pier replay --data-dir`, \
            `pier sql` (SQL over every partition, a view per topic), `pier dump-log` (segment files, \
            like kafka-dump-log) and `pier znode`. Every failure is one line on stderr and a non-zero \
            exit status. Each subcommand's --help has examples; docs/cli.md has them all.
            """,
        subcommands: [
            Serve.self, TopicCommand.self, ProduceCommand.self, ConsumeCommand.self, GroupCommand.self,
            ReplayCommand.self, SQLCommand.self, DumpLogCommand.self, ZnodeCommand.self, PerfCommand.self, UserCommand.self,
        ]
    )
}
