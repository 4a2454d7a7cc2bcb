import EffCharts
import EffLanguage

/// Options every chart builtin shares (title, width, height, canvas) and small argument readers.
enum ChartArguments {
    /// `title: ""`.
    static let title = Builtin.Parameter.optional("title", .string(""))
    /// `width`, `height` and `canvas`: nil follows the display (terminal width, ASCII when asked).
    static let width = Builtin.Parameter.optional("width")
    static let height = Builtin.Parameter.optional("height")
    static let canvas = Builtin.Parameter.optional("canvas")

    /// Width, height (when the chart has one) and canvas fixed by the call.
    static func layout(_ arguments: Arguments, function: String, hasHeight: Bool = true) throws -> ChartLayout {
        var layout = ChartLayout()
        if arguments.isGiven("width") {
            let width = try arguments.integer("width")
            guard (1...RenderOptions.maximumWidth).contains(width) else {
                throw RuntimeError(
                    "\(function): width must be 1 ... \(RenderOptions.maximumWidth) columns, got \(width)", argument: "width")
            }
            layout.width = width
        }
        if hasHeight, arguments.isGiven("height") {
            let height = try arguments.integer("height")
            guard (2...RenderOptions.maximumHeight).contains(height) else {
                throw RuntimeError(
                    "\(function): height must be 2 ... \(RenderOptions.maximumHeight) rows, got \(height)", argument: "height")
            }
            layout.height = height
        }
        if arguments.isGiven("canvas") {
            let name = try arguments.string("canvas")
            guard let kind = CanvasKind(rawValue: name) else {
                throw RuntimeError(
                    "\(function): unknown canvas \"\(name)\"",
                    hint: "use one of " + CanvasKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "),
                    argument: "canvas")
            }
            layout.canvas = kind
        }
        return layout
    }

    /// A string argument, or nil when it was left out.
    static func optionalString(_ arguments: Arguments, _ name: String) throws -> String? {
        arguments.isGiven(name) ? try arguments.string(name) : nil
    }

    /// "lower" or "higher".
    static func preference(_ arguments: Arguments, _ name: String, function: String) throws -> Preference {
        let text = try arguments.string(name)
        guard let preference = Preference(rawValue: text) else {
            throw RuntimeError(
                "\(function): \(name) must be \"lower\" or \"higher\", got \"\(text)\"", argument: name)
        }
        return preference
    }

    /// Linear, or log10 when the flag is true.
    static func scale(_ arguments: Arguments, _ name: String) throws -> AxisScale {
        try arguments.bool(name) ? .log10 : .linear
    }

    /// The chart as an eff value, drawn once now so that bad data or options fail at the call.
    static func value(
        kind: String, chart: any Chart, layout: ChartLayout, title: String, arguments: Arguments
    ) throws -> Value {
        let value = ChartValue(kind: kind, chart: chart, layout: layout, title: title)
        _ = try value.render(arguments.displayContext)
        return .object(value)
    }
}
