import ArgumentParser
import Foundation
import Logging
import PierBroker
import PierObservability
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a broker.",
        discussion: """
            Defaults give a single embedded broker: data under ./pier-data, coordination embedded \
            in that directory (coordination.db), Kafka listener on 127.0.0.1:9092. Settings use \
            Kafka's names; a --config file (server.properties style) is read first, flags win.

            A cluster is several brokers with their own --node-id, --listen and --data-dir and one \
            --coordination: sqlite:PATH for brokers on one host, zookeeper:HOST:PORT[,...][/CHROOT] \
            for an ensemble.

            New partitions use the SQLite engine unless --engine segments is given; existing \
            partitions keep the engine they were created with. Stop with SIGINT or SIGTERM: requests \
            in flight are answered, logs are flushed and closed, and the broker deregisters.

            --admin-listen starts an HTTP listener (off unless given; 127.0.0.1:9644 is the usual \
            choice) serving /metrics (Prometheus text), /health (200 while the process runs) and \
            /ready (200 while the Kafka listener is bound and coordination answers, 503 while \
            stopping). See docs/operations.md.
            """
    )

    @Option(help: "Directory holding partitions and coordination state (log.dirs).")
    var dataDir: String?

    @Option(help: "Address of the one Kafka listener (PLAINTEXT), as HOST:PORT (port 0 picks a free one); several listeners and their security are set by listeners= in --config.")
    var listen: String?

    @Option(help: "This broker's id (node.id).")
    var nodeId: Int32?

    @Option(help: "Where the cluster's znodes live: sqlite:PATH (brokers of one host share the file) or zookeeper:HOST:PORT[,HOST:PORT...][/CHROOT] (coordination). Default: sqlite:DATA_DIR/coordination.db.")
    var coordination: String?

    @Option(help: "A server.properties-style file of Kafka settings.")
    var config: String?

    @Option(help: "Storage engine for new partitions: sqlite or segments (storage.engine).")
    var engine: String?

    @Option(help: "Address of the admin HTTP listener (/metrics, /health, /ready), as HOST:PORT (port 0 picks a free one); off when absent.")
    var adminListen: String?

    @Option(help: "Least severe log level written.")
    var logLevel: LogLevelOption = .info

    @Option(help: "Log line format on standard error; json writes one object per line.")
    var logFormat: LogFormat = .text

    func run() async throws {
        var settings: [String: String] = ["log.dirs": "./pier-data", "listeners": "127.0.0.1:9092"]
        if let config {
            let text: String
            do { text = try String(contentsOfFile: config, encoding: .utf8) } catch {
                throw CLIFailure("cannot read config file \(config): \(error.localizedDescription)")
            }
            do { settings.merge(try Broker.parseProperties(text)) { $1 } } catch {
                throw CLIFailure("\(config): \(error)")
            }
        }
        if let dataDir { settings["log.dirs"] = dataDir }
        if let listen { settings["listeners"] = listen }
        if let nodeId { settings["node.id"] = String(nodeId) }
        if let engine { settings["storage.engine"] = engine }
        if let coordination { settings["coordination"] = coordination }

        let adminAddress = try adminListen.map(AdminAddress.init(parsing:))
        let level = logLevel.level
        let format = logFormat
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = format == .json ? JSONLogHandler.standardError(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "pier")
        let metrics = PrometheusMetrics()
        let broker: Broker
        do {
            broker = try await Broker.start(settings: settings, logger: logger, metricsFactory: metrics.factory)
        } catch {
            throw CLIFailure("cannot start the broker: \(error)")
        }
        var services = broker.services
        var adminServer: AdminServer?
        if let adminAddress {
            let endpoints = AdminEndpoints(metrics: {
                await broker.collectMetrics()
                return metrics.exposition()
            }, isReady: { broker.isReady })
            do {
                let server = try await AdminServer.bind(host: adminAddress.host, port: adminAddress.port, endpoints: endpoints, logger: logger)
                adminServer = server
                // First in the group, so it stops last: /ready answers 503 while the broker drains.
                services.insert(AdminService(server: server), at: 0)
            } catch {
                await broker.shutdown()
                throw CLIFailure("cannot start the admin listener on \(adminAddress): \(error)")
            }
        }
        // Signals are caught by StopSignals (armed synchronously), not by the service group, whose
        // Dispatch sources arm asynchronously and could miss a SIGTERM sent right after start.
        let serviceGroup = ServiceGroup(services: services, gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        StopSignals.install { Task { await serviceGroup.triggerGracefulShutdown() } }
        // Announced only once SIGTERM is handled, so whoever waits for this line can stop us cleanly.
        // The first listener's line comes first, as with one listener; the admin listener's next;
        // then one line per further listener, with its name.
        let first = broker.boundListeners[0]
        var announcement = "pier: listening on \(first.host):\(first.port)\n"
        if let adminServer {
            announcement += "pier: admin listening on \(adminServer.host):\(adminServer.boundPort)\n"
        }
        for listener in broker.boundListeners.dropFirst() {
            announcement += "pier: listening on \(listener.name)://\(listener.host):\(listener.port)\n"
        }
        FileHandle.standardOutput.write(Data(announcement.utf8))
        try await serviceGroup.run()
    }
}

/// SIGINT and SIGTERM stop the broker cleanly. The handler is installed with `signal()`, which takes
/// effect at once, so a signal that arrives the moment the broker has announced itself is not lost
/// (a Dispatch signal source is armed asynchronously and can miss it). The handler only writes a
/// byte to a pipe, which is async-signal-safe; a thread waiting on the pipe starts the shutdown.
private enum StopSignals {
    nonisolated(unsafe) static var pipeWriteEnd: Int32 = -1

    static func install(_ onStop: @escaping @Sendable () -> Void) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        pipeWriteEnd = ends[1]
        let readEnd = ends[0]
        let thread = Thread {
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) < 0 && errno == EINTR {}
            onStop()
        }
        thread.name = "pier.stop-signals"
        thread.start()
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { _ in
                var byte: UInt8 = 1
                _ = write(StopSignals.pipeWriteEnd, &byte, 1)
            }
        }
    }
}
