/// An error from a kernel call: bad shapes, bad sizes or an instruction set this CPU lacks.
public enum KernelError: Error, Equatable, CustomStringConvertible {
    /// Two operands disagree on a dimension (`what` names the operands, e.g. "gemv: weights cols vs x count").
    case shapeMismatch(what: String, expected: Int, actual: Int)
    /// A size is negative, overflows, or exceeds `limit` bytes.
    case sizeTooLarge(what: String, bytes: Int, limit: Int)
    /// A size or argument is invalid (negative, empty where not allowed, unknown name).
    case invalidArgument(String)
    /// The requested instruction set is not supported by this CPU or build.
    case unsupportedInstructionSet(requested: String, available: [String])

    public var description: String {
        switch self {
        case let .shapeMismatch(what, expected, actual):
            return "shape mismatch in \(what): expected \(expected), got \(actual)"
        case let .sizeTooLarge(what, bytes, limit):
            return "\(what) needs \(bytes) bytes, more than the limit of \(limit) bytes"
        case let .invalidArgument(message):
            return message
        case let .unsupportedInstructionSet(requested, available):
            return "instruction set '\(requested)' is not available in this build on this CPU (available: \(available.joined(separator: ", ")))"
        }
    }
}
