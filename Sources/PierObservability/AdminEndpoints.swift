/// What the admin listener answers, apart from HTTP: `/metrics` (Prometheus text), `/health`
/// (the process is up) and `/ready` (the broker should get clients).
public struct AdminEndpoints: Sendable {
    /// The current metrics in Prometheus's text exposition format.
    public var metrics: @Sendable () async -> [UInt8]
    public var isReady: @Sendable () -> Bool

    public init(metrics: @escaping @Sendable () async -> [UInt8], isReady: @escaping @Sendable () -> Bool) {
        self.metrics = metrics
        self.isReady = isReady
    }

    public struct Response: Sendable, Equatable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]

        static func text(_ status: Int, _ text: String) -> Response {
            Response(status: status, contentType: "text/plain; charset=utf-8", body: Array((text + "\n").utf8))
        }
    }

    /// Prometheus text format, version 0.0.4 (what every scraper accepts).
    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The answer to a request for `path` (query string ignored) with `method`.
    public func response(method: String, path: String) async -> Response {
        let route = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
        guard method == "GET" || method == "HEAD" else {
            return .text(405, "method not allowed: admin endpoints answer GET")
        }
        switch route {
        case "/metrics":
            return Response(status: 200, contentType: Self.prometheusContentType, body: await metrics())
        case "/health":
            return .text(200, "ok")
        case "/ready":
            return isReady() ? .text(200, "ready") : .text(503, "not ready")
        default:
            return .text(404, "not found: try /metrics, /health or /ready")
        }
    }
}
