import Foundation
import Testing

/// Runs `pier` against `broker` and expects success; returns standard output.
@discardableResult
func pierSucceeds(_ arguments: [String], broker: BrokerProcess? = nil, input: String? = nil,
                  sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let full = arguments + (broker.map { ["--bootstrap-server", $0.bootstrap] } ?? [])
    let outcome = try PierBinary.run(full, input: input.map { Data($0.utf8) })
    #expect(outcome.status == 0, "pier \(full.joined(separator: " ")): \(outcome.stderr)", sourceLocation: sourceLocation)
    return outcome.stdout
}

/// Runs `pier` and expects a failure reported as exactly one line on stderr; returns that line.
@discardableResult
func pierFails(_ arguments: [String], broker: BrokerProcess? = nil, input: String? = nil,
               sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let full = arguments + (broker.map { ["--bootstrap-server", $0.bootstrap] } ?? [])
    let outcome = try PierBinary.run(full, input: input.map { Data($0.utf8) })
    #expect(outcome.status != 0, "pier \(full.joined(separator: " ")) succeeded: \(outcome.stdout)", sourceLocation: sourceLocation)
    #expect(outcome.stderr.hasSuffix("\n") && outcome.stderr.dropLast().split(separator: "\n").count == 1,
            "not one line: \(outcome.stderr)", sourceLocation: sourceLocation)
    return String(outcome.stderr.dropLast())
}
