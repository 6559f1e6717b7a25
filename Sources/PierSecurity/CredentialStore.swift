import Foundation
import GRDB

/// SCRAM credentials in their own SQLite database (`credentials.db` in the broker's data directory,
/// `schema/sqlite/credentials`): salted keys only, never a password. `pier user` writes it offline
/// before a secured broker's first start; the broker reads it for each login.
public final class CredentialStore: Sendable {
    public static let fileName = "credentials.db"
    public let path: String
    private let queue: DatabaseQueue

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public struct Entry: Equatable, Sendable {
        public var user: String
        public var mechanism: SASLMechanism
        public var iterations: Int
    }

    public convenience init(dataDirectory: String) throws {
        try self.init(path: (dataDirectory as NSString).appendingPathComponent(Self.fileName))
    }

    public init(path: String) throws {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.journalMode = .wal
            configuration.label = path
            // `pier user` may write while the broker reads.
            configuration.busyMode = .timeout(5)
            queue = try DatabaseQueue(path: path, configuration: configuration)
            var migrator = DatabaseMigrator()
            for migration in CredentialSQL.migrations {
                migrator.registerMigration(migration.identifier) { db in try db.execute(sql: migration.sql) }
            }
            try migrator.migrate(queue)
        } catch {
            throw Failure(description: "opening \(path): \(error)")
        }
    }

    public func save(user: String, _ credential: ScramCredential) throws {
        try write("saving \(user)") { db in
            try db.cachedStatement(sql: CredentialSQL.Statement.credentialUpsert).execute(arguments: [
                "user_name": user, "mechanism": credential.hash.rawValue, "salt": Data(credential.salt),
                "stored_key": Data(credential.storedKey), "server_key": Data(credential.serverKey), "iterations": credential.iterations,
            ])
        }
    }

    public func credential(user: String, hash: ScramHash) -> ScramCredential? {
        try? queue.read { db in
            try Row.fetchOne(db.cachedStatement(sql: CredentialSQL.Statement.credentialForUser),
                             arguments: ["user_name": user, "mechanism": hash.rawValue]).map { row in
                ScramCredential(hash: hash, salt: Array(row["salt"] as Data), storedKey: Array(row["stored_key"] as Data),
                                serverKey: Array(row["server_key"] as Data), iterations: row["iterations"])
            }
        }
    }

    /// Deletes one mechanism's credential, or all of the user's; returns how many rows went.
    @discardableResult
    public func delete(user: String, mechanism: ScramHash? = nil) throws -> Int {
        try write("deleting \(user)") { db in
            if let mechanism {
                try db.cachedStatement(sql: CredentialSQL.Statement.credentialDelete).execute(arguments: ["user_name": user, "mechanism": mechanism.rawValue])
            } else {
                try db.cachedStatement(sql: CredentialSQL.Statement.credentialsDeleteUser).execute(arguments: ["user_name": user])
            }
            return db.changesCount
        }
    }

    public func list() throws -> [Entry] {
        do {
            return try queue.read { db in
                try Row.fetchAll(db.cachedStatement(sql: CredentialSQL.Statement.credentialsAll)).compactMap { row in
                    SASLMechanism(rawValue: row["mechanism"]).map { Entry(user: row["user_name"], mechanism: $0, iterations: row["iterations"]) }
                }
            }
        } catch {
            throw Failure(description: "listing credentials in \(path): \(error)")
        }
    }

    private func write<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do { return try queue.write(body) } catch { throw Failure(description: "\(what) in \(path): \(error)") }
    }
}
