/// Accumulates indented Swift source.
struct CodeWriter {
    private(set) var text = ""
    private var depth = 0

    mutating func line(_ content: String = "") {
        text += content.isEmpty ? "\n" : String(repeating: "    ", count: depth) + content + "\n"
    }

    /// Writes `header {`, the body one level deeper, then `}` (plus `trailer`).
    mutating func block(_ header: String, trailer: String = "", _ body: (inout CodeWriter) -> Void) {
        line(header + " {")
        depth += 1
        body(&self)
        depth -= 1
        line("}" + trailer)
    }

    /// Continues the block just closed: `} else {` rather than `}` and `else {` on two lines.
    mutating func chain(_ header: String, _ body: (inout CodeWriter) -> Void) {
        if text.hasSuffix("}\n") { text.removeLast(2) } else { line("}") ; text.removeLast(2) }
        text += "} " + header + " {\n"
        depth += 1
        body(&self)
        depth -= 1
        line("}")
    }

    /// `if condition { body }`, dropping the `if` when the condition is always true and everything when never.
    mutating func when(_ condition: String, _ body: (inout CodeWriter) -> Void) {
        switch condition {
        case "false": return
        case "true": body(&self)
        default: block("if \(condition)", body)
        }
    }
}
