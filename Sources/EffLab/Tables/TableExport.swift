import EffModels
import EffNumerics
import EffLanguage
import EffUnits
import Foundation

/// Tables as CSV and JSON text, with quantities written as plain numbers in base units.
///
/// CSV: a column whose cells are all quantities of one dimension gets its base unit in the header,
/// `energy (J)`, and its cells are numbers in that unit (`0.0031` for 3.1 mJ); a column that mixes
/// dimensions, or numbers and quantities, keeps each cell's text (`3.1 mJ`). Fields are quoted as in
/// RFC 4180 (a field holding `,` `"` CR or LF is enclosed in quotes, inner quotes doubled); lines end
/// in LF; missing cells are empty.
///
/// JSON: an array with one object per row, keys in column order, quantities as
/// `{"value": 0.0031, "unit": "J"}`, missing cells `null`, NaN and infinities `null`.
enum TableExport {
    /// The file formats `save` writes, by extension.
    enum Format: String, CaseIterable {
        case csv
        case json
    }

    static func text(_ table: Table, format: Format) -> String {
        switch format {
        case .csv: return csv(table)
        case .json: return json(table)
        }
    }

    // MARK: CSV

    static func csv(_ table: Table) -> String {
        let units: [EffUnits.Dimension?] = table.columns.indices.map { column in
            commonDimension(table.rows.map { $0[column] })
        }
        var lines: [String] = []
        lines.append(zip(table.columns, units).map { name, dimension in
            csvField(dimension.map { "\(name) (\(baseUnit($0)))" } ?? name)
        }.joined(separator: ","))
        for row in table.rows {
            lines.append(zip(row, units).map { cell, dimension in
                if dimension != nil, case .quantity(let quantity) = cell { return exactNumber(quantity.value) }
                return csvField(csvText(cell))
            }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The dimension shared by every non-nil cell when all are quantities (at least one), else nil.
    static func commonDimension(_ cells: [Value]) -> EffUnits.Dimension? {
        var dimension: EffUnits.Dimension?
        for cell in cells {
            switch cell {
            case .nilValue: continue
            case .quantity(let quantity):
                if let known = dimension, known != quantity.dimension { return nil }
                dimension = quantity.dimension
            default: return nil
            }
        }
        return dimension
    }

    /// The unit quantities are written in: the dimension's unit of factor 1 (`J`, `W`, `s`, `B`, `FLOP`),
    /// else its base-unit formula (`J/FLOP`, `B/s`).
    static func baseUnit(_ dimension: EffUnits.Dimension) -> String {
        UnitTable.all.first { $0.dimension == dimension && $0.factor == 1 && $0.isDisplayed }?.symbol
            ?? dimension.baseUnitFormula
    }

    private static func csvText(_ value: Value) -> String {
        switch value {
        case .nilValue: return ""
        case .number(let number): return exactNumber(number)
        case .string(let text): return text
        case .object(let object): return "<\(object.typeName)>"
        default: return value.text()
        }
    }

    /// The field, quoted when it holds a comma, a quote or a line break (RFC 4180).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A number to 15 significant digits (integers without a point): every digit a double holds
    /// reliably, without the noise unit conversion leaves (3.1 mJ is 0.0031 J, not 0.0031000000000000003).
    static func exactNumber(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == value.rounded(), Swift.abs(value) < 1e15 { return String(Int64(value)) }
        var text = String(format: "%.15g", value)
        // Trim zeros of the fraction, keeping any exponent: 1.50000e+20 → 1.5e+20.
        let exponent = text.firstIndex(of: "e").map { String(text[$0...]) } ?? ""
        var mantissa = String(text.dropLast(exponent.count))
        if mantissa.contains(".") {
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
        }
        text = mantissa + exponent
        return text
    }

    // MARK: JSON

    static func json(_ table: Table) -> String {
        guard !table.rows.isEmpty else { return "[]\n" }
        let objects = table.rows.map { row in
            "  {" + zip(table.columns, row).map { "\(jsonString($0)): \(jsonValue($1))" }.joined(separator: ", ") + "}"
        }
        return "[\n" + objects.joined(separator: ",\n") + "\n]\n"
    }

    static func jsonValue(_ value: Value) -> String {
        switch value {
        case .nilValue: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number): return jsonNumber(number)
        case .quantity(let quantity):
            return "{\"value\": \(jsonNumber(quantity.value)), \"unit\": \(jsonString(baseUnit(quantity.dimension)))}"
        case .string(let text): return jsonString(text)
        case .list(let elements): return "[" + elements.map(jsonValue).joined(separator: ", ") + "]"
        case .range:
            return "[" + ((try? value.listElements()) ?? []).map(jsonValue).joined(separator: ", ") + "]"
        case .record(let record):
            return "{" + record.fields.map { "\(jsonString($0.name)): \(jsonValue($0.value))" }.joined(separator: ", ") + "}"
        case .function, .builtin: return jsonString(value.text())
        case .object(let object):
            if let table = object as? Table {
                return "[" + table.records.map { jsonValue(.record($0)) }.joined(separator: ", ") + "]"
            }
            return jsonString("<\(object.typeName)>")
        }
    }

    /// JSON has no NaN or infinity: they become null.
    static func jsonNumber(_ value: Double) -> String { value.isFinite ? exactNumber(value) : "null" }

    static func jsonString(_ text: String) -> String { JSONText.quoted(text) }
}
