import EffLanguage
import EffModels

/// Data builtins: loading built-in and CSV data sets, splitting and scaling.
enum DataBuiltins {
    static let list: [Builtin] = [datasetBuiltin, csvBuiltin, splitBuiltin, scaleBuiltin, standardizeBuiltin, sampleBuiltin]

    static let datasetBuiltin = Builtin(
        "dataset", [.required("name")], category: "data",
        summary: "Loads a built-in data set: \(BuiltinDataset.names.joined(separator: ", ")) (features as published: digits pixels are 0…16).",
        example: "dataset(\"iris\")"
    ) { arguments in
        let name = try arguments.string("name")
        return .object(DatasetValue(try LabModelBuiltins.passingErrors("dataset", argument: "name") {
            try Dataset.builtin(name.lowercased())
        }))
    }

    static let csvBuiltin = Builtin(
        "csv", [.required("path"), .optional("label", .string("last")), .optional("header", .string("auto")),
                .optional("delimiter", .string(","))], category: "data",
        summary: "Reads a CSV file of numeric features and one label column (label: \"last\", \"first\", a column name or index; header: \"auto\", true or false).",
        example: "csv(\"measurements.csv\", label: \"species\")"
    ) { arguments in
        var options = CSVOptions()
        switch arguments.value("label") {
        case .string(let text) where text.lowercased() == "last": options.label = .last
        case .string(let text) where text.lowercased() == "first": options.label = .first
        case .string(let text): options.label = .name(text)
        case .number:
            let index = try arguments.integer("label")
            guard index >= 0 else { throw RuntimeError("csv: 'label' column index must be zero or positive, got \(index)", argument: "label") }
            options.label = .index(index)
        default:
            throw RuntimeError("csv: 'label' must be \"last\", \"first\", a column name or a column index, got "
                + arguments.value("label").typeName, argument: "label")
        }
        switch arguments.value("header") {
        case .bool(let present): options.header = present ? .present : .absent
        case .string(let text) where text.lowercased() == "auto": options.header = .automatic
        default:
            throw RuntimeError("csv: 'header' must be \"auto\", true or false, got \(arguments.value("header").display())",
                               argument: "header")
        }
        let delimiter = try arguments.string("delimiter")
        guard delimiter.count == 1, let character = delimiter.first else {
            throw RuntimeError("csv: 'delimiter' must be one character, got \(Value.string(delimiter).display())",
                               argument: "delimiter")
        }
        options.delimiter = character
        let path = try arguments.string("path")
        return .object(DatasetValue(try LabModelBuiltins.passingErrors("csv", argument: "path") {
            try Dataset.readCSV(path: path, options: options)
        }))
    }

    static let splitBuiltin = Builtin(
        "split", [.required("data"), .optional("train", .number(0.8)), .optional("seed", .number(42)),
                  .optional("stratified", .bool(true))], category: "data",
        summary: "Splits a data set into {train, test}: `train` is the training fraction; stratified keeps class proportions.",
        example: "let parts = split(dataset(\"iris\"), train: 0.8, seed: 42)\nparts.test"
    ) { arguments in
        let data = try arguments.dataset("split", "data")
        let fraction = try arguments.number("split", "train", in: 0...1)
        let seed = try arguments.seed("split")
        let stratified = try arguments.bool("stratified")
        let parts = try LabModelBuiltins.passingErrors("split", argument: "train") {
            try data.dataset.split(trainFraction: fraction, seed: seed, stratified: stratified)
        }
        return .record(Record([("train", .object(DatasetValue(parts.train))), ("test", .object(DatasetValue(parts.test)))]))
    }

    static let scaleBuiltin = Builtin(
        "scale", [.required("data"), .optional("per_feature", .bool(false))], category: "data",
        summary: "Maps features to 0…1 (min–max). Fits on a data set, or on .train of a split record and applies to every part. "
            + "One range for all features by default (pixels: digits 0…16 → 0…1); per_feature: true for tabular data.",
        example: "scale(dataset(\"digits\"))"
    ) { arguments in
        let perFeature = try arguments.bool("per_feature")
        return try fitted("scale", arguments.value("data")) { fitting in
            let scaler = MinMaxScaler(fittedOn: fitting, perFeature: perFeature)
            return { try scaler.apply(to: $0) }
        }
    }

    static let standardizeBuiltin = Builtin(
        "standardize", [.required("data")], category: "data",
        summary: "Gives each feature mean 0 and standard deviation 1, fitted on a data set or on .train of a split record "
            + "and applied to every part.",
        example: "standardize(split(dataset(\"wine\"), seed: 1)).train"
    ) { arguments in
        try fitted("standardize", arguments.value("data")) { fitting in
            let standardizer = Standardizer(fittedOn: fitting)
            return { try standardizer.apply(to: $0) }
        }
    }

    static let sampleBuiltin = Builtin(
        "sample", [.required("data"), .required("index")], category: "data",
        summary: "One example of a data set as {features, label, class} (index from 0).",
        example: "sample(dataset(\"iris\"), 0)"
    ) { arguments in
        let data = try arguments.dataset("sample", "data").dataset
        guard data.count > 0 else { throw RuntimeError("sample: data set '\(data.name)' is empty", argument: "data") }
        let index = try arguments.integer("sample", "index", in: 0...(data.count - 1))
        let row = try LabModelBuiltins.passingErrors("sample") { try data.row(index) }
        let label = data.labels[index]
        return .record(Record([("features", .list(row.map { .number(Double($0)) })),
                               ("label", .number(Double(label))), ("class", .string(data.classNames[label]))]))
    }

    /// Applies a transform fitted on a data set (or on `.train` of a record of data sets) to that data set
    /// (or to every data set in the record, other fields kept).
    private static func fitted(_ function: String, _ value: Value,
                               _ fit: (Dataset) -> (Dataset) throws -> Dataset) throws -> Value {
        switch value {
        case .object(let object as DatasetValue):
            let transform = fit(object.dataset)
            return .object(DatasetValue(try LabModelBuiltins.passingErrors(function, argument: "data") {
                try transform(object.dataset)
            }))
        case .record(let record):
            guard let trainValue = record["train"] else {
                throw RuntimeError("\(function): a record must have a 'train' data set to fit on (as split returns)",
                                   argument: "data")
            }
            let train = try LabModelBuiltins.datasetValue(trainValue, function: function, argument: "data.train")
            let transform = fit(train.dataset)
            var result = Record()
            for (name, field) in record.fields {
                if case .object(let object as DatasetValue) = field {
                    result[name] = .object(DatasetValue(try LabModelBuiltins.passingErrors(function, argument: "data") {
                        try transform(object.dataset)
                    }))
                } else {
                    result[name] = field
                }
            }
            return .record(result)
        default:
            throw RuntimeError("\(function): 'data' must be a data set or a split record {train, test}, got \(value.typeName)",
                               argument: "data")
        }
    }
}
