/// An error from the language-model library: what went wrong and where (file, field, byte offset).
public struct LLMError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of failure, so callers can choose an exit code (malformed data vs a missing file).
    public enum Kind: Sendable, Equatable {
        /// The file is not valid (truncated, absurd sizes, wrong types): data error.
        case malformed
        /// The file is valid but uses something eff does not run (a tensor type, an architecture).
        case unsupported
        /// The file or model could not be found or read.
        case notFound
        /// A call was given arguments it cannot use (a prompt past the context, an unknown token).
        case invalidArgument
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
