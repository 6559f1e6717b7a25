import ArgumentParser
import Foundation
import PierCoordination
import PierZooKeeper

/// Reads the coordination namespace straight from the store: `coordination.db` in a data directory
/// (offline: no broker needed, safe beside a running one thanks to WAL), or the store a cluster's
/// `--coordination` names (a shared SQLite file, a ZooKeeper ensemble).
struct ZnodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "znode",
        abstract: "Inspect the coordination namespace (brokers, topics, partition state) offline.",
        subcommands: [List.self, Get.self, Stat.self]
    )

    struct Location: ParsableArguments {
        @Option(help: "Data directory holding coordination.db.")
        var dataDir: String = "./pier-data"

        @Option(help: "The cluster's coordination store instead: sqlite:PATH or zookeeper:HOST:PORT[,HOST:PORT...][/CHROOT].")
        var coordination: String?

        @Argument(help: "Absolute znode path, e.g. /brokers/ids.")
        var path: String = "/"

        func openStore() throws -> OpenedStore {
            let uri: CoordinationURI
            do {
                uri = try coordination.map(CoordinationURI.init(parsing:))
                    ?? .sqlite(path: URL(fileURLWithPath: dataDir).appendingPathComponent("coordination.db").path)
            } catch {
                throw CLIFailure("\(error)")
            }
            switch uri {
            case .sqlite(let database):
                guard FileManager.default.fileExists(atPath: database) else {
                    throw CLIFailure("no coordination database at \(database)")
                }
                do {
                    let store = try SQLiteZnodeStore(path: database)
                    return OpenedStore(store: store, close: store.close)
                } catch {
                    throw CLIFailure("cannot open \(database): \(error)")
                }
            case let .zookeeper(servers, chroot):
                do {
                    let store = try ZooKeeperZnodeStore(servers: servers, chroot: chroot, sessionTimeoutMilliseconds: 10_000)
                    return OpenedStore(store: store, close: store.close)
                } catch {
                    throw CLIFailure("cannot reach ZooKeeper at \(servers.joined(separator: ",")): \(error)")
                }
            }
        }
    }

    struct OpenedStore {
        var store: any ZnodeStore
        var close: () -> Void
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List a znode's children.")
        @OptionGroup var location: Location

        func run() throws {
            let opened = try location.openStore()
            defer { opened.close() }
            let store = opened.store
            for child in try describing(location.path, { try store.getChildren(location.path) }) {
                print(child)
            }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a znode's data.")
        @OptionGroup var location: Location

        func run() throws {
            let opened = try location.openStore()
            defer { opened.close() }
            let store = opened.store
            let (data, _) = try describing(location.path, { try store.getData(location.path) })
            FileHandle.standardOutput.write(Data(data))
            if data.last != UInt8(ascii: "\n") { print() }
        }
    }

    struct Stat: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a znode's stat (zxids, times, versions, owner).")
        @OptionGroup var location: Location

        func run() throws {
            let opened = try location.openStore()
            defer { opened.close() }
            let store = opened.store
            guard let stat = try describing(location.path, { try store.exists(location.path) }) else {
                throw CLIFailure("no znode at \(location.path)")
            }
            let fields: [(String, String)] = [
                ("cZxid", "0x" + String(stat.czxid, radix: 16)),
                ("ctime", iso8601(stat.ctimeMilliseconds)),
                ("mZxid", "0x" + String(stat.mzxid, radix: 16)),
                ("mtime", iso8601(stat.mtimeMilliseconds)),
                ("pZxid", "0x" + String(stat.pzxid, radix: 16)),
                ("cversion", String(stat.cversion)),
                ("dataVersion", String(stat.version)),
                ("ephemeralOwner", "0x" + String(stat.ephemeralOwner, radix: 16)),
                ("dataLength", String(stat.dataLength)),
                ("numChildren", String(stat.numChildren)),
            ]
            for (name, value) in fields { print("\(name) = \(value)") }
        }

        private func iso8601(_ milliseconds: Int64) -> String {
            Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(.iso8601)
        }
    }
}

/// Turns a znode error into one line naming the path, for the CLI's error output.
private func describing<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch ZnodeError.noNode(let missing) {
        throw CLIFailure("no znode at \(missing)")
    } catch ZnodeError.invalidPath(let invalid) {
        throw CLIFailure("invalid znode path \(invalid) (paths are absolute, like /brokers/ids)")
    } catch {
        throw CLIFailure("\(path): \(error)")
    }
}
