/// Chooses a partition from a record key with 64-bit FNV-1a: stable across restarts, releases
/// and machines, so one key's records always land in the same partition and keep their order.
/// Every backend partitions with it, so a key has the same partition number on all of them.
public enum KeyPartitioner {
    public static func partition(for key: [UInt8], partitions: Int) -> Int {
        Int(hash(key) % UInt64(partitions))
    }

    /// The 64-bit FNV-1a hash of `key` (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
    public static func hash(_ key: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
