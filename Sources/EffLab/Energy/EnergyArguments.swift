import Foundation
import EffEnergy
import EffKernels
import EffLanguage
import EffModels
import EffUnits

/// Reading the energy builtins' arguments (models, data, batch, budget) with errors that name the argument.
extension Arguments {
    /// A model argument (the models module's accessor, so the error reads the same everywhere).
    func modelValue(_ name: String, function: String) throws -> ModelValue {
        try LabModelBuiltins.modelValue(value(name), function: function, argument: name)
    }

    /// A data set argument.
    func datasetValue(_ name: String, function: String) throws -> DatasetValue {
        try LabModelBuiltins.datasetValue(value(name), function: function, argument: name)
    }

    /// The batch size: a whole number within 1...65536.
    func batchSize(function: String) throws -> Int {
        let batch = try integer("batch")
        guard (1...65_536).contains(batch) else {
            throw RuntimeError("\(function): batch must be within 1...65536, got \(batch)", argument: "batch")
        }
        return batch
    }

    /// A time budget: a time quantity (or plain seconds) within (0, 3600] s; returns seconds.
    func seconds(_ name: String, function: String) throws -> Double {
        let seconds: Double
        switch value(name) {
        case .quantity(let quantity) where quantity.dimension == .time: seconds = quantity.value
        case .number(let number): seconds = number
        default:
            throw RuntimeError("\(function): '\(name)' must be a time such as 2 s, got \(value(name).typeName)", argument: name)
        }
        guard seconds.isFinite, seconds > 0, seconds <= 3600 else {
            throw RuntimeError("\(function): '\(name)' must be within (0 s, 1 h], got \(Value.number(seconds).text()) s",
                               argument: name)
        }
        return seconds
    }
}

/// Joules as an energy value (displayed with an SI prefix: mJ, µJ, nJ).
func joules(_ value: Double) -> Value { .quantity(Quantity(value, .energy)) }

/// Seconds as a time value.
func secondsValue(_ value: Double) -> Value { .quantity(Quantity(value, .time)) }

/// Shared pieces of the energy builtins: labels, work of a model, per-layer names.
enum EnergyLabels {
    /// A source label with the profile's short citation: "estimated, profile horowitz-45nm (Horowitz ISSCC 2014, 45 nm)".
    static func source(_ source: EnergySource) -> String {
        if case .estimated(let profile) = source, let citation = SessionProfiles.shortCitation(profile) {
            return "\(source) (\(citation))"
        }
        return "\(source)"
    }

    /// "0 dense 64→128 f32", "1 layernorm", … one name per layer, in order (shape and format for layers with
    /// quantizable weights).
    static func layerNames(_ model: Model) -> [String] {
        model.summary.rows.map { row in
            var name = "\(row.index) \(row.kind)"
            if let format = row.format { name += " \(row.inputs)→\(row.outputs) \(format.rawValue)" }
            return name
        }
    }

    /// The per-layer work of one call on `batch` examples, named (dropout layers, which do nothing, left out).
    static func layerWork(_ model: Model, batch: Int) -> [LayerWork] {
        zip(layerNames(model), model.layerWork(batch: batch)).compactMap { name, work in
            work == Work() ? nil : LayerWork(name: name, work: work)
        }
    }

    /// Total operations of a `Work` (every kind counted once; a multiply-add is one operation).
    static func operationCount(_ work: Work) -> Double {
        Double(work.operations.values.reduce(UInt64(0), +))
    }

    /// "1/15.9" for ratios of 1/2 and below, three significant digits otherwise ("0.973", "1.03", "12.5").
    static func ratio(_ value: Double) -> String {
        guard value.isFinite, value > 0 else { return QuantityFormatter.formatNumber(value) }
        guard value <= 0.5 else { return QuantityFormatter.formatNumber(Double(String(format: "%.3g", value)) ?? value) }
        let inverse = 1 / value
        return "1/" + (inverse >= 100 ? QuantityFormatter.formatNumber(inverse.rounded())
                       : QuantityFormatter.formatNumber((inverse * 10).rounded() / 10))
    }

    /// A fraction difference as signed percentage points: "+0.6 pt", "−1.4 pt", "0 pt".
    static func points(_ fraction: Double) -> String {
        let points = (fraction * 1000).rounded() / 10
        return (points > 0 ? "+" : points < 0 ? "−" : "") + QuantityFormatter.formatNumber(abs(points)) + " pt"
    }

    /// A fraction as a percentage: "97.8%".
    static func percent(_ fraction: Double) -> String {
        QuantityFormatter.formatNumber((fraction * 1000).rounded() / 10) + "%"
    }
}

extension EnergyLabels {
    /// Breaks `line` at spaces so each piece fits `width` columns; continuation lines get `indent`.
    /// Words longer than the width stay whole (never cut inside a number or unit).
    static func wrap(_ line: String, width: Int, indent: String) -> [String] {
        guard line.count > width, width > indent.count + 10 else { return [line] }
        let lead = String(line.prefix { $0 == " " })
        var lines: [String] = []
        var current = lead
        for word in line.dropFirst(lead.count).split(separator: " ") {
            let candidate = current == lead || current == indent ? current + word : current + " " + word
            if candidate.count > width, current != lead, current != indent {
                lines.append(current)
                current = indent + word
            } else {
                current = candidate
            }
        }
        lines.append(current)
        return lines
    }
}
