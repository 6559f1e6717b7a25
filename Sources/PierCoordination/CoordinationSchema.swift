import GRDB

/// The coordination database's migrations: the numbered files of `schema/sqlite/coordination`, in order.
enum CoordinationSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in CoordinationSQL.migrations {
            migrator.registerMigration(migration.identifier) { db in try db.execute(sql: migration.sql) }
        }
        return migrator
    }
}
