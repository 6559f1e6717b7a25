import ArgumentParser
import Foundation
import PierSecurity

/// `pier user add|delete|list`: SCRAM credentials in a data directory's credentials.db, written
/// offline (a secured broker's first user exists before anyone can connect). The broker reads the
/// file at each login, so changes apply to the next login without a restart.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add, delete and list the SCRAM credentials SASL listeners check (offline, in DATA_DIR/credentials.db).",
        discussion: """
            pier user add alice --password s3cret --mechanism SCRAM-SHA-512 --data-dir pier-data
            pier user list --data-dir pier-data
            pier user delete alice --data-dir pier-data
            Only the salt, iteration count and SCRAM keys are stored; PLAIN logins are checked against them. See docs/security.md.
            """,
        subcommands: [Add.self, Delete.self, List.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user's credential for a SCRAM mechanism (replacing an earlier one).")
        @Argument(help: "The user name (the principal is User:NAME).") var name: String
        @Option(help: "The password (only its salted SCRAM keys are stored).") var password: String
        @Option(help: "SCRAM-SHA-256 or SCRAM-SHA-512; repeat for both.") var mechanism: [String] = ["SCRAM-SHA-512"]
        @Option(help: "PBKDF2 iterations (at least 4096).") var iterations = ScramHash.minimumIterations
        @Option(help: "The broker's data directory (log.dirs).") var dataDir = "./pier-data"

        func run() throws {
            guard iterations >= ScramHash.minimumIterations else { throw CLIFailure("--iterations must be at least \(ScramHash.minimumIterations)") }
            guard !name.isEmpty, !password.isEmpty else { throw CLIFailure("the user name and password must not be empty") }
            let hashes = try mechanism.map { name throws(CLIFailure) in
                guard let hash = ScramHash(rawValue: name.uppercased()) else { throw CLIFailure("unknown mechanism \(name): SCRAM-SHA-256 or SCRAM-SHA-512") }
                return hash
            }
            let store = try open(dataDir)
            for hash in hashes {
                do { try store.save(user: name, ScramCredential(hash: hash, password: password, iterations: iterations)) } catch {
                    throw CLIFailure("\(error)")
                }
                print("added \(name) (\(hash.rawValue), \(iterations) iterations)")
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a user's credentials (one mechanism's, or all).")
        @Argument var name: String
        @Option(help: "Only this mechanism's credential.") var mechanism: String?
        @Option(help: "The broker's data directory (log.dirs).") var dataDir = "./pier-data"

        func run() throws {
            let hash = try mechanism.map { name throws(CLIFailure) in
                guard let hash = ScramHash(rawValue: name.uppercased()) else { throw CLIFailure("unknown mechanism \(name)") }
                return hash
            }
            let deleted: Int
            do { deleted = try open(dataDir).delete(user: name, mechanism: hash) } catch { throw CLIFailure("\(error)") }
            guard deleted > 0 else { throw CLIFailure("no credential of \(name)\(hash.map { " for \($0.rawValue)" } ?? "")") }
            print("deleted \(deleted) credential\(deleted == 1 ? "" : "s") of \(name)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users, their mechanisms and iteration counts.")
        @Option(help: "The broker's data directory (log.dirs).") var dataDir = "./pier-data"

        func run() throws {
            let entries: [CredentialStore.Entry]
            do { entries = try open(dataDir).list() } catch { throw CLIFailure("\(error)") }
            for entry in entries { print("\(entry.user)\t\(entry.mechanism.rawValue)\titerations=\(entry.iterations)") }
        }
    }
}

private func open(_ dataDirectory: String) throws -> CredentialStore {
    do { return try CredentialStore(dataDirectory: dataDirectory) } catch { throw CLIFailure("\(error)") }
}
