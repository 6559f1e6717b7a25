@testable import PierCoordination
import Testing

@Suite struct ZnodePathTests {
    @Test(arguments: ["", "a", "/a/", "//a", "/a//b", "/a/./b", "/a/../b", "/a\u{0}b", "/.", "/.."])
    func rejectsInvalidPaths(_ path: String) {
        #expect(throws: ZnodeError.invalidPath(path)) { try ZnodePath(path) }
    }

    @Test func parentNameAndAncestors() throws {
        let path = try ZnodePath("/brokers/topics/orders")
        #expect(path.parentString == "/brokers/topics")
        #expect(path.name == "orders")
        #expect(path.ancestors.map(\.string) == ["/brokers", "/brokers/topics"])
        #expect(try ZnodePath("/brokers").parentString == "/")
        #expect(ZnodePath.root.parentString == "")
        #expect(ZnodePath.root.parent == nil)
    }

    @Test func sequenceSuffixIsTenDigits() throws {
        #expect(try ZnodePath("/q/item-").appendingSequenceNumber(42).string == "/q/item-0000000042")
    }
}
