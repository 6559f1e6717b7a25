import NIOCore

/// The answer to a request already written: await `value`, or observe completion with
/// `whenComplete` (which runs on the connection's event loop the moment the answer lands, the
/// right place to stop a latency clock).
public struct PendingResponse<Value: Sendable>: Sendable {
    private let future: EventLoopFuture<Value>

    init(_ future: EventLoopFuture<Value>) {
        self.future = future
    }

    /// The answer; throws `KafkaClientError`.
    public var value: Value {
        get async throws {
            do {
                return try await future.get()
            } catch let error as KafkaClientError {
                throw error
            } catch {
                // Channel errors (a write on a closed channel) all mean the connection is gone.
                throw KafkaClientError.connectionClosed
            }
        }
    }

    public func whenComplete(_ callback: @escaping @Sendable (Result<Value, any Error>) -> Void) {
        future.whenComplete(callback)
    }

    func map<NewValue: Sendable>(_ transform: @escaping @Sendable (Value) throws -> NewValue) -> PendingResponse<NewValue> {
        PendingResponse<NewValue>(future.flatMapThrowing(transform))
    }
}
