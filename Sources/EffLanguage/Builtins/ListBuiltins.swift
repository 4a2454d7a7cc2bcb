import EffUnits

/// Helpers for lists: map, filter, sort, zip, reduce, range.
enum ListBuiltins {
    static let list: [Builtin] = [
        Builtin("map", [.required("list"), .required("function")], category: "lists",
                summary: "Applies a function to each element and returns the results.",
                example: "map([1, 2, 3], fn(x) => x * 2)") { arguments in
            let function = arguments.value("function")
            return .list(try arguments.list("list").map { try arguments.call(function, [$0]) })
        },
        Builtin("filter", [.required("list"), .required("function")], category: "lists",
                summary: "Keeps the elements for which the function returns true.",
                example: "filter(1..10, fn(x) => x % 2 == 0)") { arguments in
            let function = arguments.value("function")
            return .list(try arguments.list("list").filter { element in
                let keep = try arguments.call(function, [element])
                guard case .bool(let flag) = keep else {
                    throw RuntimeError("filter: the function must return true or false, got \(keep.typeName)",
                                       argument: "function")
                }
                return flag
            })
        },
        Builtin("reduce", [.required("list"), .required("initial"), .required("function")], category: "lists",
                summary: "Combines elements left to right: f(f(initial, x0), x1) …",
                example: "reduce([1, 2, 3], 0, fn(acc, x) => acc + x)") { arguments in
            let function = arguments.value("function")
            return try arguments.list("list").reduce(arguments.value("initial")) { try arguments.call(function, [$0, $1]) }
        },
        Builtin("sort", [.required("list"), .optional("by"), .optional("descending", .bool(false))], category: "lists",
                summary: "Sorts numbers, quantities or strings; `by` gives a key function or a record field name.",
                example: "sort([{n: \"b\", e: 2}, {n: \"a\", e: 1}], by: \"e\")") { arguments in
            let elements = try arguments.list("list")
            let by = arguments.value("by")
            let keys: [Value] = try elements.map { element in
                switch by {
                case .nilValue: return element
                case .string(let field):
                    guard case .record(let record) = element, let key = record[field] else {
                        throw RuntimeError("sort: element \(element.display()) has no field '\(field)'", argument: "by")
                    }
                    return key
                default: return try arguments.call(by, [element])
                }
            }
            let order = try sortedIndices(keys)
            let descending = try arguments.bool("descending")
            return .list((descending ? order.reversed() : order).map { elements[$0] })
        },
        Builtin("reverse", [.required("list")], category: "lists", summary: "The elements in reverse order.",
                example: "reverse([1, 2, 3])") { arguments in
            .list(try arguments.list("list").reversed())
        },
        Builtin("zip", [.required("first"), .required("second")], category: "lists",
                summary: "Pairs elements of two lists as [a, b] lists (stops at the shorter).",
                example: "zip([1, 2], [\"a\", \"b\"])") { arguments in
            .list(zip(try arguments.list("first"), try arguments.list("second")).map { .list([$0, $1]) })
        },
        Builtin("range", [.required("start"), .required("end"), .optional("step", .number(1))], category: "lists",
                summary: "Numbers from start up to (not including) end by step; steps may be fractional.",
                example: "range(0, 1, step: 0.25)") { arguments in
            let start = try arguments.number("start"), end = try arguments.number("end"), step = try arguments.number("step")
            guard step != 0 else { throw RuntimeError("range: step must not be 0", argument: "step") }
            // (0.8 - 0.5) / 0.05 is 6.000000000000001 in binary floating point: a quotient within rounding error of
            // a whole number is that number, so the end stays excluded.
            let steps = (end - start) / step
            let count = abs(steps - steps.rounded()) <= 1e-9 * max(1, abs(steps)) ? steps.rounded() : steps.rounded(.up)
            guard count <= 10_000_000 else { throw RuntimeError("range: more than 10 million elements", argument: "end") }
            guard count > 0 else { return .list([]) }
            return .list((0..<Int(count)).map { .number(start + Double($0) * step) })
        },
        Builtin("append", [.required("list"), .required("value")], category: "lists",
                summary: "A new list with the value added at the end.",
                example: "append([1, 2], 3)") { arguments in
            .list(try arguments.list("list") + [arguments.value("value")])
        },
        Builtin("contains", [.required("list"), .required("value")], category: "lists",
                summary: "Whether the list (or string) contains the value.",
                example: "contains([\"int8\", \"int4\"], \"int4\")") { arguments in
            if case .string(let text) = arguments.value("list"), case .string(let part) = arguments.value("value") {
                return .bool(text.contains(part))
            }
            let needle = arguments.value("value")
            return .bool(try arguments.list("list").contains { $0.isEqual(to: needle) })
        },
        Builtin("join", [.required("list"), .optional("separator", .string(", "))], category: "lists",
                summary: "Joins elements' text with a separator.",
                example: "join([\"a\", \"b\"], separator: \"-\")") { arguments in
            .string(try arguments.list("list").map { $0.text(arguments.displayContext) }
                .joined(separator: try arguments.string("separator")))
        },
    ]

    /// A stable order for sort keys of one kind (numbers/quantities of one dimension, or strings).
    static func sortedIndices(_ keys: [Value]) throws -> [Int] {
        if keys.allSatisfy({ if case .string = $0 { return true } else { return false } }) {
            let strings: [String] = keys.map { key -> String in
                if case .string(let text) = key { return text } else { return "" }
            }
            return Array(strings.indices).sorted { (i: Int, j: Int) -> Bool in
                strings[i] != strings[j] ? strings[i] < strings[j] : i < j
            }
        }
        let (numbers, _) = try MathBuiltins.magnitudes(keys, "sort")
        return Array(numbers.indices).sorted { (i: Int, j: Int) -> Bool in
            numbers[i] != numbers[j] ? numbers[i] < numbers[j] : i < j
        }
    }
}
