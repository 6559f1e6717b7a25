/// Kafka's topic-name rules: 1–249 characters of ASCII letters, digits, '.', '_' and '-', and not "." or "..".
/// A name that breaks them is answered with INVALID_TOPIC_EXCEPTION.
enum TopicName {
    static let maximumLength = 249

    static func problem(with name: String) -> String? {
        if name.isEmpty { return "topic name is empty" }
        if name == "." || name == ".." { return "topic name cannot be '.' or '..'" }
        if name.utf8.count > maximumLength { return "topic name is longer than \(maximumLength) characters" }
        let allowed = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        return allowed ? nil : "topic name '\(name)' has characters other than ASCII letters, digits, '.', '_' and '-'"
    }
}
