import EffKernels
import EffLanguage
import EffModels

/// Reading model-builtin arguments: unwrapping domain values, names and seeds, and turning library
/// errors into eff runtime errors that name the function and argument.
extension LabModelBuiltins {
    /// The model in `value`, or an error naming `function` and `argument`.
    public static func modelValue(_ value: Value, function: String, argument: String) throws -> ModelValue {
        if case .object(let object) = value, let model = object as? ModelValue { return model }
        throw RuntimeError("\(function): '\(argument)' must be a model, got \(value.typeName)",
                           hint: "make one with mlp([64, 128, 10]) or model(input: 64, layers: […])", argument: argument)
    }

    /// The data set in `value`, or an error naming `function` and `argument`. A `split` record is refused
    /// with a hint to pick `.train` or `.test`.
    public static func datasetValue(_ value: Value, function: String, argument: String) throws -> DatasetValue {
        if case .object(let object) = value, let data = object as? DatasetValue { return data }
        if case .record(let record) = value, record["train"] != nil, record["test"] != nil {
            throw RuntimeError("\(function): '\(argument)' must be a data set, got the record of a split",
                               hint: "use \(argument).train or \(argument).test", argument: argument)
        }
        throw RuntimeError("\(function): '\(argument)' must be a data set, got \(value.typeName)",
                           hint: "load one with dataset(\"digits\") or csv(\"file.csv\")", argument: argument)
    }

    /// Runs `body`, rewording EffModels and EffKernels errors as runtime errors prefixed with `function`.
    static func passingErrors<T>(_ function: String, argument: String? = nil, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ModelsError {
            throw RuntimeError(prefixed(function, error.message), argument: argument)
        } catch let error as KernelError {
            throw RuntimeError(prefixed(function, error.description), argument: argument)
        }
    }

    /// `"train: msg"`, unless the message already starts with the function's name.
    private static func prefixed(_ function: String, _ message: String) -> String {
        message.hasPrefix(function + ":") ? message : "\(function): \(message)"
    }
}

extension Arguments {
    /// A seed argument (a whole number ≥ 0).
    func seed(_ function: String, _ name: String = "seed") throws -> UInt64 {
        let value = try integer(name)
        guard value >= 0 else {
            throw RuntimeError("\(function): '\(name)' must be zero or positive, got \(value)", argument: name)
        }
        return UInt64(value)
    }

    /// A whole-number argument within `range`.
    func integer(_ function: String, _ name: String, in range: ClosedRange<Int>) throws -> Int {
        let value = try integer(name)
        guard range.contains(value) else {
            throw RuntimeError("\(function): '\(name)' must be in \(range.lowerBound)…\(range.upperBound), got \(value)",
                               argument: name)
        }
        return value
    }

    /// A finite number argument within `range`.
    func number(_ function: String, _ name: String, in range: ClosedRange<Double>) throws -> Double {
        let value = try number(name)
        guard value.isFinite, range.contains(value) else {
            throw RuntimeError("\(function): '\(name)' must be in \(Value.number(range.lowerBound).text())…"
                + "\(Value.number(range.upperBound).text()), got \(Value.number(value).text())", argument: name)
        }
        return value
    }

    /// A weight format named by a string argument (`"int8"`, `"ternary"` …), listing the names when unknown.
    func weightFormat(_ function: String, _ name: String) throws -> WeightFormat {
        let text = try string(name)
        return try LabModelBuiltins.passingErrors(function, argument: name) { try WeightFormat.named(text.lowercased()) }
    }

    /// An activation named by a string argument.
    func activation(_ function: String, _ name: String) throws -> Activation {
        let text = try string(name)
        return try LabModelBuiltins.passingErrors(function, argument: name) { try Activation.named(text) }
    }

    /// One of a fixed set of lowercase words.
    func choice(_ function: String, _ name: String, among choices: [String]) throws -> String {
        let text = try string(name).lowercased()
        guard choices.contains(text) else {
            throw RuntimeError("\(function): unknown \(name) \"\(text)\"; choose one of: \(choices.joined(separator: ", "))",
                               argument: name)
        }
        return text
    }

    func model(_ function: String, _ name: String) throws -> ModelValue {
        try LabModelBuiltins.modelValue(value(name), function: function, argument: name)
    }

    func dataset(_ function: String, _ name: String) throws -> DatasetValue {
        try LabModelBuiltins.datasetValue(value(name), function: function, argument: name)
    }
}
