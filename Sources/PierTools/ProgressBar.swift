import Foundation

/// A one-line progress bar with rate and ETA, e.g.
/// `[#########-----------]  45%  450000/1000000 records  120.3k/s  ETA 4s`.
public struct ProgressBar: Sendable, Equatable {
    public var total: Int64
    public var width: Int

    public init(total: Int64, width: Int = 24) {
        self.total = total
        self.width = width
    }

    public func render(done: Int64, elapsedSeconds: Double, unit: String = "records") -> String {
        let fraction = total > 0 ? min(Double(done) / Double(total), 1) : 1
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let rate = elapsedSeconds > 0 ? Double(done) / elapsedSeconds : 0
        let eta: String
        if done >= total { eta = "done" } else if rate > 0 { eta = "ETA " + Self.duration(Double(total - done) / rate) } else { eta = "ETA ?" }
        let percent = String(Int((fraction * 100).rounded(.down))).leftPadded(to: 3)
        return "[\(bar)] \(percent)%  \(done)/\(total) \(unit)  \(Self.rate(rate))/s  \(eta)"
    }

    static func rate(_ perSecond: Double) -> String {
        switch perSecond {
        case ..<1000: String(format: "%.0f", perSecond)
        case ..<1_000_000: String(format: "%.1fk", perSecond / 1000)
        default: String(format: "%.2fM", perSecond / 1_000_000)
        }
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m\(String(whole % 60).leftPadded(to: 2, with: "0"))s" }
        return "\(whole / 3600)h\(String(whole / 60 % 60).leftPadded(to: 2, with: "0"))m"
    }
}

extension String {
    fileprivate func leftPadded(to length: Int, with pad: Character = " ") -> String {
        count >= length ? self : String(repeating: pad, count: length - count) + self
    }
}

/// Draws a `ProgressBar` on stderr, at most ten times a second, only when stderr is a terminal:
/// piped or redirected output stays clean.
public final class ProgressDisplay {
    private let bar: ProgressBar
    private let unit: String
    private let enabled: Bool
    private let started = ContinuousClock.now
    private var lastDrawn: ContinuousClock.Instant?

    public init(total: Int64, unit: String = "records", enabled: Bool = isatty(STDERR_FILENO) == 1) {
        bar = ProgressBar(total: total)
        self.unit = unit
        self.enabled = enabled
    }

    public func update(done: Int64) {
        guard enabled else { return }
        let now = ContinuousClock.now
        if let lastDrawn, now - lastDrawn < .milliseconds(100) { return }
        lastDrawn = now
        draw(done: done, now: now)
    }

    /// Draws the final state and ends the line.
    public func finish(done: Int64) {
        guard enabled else { return }
        draw(done: done, now: .now)
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw(done: Int64, now: ContinuousClock.Instant) {
        let elapsed = now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        FileHandle.standardError.write(Data(("\r" + bar.render(done: done, elapsedSeconds: seconds, unit: unit) + "\u{1B}[K").utf8))
    }
}
