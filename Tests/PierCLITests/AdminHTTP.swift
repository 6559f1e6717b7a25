import Foundation

/// A minimal HTTP/1.1 GET over a loopback socket, enough to talk to `pier serve --admin-listen`
/// without depending on curl or URLSession in the test environment.
enum AdminHTTP {
    struct Response {
        var status: Int
        var body: String
    }

    enum Failure: Error {
        case connectionRefused
        case malformed(String)
    }

    static func get(port: Int, path: String) throws -> Response {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw POSIXError(.EIO) }
        defer { close(socketFD) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure.connectionRefused }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(socketFD, $0.baseAddress, $0.count, 0) }) == request.count else { throw Failure.connectionRefused }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received.append(contentsOf: chunk[..<count])
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let headerEnd = text.range(of: "\r\n\r\n") else {
            // Accepted and closed without an answer: the listener is going away.
            if received.isEmpty { throw Failure.connectionRefused }
            throw Failure.malformed(text)
        }
        let statusLine = text[..<headerEnd.lowerBound].split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure.malformed(String(statusLine)) }
        return Response(status: status, body: String(text[headerEnd.upperBound...]))
    }
}

/// The samples of a Prometheus text exposition, by metric name and labels.
struct PrometheusText {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    let samples: [Sample]

    /// Parses the text format: `name{label="value",...} number` lines; comments and blank lines skipped.
    init(_ text: String) throws {
        samples = try text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { line in
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw AdminHTTP.Failure.malformed(String(line))
            }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
            guard series.hasSuffix("}") else { throw AdminHTTP.Failure.malformed(String(line)) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let halves = pair.split(separator: "=", maxSplits: 1)
                guard halves.count == 2, halves[1].hasPrefix("\""), halves[1].hasSuffix("\"") else { throw AdminHTTP.Failure.malformed(String(line)) }
                labels[String(halves[0])] = String(halves[1].dropFirst().dropLast())
            }
            return Sample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }

    /// The value of the one sample named `name` whose labels include `labels`; nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }?.value
    }
}
