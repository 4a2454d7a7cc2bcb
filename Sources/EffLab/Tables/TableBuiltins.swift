import EffLanguage

/// The builtins that make and save tables: `table`, `save`.
enum TableBuiltins {
    static let list: [Builtin] = [
        Builtin(
            "table", [.required("rows"), .optional("digits")], category: "tables",
            summary: "A table from a list of records (columns: every field, in first-seen order) or a record of equal-length lists; "
                + "digits: significant digits of its numbers and quantities (3 by default; exports keep all).",
            example: "table([{model: \"fp32\", energy: 12.5 mJ}, {model: \"int8\", energy: 3.1 mJ}])"
        ) { arguments in
            let table = try Table.from(arguments.value("rows"), function: "table", argument: "rows")
            if arguments.isGiven("digits") {
                let digits = try arguments.integer("digits")
                guard (1...17).contains(digits) else {
                    throw RuntimeError("table: 'digits' must be in 1…17, got \(digits)", argument: "digits")
                }
                table.digits = digits
            }
            return .object(table)
        },
        Builtin(
            "save", [.required("value"), .required("path")], category: "tables",
            summary: "Writes a table (or list of records) as .csv or .json, a chart as .txt, a model as .safetensors (a sequence model also as a Llama .gguf); quantities go out in base units (J, s, W, B).",
            example: "save(table([{model: \"q8\", energy: 3.1 mJ}]), \"/tmp/energy.csv\")"
        ) { arguments in
            let value = try arguments.value("value"), path = try arguments.string("path")
            if try LabModelBuiltins.saveModel(value, path: path) { return .nilValue }
            try save(value, to: path, context: arguments.displayContext)
            return .nilValue
        },
    ]

    /// What `save` writes for each kind of value, by the path's extension.
    static func save(_ value: Value, to path: String, context: DisplayContext) throws {
        let fileExtension = pathExtension(path)
        if case .object(let object) = value, let chart = object as? ChartValue {
            guard fileExtension == "txt" else {
                throw RuntimeError(
                    "save: a chart is saved as text, so the path must end in .txt, not \(describe(fileExtension))",
                    argument: "path")
            }
            try TextFile.write(try chart.plainText(context) + "\n", to: path, function: "save")
            return
        }
        let isTabular: Bool
        switch value {
        case .list: isTabular = true
        case .object(let object): isTabular = object is Table
        default: isTabular = false
        }
        guard isTabular else {
            throw RuntimeError(
                "save: cannot save a \(value.typeName); save takes a table, a list of records or a chart",
                argument: "value")
        }
        guard let format = TableExport.Format(rawValue: fileExtension) else {
            let known = TableExport.Format.allCases.map { "." + $0.rawValue }.joined(separator: " or ")
            throw RuntimeError(
                "save: cannot tell the format from \(describe(fileExtension)); a table is saved as \(known)",
                hint: "e.g. save(t, \"results.csv\")", argument: "path")
        }
        let table = try Table.from(value, function: "save", argument: "value")
        try TextFile.write(TableExport.text(table, format: format), to: path, function: "save")
    }

    /// The lowercased extension of the last path component, or "" when it has none.
    static func pathExtension(_ path: String) -> String {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    private static func describe(_ fileExtension: String) -> String {
        fileExtension.isEmpty ? "a path without an extension" : ".\(fileExtension)"
    }
}
