import EffUnits
import Foundation

/// The builtins every eff session has: output, inspection, assertions, units.
public enum Builtins {
    /// The language's own builtins. Domain modules (charts, kernels, models, energy) add theirs at start-up.
    public static let core: [Builtin] = CoreBuiltins.list + MathBuiltins.list + ListBuiltins.list
}

enum CoreBuiltins {
    static let list: [Builtin] = [
        Builtin("print", [.variadic("values")], category: "core",
                summary: "Writes values as text, separated by spaces, then a newline.",
                example: "print(\"energy:\", 3.7 mJ)") { arguments in
            let values = try arguments.list("values")
            arguments.write(values.map { $0.text(arguments.displayContext) }.joined(separator: " "))
            return .nilValue
        },
        Builtin("show", [.required("value")], category: "core",
                summary: "Displays a value the way the prompt does (strings quoted) and returns nil.",
                example: "show({name: \"q8\", bits: 8})") { arguments in
            arguments.write(arguments.value("value").displayBlock(arguments.displayContext))
            return .nilValue
        },
        Builtin("str", [.required("value"), .optional("digits")], category: "core",
                summary: "The text form of a value, as print would write it; digits: significant digits of quantities (3 by default).",
                example: "str(36.0792 nJ, digits: 6)") { arguments in
            var context = arguments.displayContext
            if arguments.isGiven("digits") {
                let digits = try arguments.integer("digits")
                guard (1...17).contains(digits) else {
                    throw RuntimeError("str: 'digits' must be in 1…17, got \(digits)", argument: "digits")
                }
                context.digits = digits
            }
            return .string(arguments.value("value").text(context))
        },
        Builtin("format", [.required("template"), .variadic("values")], category: "core",
                summary: "Fills each {} in the template with the next value's text; {{ and }} are literal braces.",
                example: "format(\"{} uses {}\", \"q8\", 3.7 mJ)") { arguments in
            .string(try format(try arguments.string("template"), try arguments.list("values"),
                               context: arguments.displayContext))
        },
        Builtin("type", [.required("value")], category: "core",
                summary: "The name of a value's type; for quantities, their dimension.",
                example: "type(5 J / 2 s)") { arguments in
            .string(arguments.value("value").typeName)
        },
        Builtin("len", [.required("value")], category: "core",
                summary: "The number of elements of a list, range or table, characters of a string, or fields of a record.",
                example: "len([1, 2, 3])") { arguments in
            let value = arguments.value("value")
            switch value {
            case .string(let text): return .number(Double(text.count))
            case .record(let record): return .number(Double(record.fields.count))
            case .range: return .number(Double(value.rangeCount ?? 0))
            default:
                guard let elements = value.elements else {
                    throw RuntimeError("len: \(value.typeName) has no length", argument: "value")
                }
                return .number(Double(elements.count))
            }
        },
        Builtin("assert", [.required("condition"), .optional("message", .nilValue)], category: "core",
                summary: "Stops with an error when the condition is false.",
                example: "assert(1 J / 1 s == 1 W, \"units\")") { arguments in
            guard try arguments.bool("condition") else {
                let message = arguments.value("message")
                throw RuntimeError(arguments.isGiven("message") ? "assertion failed: \(message.text())" : "assertion failed",
                                   argument: "condition")
            }
            return .nilValue
        },
        Builtin("error", [.required("message")], category: "core",
                summary: "Stops with an error carrying the message.",
                example: "error(\"bits must be 1..8\")") { arguments in
            throw RuntimeError(arguments.value("message").text())
        },
        Builtin("keys", [.required("record")], category: "core",
                summary: "The field names of a record (or of a table, model, …), in order.",
                example: "keys({a: 1, b: 2})") { arguments in
            switch arguments.value("record") {
            case .record(let record): return .list(record.names.map { .string($0) })
            case .object(let object): return .list(object.fieldNames.map { .string($0) })
            default: throw RuntimeError("keys: expected a record, got \(arguments.value("record").typeName)", argument: "record")
            }
        },
        Builtin("get", [.required("record"), .required("field"), .optional("default")], category: "core",
                summary: "A field by name (a string), or the default when it is missing.",
                example: "get({a: 1}, \"b\", default: 0)") { arguments in
            let name = try arguments.string("field")
            switch arguments.value("record") {
            case .record(let record): return record[name] ?? arguments.value("default")
            case .object(let object): return object.field(name) ?? arguments.value("default")
            default: throw RuntimeError("get: expected a record, got \(arguments.value("record").typeName)", argument: "record")
            }
        },
        Builtin("to", [.required("quantity"), .required("unit")], category: "units",
                summary: "Converts a quantity to a unit of the same dimension (display keeps that unit).",
                example: "to(3.7 mJ, \"uJ\")") { arguments in
            let symbol = try arguments.string("unit")
            guard case .quantity(var quantity) = arguments.value("quantity") else {
                throw RuntimeError("to: expected a quantity with a unit, got \(arguments.value("quantity").typeName)",
                                   hint: "attach a unit first, e.g. to(x * 1 J, \"mJ\")", argument: "quantity")
            }
            guard let (dimension, _) = UnitTable.parse(symbol) else {
                throw RuntimeError("to: unknown unit \"\(symbol)\"",
                                   hint: Suggestions.hint(for: symbol, among: UnitTable.symbols), argument: "unit")
            }
            guard dimension == quantity.dimension else {
                throw RuntimeError("to: cannot convert \(quantity.dimension.name) to \(dimension.name) (\(symbol))",
                                   argument: "unit")
            }
            quantity.preferredUnit = symbol
            return .quantity(quantity)
        },
        Builtin("value", [.required("quantity"), .required("unit")], category: "units",
                summary: "The plain number a quantity is in the given unit.",
                example: "value(2.5 W, \"mW\")") { arguments in
            let symbol = try arguments.string("unit")
            let value = arguments.value("quantity")
            guard case .quantity(let quantity) = value else {
                throw RuntimeError("value: expected a quantity, got \(value.typeName)", argument: "quantity")
            }
            guard let amount = quantity.amount(in: symbol) else {
                throw RuntimeError("value: cannot express \(quantity.dimension.name) in \"\(symbol)\"", argument: "unit")
            }
            return .number(amount)
        },
        Builtin("units", [], category: "units",
                summary: "Lists every unit eff knows, with its dimension and size.",
                example: "units()") { _ in
            .list(UnitTable.all.map { unit in
                .record(Record([("unit", .string(unit.symbol)), ("dimension", .string(unit.dimension.name)),
                                ("meaning", .string(unit.summary))]))
            })
        },
    ]
}

extension CoreBuiltins {
    /// `format`: `{}` takes the next value's text, `{{`/`}}` are literal braces; the counts must match.
    static func format(_ template: String, _ values: [Value], context: DisplayContext) throws -> String {
        var result = "", next = 0
        var characters = template.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            switch character {
            case "{":
                let following = characters.next()
                if following == "{" { result.append("{"); continue }
                guard following == "}" else {
                    throw RuntimeError("format: '{' must be followed by '}' (or written '{{' for a literal brace)",
                                       argument: "template")
                }
                guard next < values.count else {
                    throw RuntimeError("format: the template has more {} than the \(values.count) value\(values.count == 1 ? "" : "s") given",
                                       argument: "template")
                }
                result += values[next].text(context)
                next += 1
            case "}":
                let following = characters.next()
                guard following == "}" else {
                    throw RuntimeError("format: a lone '}' (write '}}' for a literal brace)", argument: "template")
                }
                result.append("}")
            default:
                result.append(character)
            }
        }
        guard next == values.count else {
            throw RuntimeError("format: \(values.count) values given but the template has \(next) {}",
                               argument: "template")
        }
        return result
    }
}
