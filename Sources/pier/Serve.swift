import ArgumentParser

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a broker.",
        discussion: """
            Defaults give a single embedded broker: data under ./pier-data, coordination embedded \
            in that directory, Kafka listener on 127.0.0.1:9092, the SQLite storage engine.
            """
    )

    enum Engine: String, ExpressibleByArgument, CaseIterable {
        case sqlite, segments
    }

    @Option(help: "Directory holding partitions and coordination state.")
    var dataDir: String = "./pier-data"

    @Option(help: "Address the Kafka listener binds, as HOST:PORT.")
    var listen: String = "127.0.0.1:9092"

    @Option(help: "Storage engine for partitions.")
    var engine: Engine = .sqlite

    func run() async throws {
        print("pier serve: the broker is not built yet (it lands with the broker issue); nothing is listening on \(listen).")
        throw ExitCode(2)
    }
}
