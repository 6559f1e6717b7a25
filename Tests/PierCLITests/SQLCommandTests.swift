import Foundation
import Testing

extension RealBrokerSuites {
    /// `pier sql` over the data directory of a real `pier serve`, while it runs and after it stops.
    @Suite(.serialized) struct SQLCommandTests {
        @Test func oneQuerySpansPartitionsAndTopics() throws {
            let broker = try BrokerProcess()
            try pierSucceeds(["topic", "create", "audit", "--partitions", "3"], broker: broker)
            try pierSucceeds(["topic", "create", "login-events"], broker: broker)
            try pierSucceeds(["produce", "audit", "--key-separator", ":", "--header", "source=sql-test"], broker: broker,
                             input: "alice:read\nbob:write\ncarol:read\nalice:delete\ndave:read\n")
            try pierSucceeds(["produce", "login-events", "--key-separator", ":"], broker: broker, input: "alice:ok\nbob:ok\nalice:ok\n")
            let data = ["--data-dir", broker.dataDirectory.path]

            // Beside the running broker (WAL): every partition of a topic in its view.
            #expect(try pierSucceeds(["sql"] + data + ["SELECT count(*) AS n FROM audit"]) == "n\n5\n")
            #expect(try pierSucceeds(["sql"] + data + ["--format", "csv", "SELECT count(DISTINCT partition) FROM audit"]) == "count(DISTINCT partition)\n3\n")
            let joined = try pierSucceeds(["sql"] + data + ["--format", "csv", """
                SELECT a.key_text AS who, count(*) AS actions, (SELECT count(*) FROM "login-events" l WHERE l.key = a.key) AS logins
                FROM audit a GROUP BY a.key ORDER BY who
                """])
            #expect(joined == "who,actions,logins\nalice,2,2\nbob,1,1\ncarol,1,0\ndave,1,0\n")
            let union = try pierSucceeds(["sql"] + data + ["--format", "csv",
                "SELECT 'audit' AS topic, count(*) FROM audit UNION ALL SELECT 'login-events', count(*) FROM \"login-events\""])
            #expect(union == "topic,count(*)\naudit,5\nlogin-events,3\n")

            let json = try pierSucceeds(["sql"] + data + ["--format", "json",
                "SELECT partition, offset, key, value_text, headers_json, time FROM audit WHERE key_text = 'bob'"])
            let row = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(row["key"] as? String == "bob")
            #expect(row["value_text"] as? String == "write")
            #expect(row["headers_json"] as? String == #"[["source","sql-test"]]"#)
            #expect((row["time"] as? String)?.hasSuffix("Z") == true)

            let table = try pierSucceeds(["sql"] + data + ["SELECT key_text, value_text FROM audit WHERE key_text = 'alice' ORDER BY offset"])
            #expect(table == "key_text  value_text\nalice     read\nalice     delete\n")

            #expect(try pierFails(["sql"] + data + ["SELECT * FROM nope"]) == "Error: SQL error: no such table: nope")
            #expect(try pierFails(["sql"] + data + ["DELETE FROM audit"]).hasPrefix("Error: SQL error: "))
            #expect(try pierFails(["sql", "--data-dir", "/nonexistent/pier", "SELECT 1"]) == "Error: no data directory at /nonexistent/pier")

            #expect(broker.stop() == 0)
            // After the broker stops (WAL checkpointed), the same answers.
            #expect(try pierSucceeds(["sql"] + data + ["SELECT count(*) AS n FROM audit"]) == "n\n5\n")
        }

        @Test func moreAttachedPartitionsThanSQLiteAllowsAreCopiedFirst() throws {
            let broker = try BrokerProcess()
            try pierSucceeds(["topic", "create", "wide", "--partitions", "14"], broker: broker)
            try pierSucceeds(["produce", "wide"], broker: broker, input: (0..<140).map { "r\($0)\n" }.joined())
            let data = ["--data-dir", broker.dataDirectory.path]
            #expect(try pierSucceeds(["sql"] + data + ["--format", "csv", "SELECT count(*), count(DISTINCT partition), count(DISTINCT value) FROM wide"])
                == "count(*),count(DISTINCT partition),count(DISTINCT value)\n140,14,140\n")
            #expect(broker.stop() == 0)
        }

        @Test func segmentTopicsAreRefusedWithAReason() throws {
            let broker = try BrokerProcess(arguments: ["--engine", "segments"])
            try pierSucceeds(["topic", "create", "seg"], broker: broker)
            try pierSucceeds(["produce", "seg"], broker: broker, input: "x\n")
            #expect(try pierFails(["sql", "--data-dir", broker.dataDirectory.path, "SELECT count(*) FROM seg"])
                == "Error: topic 'seg' uses the segment engine; pier sql reads SQLite partitions only (see pier dump-log)")
            #expect(broker.stop() == 0)
        }
    }
}
