/// How deadlines are stated: timeouts are kept as `Duration`, stored times as epoch
/// milliseconds, and told to people in the largest exact unit.
extension Duration {
    /// Whole milliseconds.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The duration in the largest unit that states it exactly: `15m`, `90s`, `1500ms`.
    public var deadlineText: String {
        let ms = milliseconds
        for (unit, size) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000)] where ms >= size && ms % size == 0 {
            return "\(ms / size)\(unit)"
        }
        return "\(ms)ms"
    }
}
