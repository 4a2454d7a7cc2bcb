import EffNumerics
import EffKernels
import EffLanguage
import EffModels
import EffUnits
import Foundation

/// Number formats shared by the model values' displays (deterministic: no locale).
enum LabFormat {
    /// `9610` → `9,610`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return value < 0 ? "-" + result : result
    }

    /// Joins `parts` with `separator`, starting a new line (with `indent`) before a part that would pass `width`.
    static func wrap(_ parts: [String], separator: String, width: Int, indent: String, first: String = "") -> [String] {
        var lines: [String] = []
        var line = first
        var lineHasPart = false
        for part in parts {
            if !lineHasPart {
                line += part
            } else if line.count + separator.count + part.count > width {
                lines.append(line)
                line = indent + part
            } else {
                line += separator + part
            }
            lineHasPart = true
        }
        lines.append(line)
        return lines
    }

    /// `0.97777` → `97.8%`.
    static func percent(_ fraction: Double) -> String { fixed(fraction * 100, digits: 1) + "%" }

    /// A fixed number of decimals, e.g. `0.071`.
    static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        return String(format: "%.\(digits)f", value)
    }

    /// Bytes with three significant digits and an SI prefix: `37.6 kB`. // bytes
    static func bytes(_ count: Int) -> String {
        guard count >= 1000 else { return "\(count) B" }
        let (prefix, factor) = SIFormat.prefix(for: Double(count), among: ["k", "M", "G"])
        return SIFormat.fixedSignificant(Double(count) / factor) + " \(prefix)B"
    }
}

/// Tables for model results; the `Table` value comes from EffLab/Tables.
enum LabTables {
    static func make(_ records: [Record]) -> Value { .object(Table(records: records)) }
}

/// A confusion matrix as aligned text: rows are true classes, columns predicted classes.
enum ConfusionText {
    static func render(_ evaluation: Evaluation, context: DisplayContext) -> String {
        let names = evaluation.classNames.map { name in name.count > 10 ? String(name.prefix(9)) + "." : name }
        let counts = evaluation.confusion
        let cellWidth = max(counts.flatMap { $0 }.map { String($0).count }.max() ?? 1,
                            names.map(\.count).max() ?? 1) + 1
        let labelWidth = max(names.map(\.count).max() ?? 1, "true\\pred".count)
        func pad(_ text: String, _ width: Int, right: Bool = true) -> String {
            let padding = String(repeating: " ", count: max(0, width - text.count))
            return right ? padding + text : text + padding
        }
        var lines = [pad("true\\pred", labelWidth, right: false) + names.map { pad($0, cellWidth) }.joined()]
        for (row, name) in names.enumerated() where row < counts.count {
            let cells = counts[row].enumerated().map { column, count -> String in
                // Dots for off-diagonal zeros make the mistakes stand out.
                pad(count == 0 && column != row ? "." : String(count), cellWidth)
            }
            lines.append(pad(name, labelWidth, right: false) + cells.joined())
        }
        return lines.map { TableText.trimmedRight($0) }.joined(separator: "\n")
    }
}

/// What `summary(m)` returns: per-layer rows, storage in every format and work per inference.
public final class ModelSummaryValue: EffObject {
    public let model: Model
    public let summary: ModelSummary

    public init(_ model: Model) {
        self.model = model
        self.summary = model.summary
    }

    static func make(_ model: Model) -> Value { .object(ModelSummaryValue(model)) }

    public var typeName: String { "summary" }

    /// The per-layer table (bytes in B; operations for one example).
    func layerTable(ascii: Bool = false) -> Table {
        let arrow = ascii ? "->" : "→"
        return Table(records: summary.rows.map { row in
            Record([("layer", .number(Double(row.index))), ("kind", .string(row.kind)),
                    ("shape", .string("\(row.inputs)\(arrow)\(row.outputs)")),
                    ("act", .string(row.activation == "none" ? "" : row.activation)),
                    ("format", .string(row.format?.rawValue ?? "")),
                    ("params", .number(Double(row.parameters))),
                    ("nonzero", .number(Double(row.nonzeroParameters))),
                    ("bytes", .number(Double(row.bytes))),
                    ("ops", .number(Double(ModelSummaryValue.operationCount(row.work))))])
        })
    }

    /// All arithmetic operations in `work`, each multiply-add counted once.
    static func operationCount(_ work: Work) -> UInt64 {
        work.operations.values.reduce(0, &+)
    }

    public func display(_ context: DisplayContext) -> String {
        let arrow = context.asciiOnly ? "->" : "→"
        let dot = context.asciiOnly ? " | " : " · "
        let formats = ModelValue(model).formatName
        var lines = LabFormat.wrap(["model \(model.name): \(model.inputCount) inputs \(arrow) \(model.outputCount) outputs",
                                    "\(LabFormat.grouped(summary.parameters)) parameters",
                                    "\(LabFormat.bytes(summary.bytes)) (\(formats))",
                                    "\(LabFormat.grouped(Int(ModelSummaryValue.operationCount(summary.work)))) operations per inference"],
                                   separator: dot, width: context.width, indent: "  ")
        lines.append(TableText.render(layerTable(ascii: context.asciiOnly), context: context))
        // Formats that differ in size (bf16 = f16; the sparse ones depend on the zeros), wrapped to the width.
        let shown: [WeightFormat] = [.f32, .f16, .int8PerRow, .int4Block32, .ternary, .binary]
        let parts = summary.bytesByFormat.filter { shown.contains($0.format) }
            .map { "\($0.format.rawValue) \(LabFormat.bytes($0.bytes))" }
        lines += LabFormat.wrap(parts, separator: dot, width: context.width, indent: "              ", first: "if stored as: ")
        return lines.joined(separator: "\n")
    }

    public static let fields = ["layers", "parameters", "bytes", "bytes_by_format", "operations", "work"]

    public var fieldNames: [String] { ModelSummaryValue.fields }

    public func field(_ name: String) -> Value? {
        switch name {
        case "layers": return .object(layerTable())
        case "parameters": return .number(Double(summary.parameters))
        case "bytes": return .quantity(Quantity(Double(summary.bytes), .data))
        case "bytes_by_format":
            return .record(Record(summary.bytesByFormat.map { ($0.format.rawValue, .quantity(Quantity(Double($0.bytes), .data))) }))
        case "operations": return .number(Double(ModelSummaryValue.operationCount(summary.work)))
        case "work":
            var fields: [(name: String, value: Value)] = Operation.allCases.compactMap { operation in
                let count = summary.work[operation]
                return count == 0 ? nil : (operation.rawValue, .number(Double(count)))
            }
            fields.append(("weight_bytes_read", .quantity(Quantity(Double(summary.work.weightBytesRead), .data))))
            fields.append(("activation_bytes_read", .quantity(Quantity(Double(summary.work.activationBytesRead), .data))))
            fields.append(("activation_bytes_written",
                           .quantity(Quantity(Double(summary.work.activationBytesWritten), .data))))
            return .record(Record(fields))
        default: return nil
        }
    }
}
