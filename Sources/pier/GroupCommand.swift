import ArgumentParser
import PierTools

struct GroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group",
        abstract: "List, describe (with lag), reset and delete consumer groups (like kafka-consumer-groups).",
        subcommands: [List.self, Describe.self, ResetOffsets.self, Delete.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List groups with their state.")
        @OptionGroup var broker: BrokerOptions

        func run() async throws {
            let groups = try await broker.run { try await GroupAdmin(session: $0).list() }
            var table = TextTable(header: ["GROUP", "STATE"])
            table.rows = groups.map { [$0.group, $0.state] }
            print(table.rendered)
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a group's state and members and, per partition, its committed offset, the log end offset and the lag.")
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "Group id.") var group: String

        func run() async throws {
            print(try await broker.run { try await GroupAdmin(session: $0).describe(group).rendered })
        }
    }

    struct ResetOffsets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-offsets",
            abstract: "Move a group's committed offsets (the group must have no running members).",
            discussion: """
                Choose one target: --to-earliest, --to-latest, --to-offset N (kept inside each \
                partition's log, as Kafka does) or --to-datetime T (the first record at or after T; \
                the log end when there is none). Applies to --topic (repeatable) or, without it, to \
                every topic the group has committed to. --dry-run prints the plan and commits nothing.

                Example: pier group reset-offsets billing --topic audit --to-datetime 2026-12-01T00:00:00Z --dry-run
                """)
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "Group id.") var group: String
        @Option(name: .customLong("topic"), help: "A topic whose offsets to reset (repeatable).") var topics: [String] = []
        @Flag(help: "Reset to the first offset still kept.") var toEarliest = false
        @Flag(help: "Reset to the log end.") var toLatest = false
        @Option(help: "Reset to this offset.") var toOffset: Int64?
        @Option(help: "Reset to the first record at or after this time (ms since the epoch or ISO-8601).") var toDatetime: String?
        @Flag(help: "Print the new offsets without committing them.") var dryRun = false

        func validate() throws {
            let targets = [toEarliest, toLatest, toOffset != nil, toDatetime != nil].filter { $0 }.count
            if targets != 1 { throw ValidationError("give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime") }
        }

        func run() async throws {
            let plan = try await broker.run { session in
                let target: OffsetResetTarget
                if toEarliest { target = .earliest }
                else if toLatest { target = .latest }
                else if let toOffset { target = .offset(toOffset) }
                else { target = .datetime(try TimeArgument.milliseconds(toDatetime!, option: "--to-datetime")) }
                return try await GroupAdmin(session: session).resetOffsets(group, topics: topics.isEmpty ? nil : topics, to: target, dryRun: dryRun)
            }
            print(OffsetReset.render(plan, group: group))
            if dryRun { print("(dry run: nothing committed)") }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a group and its committed offsets (it must have no running members).")
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "Group id.") var group: String

        func run() async throws {
            try await broker.run { try await GroupAdmin(session: $0).delete(group) }
            print("Deleted group \(group).")
        }
    }
}
