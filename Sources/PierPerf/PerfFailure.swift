/// Why a perf run stopped, as one line for a person. Client errors pass through as they are.
public struct PerfFailure: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
