import EffKernels
/// Parsing the names users type for formats, activations and pruning structures, with errors that list
/// the valid choices (the `CaseIterable` lists are the single source of truth).
public protocol UserNamed: RawRepresentable, CaseIterable where RawValue == String {
    /// What the value is called in messages, e.g. "weight format".
    static var kindName: String { get }
}

extension UserNamed {
    /// The value named `name` (case-insensitive), or an error listing the valid names.
    public static func named(_ name: String) throws -> Self {
        if let value = Self(rawValue: name.lowercased()) { return value }
        throw ModelsError(.model, "unknown \(kindName) '\(name)'; choose one of: "
            + allCases.map(\.rawValue).joined(separator: ", "))
    }
}

extension Activation: UserNamed { public static let kindName = "activation" }
extension SparsityStructure: UserNamed { public static let kindName = "pruning structure" }
