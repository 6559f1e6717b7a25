import ArgumentParser
import PierTools

struct TopicCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topic",
        abstract: "Create, list, describe, reconfigure, grow and delete topics (like kafka-topics).",
        subcommands: [Create.self, List.self, Describe.self, AlterConfig.self, AddPartitions.self, Delete.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a topic.",
            discussion: "Example: pier topic create audit --partitions 3 --config retention.ms=604800000")
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "Topic name.") var topic: String
        @Option(help: "Number of partitions.") var partitions: Int32 = 1
        @Option(help: "Replicas per partition.") var replicationFactor: Int16 = 1
        @Option(name: .customLong("config"), help: "A topic setting as NAME=VALUE (repeatable).") var configs: [String] = []

        func run() async throws {
            try await broker.run { session in
                let settings = try ConfigAssignments.parse(configs, option: "--config")
                try await TopicAdmin(session: session).create(topic, partitions: partitions, replicationFactor: replicationFactor, configs: settings)
                print("Created topic \(topic).")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List topic names, one a line.")
        @OptionGroup var broker: BrokerOptions
        @Flag(help: "Include internal topics.") var includeInternal = false

        func run() async throws {
            let names = try await broker.run { try await TopicAdmin(session: $0).list(includeInternal: includeInternal) }
            for name in names { print(name) }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show partitions (leader, replicas, ISR, log start and end offsets) and overridden settings.")
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "Topics to describe; all when none is given.") var topics: [String] = []

        func run() async throws {
            try await broker.run { session in
                let admin = TopicAdmin(session: session)
                let names = topics.isEmpty ? try await admin.list() : topics
                for name in names { print(try await admin.describe(name).rendered) }
            }
        }
    }

    struct AlterConfig: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "alter-config",
            abstract: "Set or remove topic settings.",
            discussion: "Example: pier topic alter-config audit --set retention.ms=86400000 --delete cleanup.policy")
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "Topic name.") var topic: String
        @Option(name: .customLong("set"), help: "A setting to set, as NAME=VALUE (repeatable).") var settings: [String] = []
        @Option(name: .customLong("delete"), help: "A setting to return to its default (repeatable).") var removals: [String] = []

        func validate() throws {
            if settings.isEmpty && removals.isEmpty { throw ValidationError("give at least one --set or --delete") }
        }

        func run() async throws {
            try await broker.run { session in
                let assignments = try ConfigAssignments.parse(settings, option: "--set")
                try await TopicAdmin(session: session).alterConfig(topic, set: assignments, delete: removals)
                print("Updated the settings of topic \(topic).")
            }
        }
    }

    struct AddPartitions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-partitions", abstract: "Grow a topic to a larger number of partitions.")
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "Topic name.") var topic: String
        @Option(help: "The total number of partitions the topic should have.") var partitions: Int32

        func run() async throws {
            try await broker.run { session in
                try await TopicAdmin(session: session).addPartitions(topic, totalCount: partitions)
                print("Topic \(topic) now has \(partitions) partitions.")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a topic and its records.")
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "Topic name.") var topic: String

        func run() async throws {
            try await broker.run { session in
                try await TopicAdmin(session: session).delete(topic)
                print("Deleted topic \(topic).")
            }
        }
    }
}
