/// ZooKeeper's stat structure: when and by which transaction a znode was created and changed.
public struct ZnodeStat: Sendable, Equatable {
    public var czxid: Int64
    public var mzxid: Int64
    public var pzxid: Int64
    public var ctimeMilliseconds: Int64
    public var mtimeMilliseconds: Int64
    /// Data version: bumped by every `setData`.
    public var version: Int32
    /// Child version: bumped by every child creation or deletion.
    public var cversion: Int32
    /// The owning session of an ephemeral node, 0 for persistent ones.
    public var ephemeralOwner: Int64
    public var dataLength: Int32
    public var numChildren: Int32

    public init(
        czxid: Int64, mzxid: Int64, pzxid: Int64, ctimeMilliseconds: Int64, mtimeMilliseconds: Int64,
        version: Int32, cversion: Int32, ephemeralOwner: Int64, dataLength: Int32, numChildren: Int32
    ) {
        self.czxid = czxid
        self.mzxid = mzxid
        self.pzxid = pzxid
        self.ctimeMilliseconds = ctimeMilliseconds
        self.mtimeMilliseconds = mtimeMilliseconds
        self.version = version
        self.cversion = cversion
        self.ephemeralOwner = ephemeralOwner
        self.dataLength = dataLength
        self.numChildren = numChildren
    }
}
