import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// The idempotent producer against connection cuts and a broker restart, with confluent-kafka.
    @Suite(.serialized) struct IdempotenceClientTests {
        /// 200,000 numbered records with enable.idempotence=true through a proxy that resets connections
        /// at random moments and after a random number of requests (losing requests and responses in
        /// flight), with a broker restart halfway: every
        /// number is in the log exactly once, in order within its partition. The broker advertises the
        /// proxy, so every connection the client makes goes through it.
        @Test(.enabled(if: ExternalTool.mustRun("python3")))
        func everyRecordOnceThroughCutConnectionsAndARestart() throws {
            let proxyPort = try ClosedPort.loopback()
            let config = try DataPathClientTests.configFile(["advertised.listeners": "PLAINTEXT://127.0.0.1:\(proxyPort)"])
            var broker = try BrokerProcess(arguments: ["--config", config])
            let control = FileManager.default.temporaryDirectory.appendingPathComponent("pier-idempotence-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: control, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: control) }
            let upstream = control.appendingPathComponent("upstream")
            try broker.bootstrap.write(to: upstream, atomically: true, encoding: .utf8)

            // The script runs beside this thread, which restarts the broker when the script asks.
            let finished = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var outcome: Result<String, any Error>?
            DispatchQueue.global().async {
                outcome = Result { try ClientScripts.runPython("idempotent_through_proxy.py", [String(proxyPort), control.path, "numbered", "200000"],
                                                               timeoutSeconds: 180) }
                finished.signal()
            }
            let halfway = control.appendingPathComponent("halfway").path
            var restarted = false
            while finished.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
                guard !restarted, FileManager.default.fileExists(atPath: halfway) else { continue }
                let (next, status) = try broker.restarted()
                #expect(status == 0)
                broker = next
                try broker.bootstrap.write(to: upstream, atomically: true, encoding: .utf8)
                restarted = true
            }
            let report = try DataPathClientTests.json(try #require(outcome).get())
            #expect(restarted)
            #expect(report["restartRequested"] as? Bool == true)
            // Records were queued or in flight across the restart.
            #expect((report["queuedAtRestart"] as? Int ?? 0) > 0)
            #expect(report["undelivered"] as? Int == 0)
            #expect(report["deliveryErrors"] as? [String] == [])
            #expect(report["fatalErrors"] as? [String] == [])
            #expect(report["acknowledged"] as? Int == 200_000)
            #expect(report["read"] as? Int == 200_000)
            #expect(report["duplicates"] as? Int == 0)
            #expect(report["missing"] as? Int == 0)
            #expect(report["exactlyOnce"] as? Bool == true)
            #expect(report["inOrderPerPartition"] as? Bool == true)
            #expect((report["logEndOffsets"] as? [Int])?.reduce(0, +) == 200_000)
            // The retry path was exercised: cuts lost the answers to requests the broker had taken whole.
            #expect((report["cutsWithRequestsUnanswered"] as? Int ?? 0) >= 3)
            print("idempotence through the proxy: \(report["queuedAtRestart"] ?? "?") records queued at the restart, \(report["proxyCuts"] ?? "?") cuts (\(report["cutsWithRequestsUnanswered"] ?? "?") with requests unanswered), "
                  + "\(report["proxyConnections"] ?? "?") connections, produced in \(report["producedSeconds"] ?? "?") s")
            #expect(broker.stop() == 0)
        }
    }
}
