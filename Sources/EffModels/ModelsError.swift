/// An error from the model library: what went wrong and where, ready to show to a user.
///
/// Every failure reachable from user input (files, arguments, shapes) is reported with this
/// type; nothing in EffModels traps on bad input.
///
///     throw ModelsError(.csv, "digits.csv:12:3: cell 'x' is not a number")
public struct ModelsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The area the error comes from, so callers can map it to an exit code or a hint.
    public enum Kind: String, Sendable {
        /// The data set resources could not be located.
        case resources
        /// A data set argument or operation (split, scaling) was invalid.
        case data
        /// A CSV file could not be read or parsed.
        case csv
        /// A model was built or combined with inconsistent shapes or settings.
        case model
        /// Training settings were invalid or training diverged.
        case training
        /// A weight file (safetensors, npy, npz) was malformed, truncated or did not match the model.
        case weightFile
    }

    /// The area the error comes from.
    public let kind: Kind
    /// A complete, human-readable message naming the file, line, column or layer when known.
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
