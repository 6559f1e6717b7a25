import ArgumentParser
import PierTools

struct SQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Run one read-only SQL query over a data directory's partitions (offline).",
        discussion: """
            Each topic is a view named after it (quote names that are not plain identifiers: \
            "my-topic") with columns partition, offset, timestamp, key, value, headers and the text \
            forms time (ISO-8601 UTC), key_text, value_text, headers_json. The partition files are \
            opened read-only; with WAL a running broker keeps writing meanwhile.

            Only topics whose names appear in the query are attached. SQLite attaches at most \
            SQLITE_MAX_ATTACHED databases (10 in common builds, 125 at most); past that, the remaining \
            partitions are copied into temporary tables first, which is slower and uses temporary space. \
            Topics on the segment engine cannot be queried (see pier dump-log).

            Examples:
              pier sql --data-dir ./pier-data "SELECT count(*) FROM audit"
              pier sql --data-dir ./pier-data --format csv "SELECT partition, offset, time, value_text FROM audit WHERE key_text = 'alice'"
              pier sql --data-dir ./pier-data "SELECT a.key_text, count(*) FROM audit a JOIN logins l ON a.key = l.key GROUP BY 1"
            """
    )

    @Option(help: "The broker's data directory (log.dirs).") var dataDir = "./pier-data"
    @Option(help: "Output format: table, csv or json (one object a line).") var format: SQLResultFormat = .table
    @Argument(help: "The query.") var query: String

    func run() throws {
        try reportingFailures {
            let session = try SQLQuery(dataDirectory: dataDir, query: query)
            var writer = SQLResultWriter(format: format)
            try session.run(query, columns: { names in
                for line in writer.begin(columns: names) { print(line) }
            }, row: { values in
                for line in writer.add(values) { print(line) }
            })
            for line in writer.end() { print(line) }
        }
    }
}

extension SQLResultFormat: ExpressibleByArgument {}
