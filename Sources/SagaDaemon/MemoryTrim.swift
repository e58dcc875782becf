#if canImport(Glibc)
import Glibc
#endif

/// glibc hands the free top of each heap back to the kernel (`madvise`) as soon as more than
/// 128 KiB lies free there, and the memory is faulted in again moments later: under load that
/// was 1.3 `madvise` calls per order. Keeping up to 64 MiB free per heap stops that churn; peak
/// RSS is unchanged (the memory was going to be used again).
public enum MemoryTrim {
    public static func keepFreedMemory() {
        #if canImport(Glibc)
        // <malloc.h> is not in Swift's Glibc module: look `mallopt` up by name.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(trimThreshold, 64 << 20)
        #endif
    }
}
