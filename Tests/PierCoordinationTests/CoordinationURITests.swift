import PierCoordination
import Testing

@Suite struct CoordinationURITests {
    @Test func sqliteTakesAPath() throws {
        #expect(try CoordinationURI(parsing: "sqlite:/tmp/cluster/coordination.db") == .sqlite(path: "/tmp/cluster/coordination.db"))
        #expect(try CoordinationURI(parsing: "sqlite:relative.db") == .sqlite(path: "relative.db"))
    }

    @Test func zookeeperTakesServersAndAChroot() throws {
        #expect(try CoordinationURI(parsing: "zookeeper:127.0.0.1:2181") == .zookeeper(servers: ["127.0.0.1:2181"], chroot: nil))
        let ensemble = try CoordinationURI(parsing: "zookeeper:a:2181,b:2182,c:2183/pier/prod")
        #expect(ensemble == .zookeeper(servers: ["a:2181", "b:2182", "c:2183"], chroot: "/pier/prod"))
        #expect(ensemble.description == "zookeeper:a:2181,b:2182,c:2183/pier/prod")
        #expect(try CoordinationURI(zookeeperConnect: "zk:2181/kafka") == .zookeeper(servers: ["zk:2181"], chroot: "/kafka"))
    }

    @Test(arguments: ["", "coordination.db", "sqlite:", "zookeeper:", "zookeeper:host", "zookeeper:host:0", "zookeeper:host:99999",
                      "zookeeper:a:1,,b:2", "zookeeper::2181", "zookeeper:a:2181/", "zookeeper:a:2181/x/", "postgres://x"])
    func refusesWhatIsNotAStore(_ text: String) {
        #expect(throws: CoordinationURI.Problem.self) { try CoordinationURI(parsing: text) }
    }
}
