import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// `pier group ...` against a real `pier serve`.
    @Suite(.serialized) struct GroupCommandTests {
        @Test func describesLagAndResetsOffsets() throws {
            let broker = try BrokerProcess()
            try pierSucceeds(["topic", "create", "audit", "--partitions", "2"], broker: broker)
            try pierSucceeds(["produce", "audit", "--partition", "0"], broker: broker, input: (1...10).map { "r\($0)\n" }.joined())
            try pierSucceeds(["produce", "audit", "--partition", "1"], broker: broker, input: "s1\ns2\n")
            try pierSucceeds(["consume", "audit", "--group", "billing", "--partition", "0", "--from-beginning", "--max-records", "4"], broker: broker)

            #expect(try pierSucceeds(["group", "list"], broker: broker) == "GROUP    STATE\nbilling  Empty\n")
            let described = try pierSucceeds(["group", "describe", "billing"], broker: broker)
            #expect(described == """
                Group billing: state Empty, 0 members, total lag 6
                TOPIC  PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG
                audit  0          4               10              6
                audit  1          -               2               -

                """, "\(described)")

            let dryRun = try pierSucceeds(["group", "reset-offsets", "billing", "--topic", "audit", "--to-earliest", "--dry-run"], broker: broker)
            #expect(dryRun == """
                GROUP    TOPIC  PARTITION  CURRENT-OFFSET  NEW-OFFSET
                billing  audit  0          4               0
                billing  audit  1          -               0
                (dry run: nothing committed)

                """, "\(dryRun)")
            #expect(try pierSucceeds(["group", "describe", "billing"], broker: broker).contains("audit  0          4               10              6"))

            try pierSucceeds(["group", "reset-offsets", "billing", "--to-offset", "7"], broker: broker)
            #expect(try pierSucceeds(["group", "describe", "billing"], broker: broker).contains("total lag 3\n"))
            // Offsets past the log end are kept inside the log, as Kafka does.
            try pierSucceeds(["group", "reset-offsets", "billing", "--topic", "audit", "--to-offset", "1000"], broker: broker)
            #expect(try pierSucceeds(["group", "describe", "billing"], broker: broker).contains("audit  1          2               2               0"))
            let future = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
            try pierSucceeds(["group", "reset-offsets", "billing", "--topic", "audit", "--to-datetime", "2000-01-01T00:00:00Z"], broker: broker)
            #expect(try pierSucceeds(["group", "describe", "billing"], broker: broker).contains("total lag 12\n"))
            try pierSucceeds(["group", "reset-offsets", "billing", "--topic", "audit", "--to-datetime", future], broker: broker)
            #expect(try pierSucceeds(["group", "describe", "billing"], broker: broker).contains("total lag 0\n"))

            #expect(try pierSucceeds(["group", "delete", "billing"], broker: broker) == "Deleted group billing.\n")
            #expect(try pierFails(["group", "describe", "billing"], broker: broker) == "Error: unknown group 'billing'")
            #expect(try pierFails(["group", "delete", "billing"], broker: broker) == "Error: unknown group 'billing'")
            #expect(try pierFails(["group", "reset-offsets", "fresh", "--to-latest"], broker: broker)
                == "Error: group 'fresh' has committed no offsets; name the topics with --topic")
            #expect(try pierFails(["group", "reset-offsets", "fresh", "--topic", "nope", "--to-latest"], broker: broker) == "Error: unknown topic 'nope'")
            #expect(broker.stop() == 0)
        }

        @Test(.enabled(if: ExternalTool.mustRun("python3")))
        func aGroupWithARunningMemberIsNotReset() throws {
            let broker = try BrokerProcess()
            try pierSucceeds(["topic", "create", "audit"], broker: broker)
            try pierSucceeds(["produce", "audit"], broker: broker, input: "a\nb\n")
            let member = Process()
            member.executableURL = URL(fileURLWithPath: try #require(ExternalTool.path(of: "python3")))
            member.arguments = [ClientScripts.path("group_member.py"), broker.bootstrap, "audit", "live"]
            let out = Pipe(), stdin = Pipe()
            member.standardOutput = out
            member.standardInput = stdin
            try member.run()
            defer {
                try? stdin.fileHandleForWriting.close()
                member.waitUntilExit()
            }
            var announced = Data()
            while !announced.contains(UInt8(ascii: "\n")) {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                announced.append(chunk)
            }
            #expect(String(decoding: announced, as: UTF8.self) == "joined\n")

            let described = try pierSucceeds(["group", "describe", "live"], broker: broker)
            #expect(described.hasPrefix("Group live: state Stable, 1 member"), "\(described)")
            #expect(described.contains("MEMBER-ID"))
            #expect(try pierFails(["group", "reset-offsets", "live", "--topic", "audit", "--to-earliest"], broker: broker)
                == "Error: group 'live' has 1 active member(s) (state Stable); offsets can be reset only while it is empty: stop its consumers first")
            #expect(try pierFails(["group", "delete", "live"], broker: broker) == "Error: group 'live' still has active members: stop its consumers first")
        }
    }
}
