#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Random 64-bit words for ids, from the kernel's generator fetched 4 KiB at a time: one
/// `getrandom` system call (which needs no file descriptor) per 512 words instead of one per
/// word (an order used 17). glibc's `arc4random_buf` makes the call and stops the process if
/// the kernel cannot deliver, rather than hand out a predictable value: never a constant id.
enum RandomBits {
    private struct Pool {
        var words = [UInt64](repeating: 0, count: 512)
        var next = 512
    }

    private static let pool = Mutex(Pool())

    static func next() -> UInt64 {
        pool.withLock { pool in
            if pool.next == pool.words.count {
                refill(&pool.words)
                pool.next = 0
            }
            defer { pool.next += 1 }
            return pool.words[pool.next]
        }
    }

    private static func refill(_ words: inout [UInt64]) {
        #if canImport(Glibc)
        words.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
        #else
        for index in words.indices { words[index] = UInt64.random(in: .min ... .max) }
        #endif
    }
}
