import EffNumerics
import EffCharts
import EffLanguage

/// What a chart call fixed about its rendering; anything left nil follows the display context.
public struct ChartLayout: Sendable, Equatable {
    /// Display width in columns.
    public var width: Int?
    /// Rows of the plotting area (framed charts only).
    public var height: Int?
    /// The character set.
    public var canvas: CanvasKind?

    public init(width: Int? = nil, height: Int? = nil, canvas: CanvasKind? = nil) {
        self.width = width
        self.height = height
        self.canvas = canvas
    }

    /// Render options for a display: fixed values win; else the context's width, ASCII canvas when the
    /// context wants ASCII (Braille otherwise), and the context's colour.
    public func renderOptions(for context: DisplayContext) -> RenderOptions {
        RenderOptions(
            canvas: canvas ?? (context.asciiOnly ? .ascii : .braille), color: context.color,
            width: width ?? context.width, height: height)
    }
}

/// A chart as an eff value (`type(c)` is "chart"): an EffCharts chart plus what the call fixed.
///
/// It renders when displayed, so the same value fits whatever shows it (terminal width, ASCII, colour).
public final class ChartValue: EffObject {
    /// The builtin that made it: "bar", "line", "scatter", "hist", "heatmap", "spy", "sparkline".
    public let kind: String
    /// The chart drawn.
    public let chart: any Chart
    /// Width, height and canvas fixed by the call.
    public let layout: ChartLayout
    /// The title (empty for none), for `c.title`.
    public let title: String

    public init(kind: String, chart: any Chart, layout: ChartLayout, title: String = "") {
        self.kind = kind
        self.chart = chart
        self.layout = layout
        self.title = title
    }

    /// The chart's text for a display context; ChartError becomes a RuntimeError naming the builtin.
    public func render(_ context: DisplayContext) throws -> String {
        do {
            let options = layout.renderOptions(for: context)
            let text = try chart.render(options)
            // Units such as µJ come from eff's display; the ASCII canvas spells them the way eff reads them (uJ).
            return options.canvas == .ascii ? asciiUnits(text) : text
        } catch let error as ChartError {
            throw ChartValue.runtimeError(error, function: kind, widthGiven: layout.width != nil)
        }
    }

    /// The chart's text without colour, for files.
    func plainText(_ context: DisplayContext) throws -> String {
        var plain = context
        plain.color = false
        return try render(plain)
    }

    /// A chart library error as a language error: "bar: width 10 is too narrow …".
    static func runtimeError(_ error: ChartError, function: String, widthGiven: Bool) -> RuntimeError {
        var message = error.description
        if message.hasPrefix("chart: ") { message.removeFirst("chart: ".count) }
        switch error {
        case .notEnoughSpace:
            return RuntimeError(
                "\(function): \(message)", hint: widthGiven ? nil : "give a larger width, e.g. width: 60",
                argument: widthGiven ? "width" : nil)
        case .nonPositiveOnLogAxis(let axis, _):
            return RuntimeError("\(function): \(message)", argument: axis == "x" ? "log_x" : "log_y")
        case .invalidParameter(let name, _) where name == "width" || name == "height":
            return RuntimeError("\(function): \(message)", argument: name)
        case .invalidParameter(let name, _) where name.hasPrefix("histogram"):
            return RuntimeError("\(function): \(message)", argument: name.hasSuffix("width") ? "bin_width" : "bins")
        default:
            return RuntimeError("\(function): \(message)")
        }
    }

    // MARK: EffObject

    public var typeName: String { "chart" }

    /// The rendered chart; a chart that cannot be drawn in this context says why instead.
    public func display(_ context: DisplayContext) -> String {
        do {
            return try render(context)
        } catch let error as RuntimeError {
            return "<chart: \(error.message)>"
        } catch {
            return "<chart: \(error)>"
        }
    }

    public func field(_ name: String) -> Value? {
        switch name {
        case "kind": return .string(kind)
        case "title": return .string(title)
        default: return nil
        }
    }

    public var fieldNames: [String] { ["kind", "title"] }
}
