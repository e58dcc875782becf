import ArgumentParser

/// Local checks on user input, run before anything is sent, so mistakes exit 64 with a
/// message instead of a round trip to the daemon.
enum InputValidation {
    /// The largest page size the API accepts for `limit`.
    static let maximumLimit = 1000

    /// Whether `text` is an API amount: 1–12 digits, optionally a point and 1–2 digits
    /// (the contract's `^[0-9]{1,12}(\.[0-9]{1,2})?$`).
    static func isValidAmount(_ text: String) -> Bool {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        guard (1...12).contains(whole.count), whole.allSatisfy(isASCIIDigit) else { return false }
        guard parts.count == 2 else { return true }
        let fraction = parts[1]
        return (1...2).contains(fraction.count) && fraction.allSatisfy(isASCIIDigit)
    }

    /// Throws a ValidationError naming `option` unless `text` is a valid amount.
    static func requireAmount(_ text: String, option: String) throws {
        guard isValidAmount(text) else {
            throw ValidationError(
                "\(option) must be a decimal amount with up to 12 digits and at most two decimals, "
                    + "like 12.34 (got '\(text)')."
            )
        }
    }

    /// Throws a ValidationError unless `value` is within 1...maximum.
    static func requirePositive(_ value: Int, option: String, maximum: Int = Int.max) throws {
        guard value >= 1 else {
            throw ValidationError("\(option) must be a positive number (got \(value)).")
        }
        guard value <= maximum else {
            throw ValidationError("\(option) must be at most \(maximum) (got \(value)).")
        }
    }

    /// Throws a ValidationError unless `identifier` is 1...128 characters long.
    static func requireIdentifier(_ identifier: String, name: String) throws {
        guard !identifier.isEmpty, identifier.count <= 128 else {
            throw ValidationError("\(name) must be 1 to 128 characters long.")
        }
    }

    private static func isASCIIDigit(_ character: Character) -> Bool {
        character >= "0" && character <= "9"
    }
}
