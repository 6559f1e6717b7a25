import PierObservability
import Synchronization
import Testing

@Suite struct AdminEndpointsTests {
    private func endpoints(ready: Bool) -> AdminEndpoints {
        AdminEndpoints(metrics: { Array("pier_requests_total{api=\"Produce\"} 3\n".utf8) }, isReady: { ready })
    }

    @Test func metricsAreServedAsPrometheusText() async {
        let response = await endpoints(ready: true).response(method: "GET", path: "/metrics")
        #expect(response.status == 200)
        #expect(response.contentType.hasPrefix("text/plain; version=0.0.4"))
        #expect(String(decoding: response.body, as: UTF8.self) == "pier_requests_total{api=\"Produce\"} 3\n")
    }

    @Test func healthIsAlwaysOKAndReadyFollowsTheBroker() async {
        #expect(await endpoints(ready: false).response(method: "GET", path: "/health").status == 200)
        #expect(await endpoints(ready: true).response(method: "GET", path: "/ready").status == 200)
        #expect(await endpoints(ready: false).response(method: "GET", path: "/ready").status == 503)
        #expect(await endpoints(ready: true).response(method: "GET", path: "/ready?verbose=1").status == 200)
    }

    @Test func unknownPathsAndMethodsAreRefused() async {
        #expect(await endpoints(ready: true).response(method: "GET", path: "/").status == 404)
        #expect(await endpoints(ready: true).response(method: "GET", path: "/metricsx").status == 404)
        #expect(await endpoints(ready: true).response(method: "POST", path: "/metrics").status == 405)
    }

    @Test func scrapeRunsTheCollectorEachTime() async {
        let scrapes = Mutex(0)
        let counting = AdminEndpoints(metrics: { Array("scrape \(scrapes.withLock { $0 += 1; return $0 })\n".utf8) }, isReady: { true })
        _ = await counting.response(method: "GET", path: "/metrics")
        let second = await counting.response(method: "GET", path: "/metrics")
        #expect(String(decoding: second.body, as: UTF8.self) == "scrape 2\n")
    }
}
