import Foundation

/// The character set a chart is drawn with.
///
/// Braille packs 2×4 dots into each cell (finest lines), block packs 2×2 quadrants, and ASCII uses only
/// printable 7-bit characters, for pipes, logs and fonts where Unicode breaks.
public enum CanvasKind: String, CaseIterable, Sendable {
    case braille
    case block
    case ascii

    /// Whether this canvas may use characters outside 7-bit ASCII (box drawing, blocks, Braille).
    public var usesUnicode: Bool { self != .ascii }
}

/// Everything rendering depends on besides the chart itself; rendering is a pure function of both.
///
/// `width` is the display width of every output line (the terminal's columns); `height` is the number of
/// rows of the plotting area of framed charts (line, scatter, heatmap, spy); `nil` lets each chart pick
/// its default (15 rows). Bar charts and histograms use one row per bar and ignore `height`.
///
///     let text = try BarChart(labels: ["a", "b"], values: [1, 2])
///         .render(RenderOptions(canvas: .ascii, color: false, width: 60))
public struct RenderOptions: Sendable, Equatable {
    /// The character set to draw with.
    public var canvas: CanvasKind
    /// Whether ANSI colour escapes are written.
    public var color: Bool
    /// The display width of every output line, in columns.
    public var width: Int
    /// Rows of the plotting area of framed charts; `nil` means the chart's default.
    public var height: Int?

    /// The plotting-area height used when `height` is `nil` (UnicodePlots uses 15 too).
    public static let defaultHeight = 15
    /// The width used when there is no terminal and `COLUMNS` is unset.
    public static let defaultWidth = 80
    /// Narrower than this and framed charts throw `ChartError.notEnoughSpace`.
    public static let minimumWidth = 20

    /// Wider or taller than this is refused: buffers are sized by width × height.
    public static let maximumWidth = 2000
    public static let maximumHeight = 1000

    /// Throws when width or height are outside what charts can draw (checked by every `render`).
    public func validate() throws {
        guard width <= RenderOptions.maximumWidth else {
            throw ChartError.invalidParameter(name: "width", reason: "must be at most \(RenderOptions.maximumWidth), got \(width)")
        }
        if let height, height < 2 || height > RenderOptions.maximumHeight {
            throw ChartError.invalidParameter(
                name: "height", reason: "must be 2 ... \(RenderOptions.maximumHeight), got \(height)")
        }
    }

    /// Creates explicit render options (no environment is read).
    public init(
        canvas: CanvasKind = .braille, color: Bool = false, width: Int = RenderOptions.defaultWidth,
        height: Int? = nil
    ) {
        self.canvas = canvas
        self.color = color
        self.width = width
        self.height = height
    }

    /// Reads the terminal and environment of standard output: see `Terminal`.
    ///
    /// Explicit `width`/`height` win over the terminal size; `forceASCII` selects the ASCII canvas (which
    /// `TERM=dumb` selects too) and turns colour off, for plain text; otherwise colour follows
    /// `Terminal.colorEnabled`.
    public static func detect(
        width: Int? = nil, height: Int? = nil, forceASCII: Bool = false,
        environment: [String: String]? = nil
    ) -> RenderOptions {
        let terminal = Terminal.standardOutput(environment: environment)
        return RenderOptions(
            canvas: forceASCII || terminal.isDumb ? .ascii : .braille,
            color: terminal.colorEnabled && !forceASCII,
            width: width ?? terminal.columns,
            height: height)
    }
}

/// A chart value that renders to text.
public protocol Chart: Sendable {
    /// Renders the chart as lines joined by `\n` (no trailing newline), each of the same display width.
    func render(_ options: RenderOptions) throws -> String
}

/// Why a chart could not be drawn; `description` is a readable message.
public enum ChartError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Two inputs that must have the same length do not.
    case lengthMismatch(what: String, expected: Int, actual: Int)
    /// A value that must be positive (on a log axis) is not.
    case nonPositiveOnLogAxis(axis: String, value: Double)
    /// The matrix shape does not match its values.
    case invalidMatrix(rows: Int, columns: Int, count: Int)
    /// The requested width cannot hold the chart.
    case notEnoughSpace(width: Int, minimum: Int)
    /// A parameter is out of its range.
    case invalidParameter(name: String, reason: String)

    public var description: String {
        switch self {
        case .lengthMismatch(let what, let expected, let actual):
            return "chart: \(what) has \(actual) values but \(expected) were expected"
        case .nonPositiveOnLogAxis(let axis, let value):
            return "chart: the \(axis) axis is logarithmic but the data contain \(value); "
                + "log scales need values > 0 (filter them out or use a linear scale)"
        case .invalidMatrix(let rows, let columns, let count):
            return "chart: a \(rows)×\(columns) matrix needs \(rows)×\(columns) values, got \(count)"
        case .notEnoughSpace(let width, let minimum):
            return "chart: width \(width) is too narrow; this chart needs at least \(minimum) columns"
        case .invalidParameter(let name, let reason):
            return "chart: \(name) \(reason)"
        }
    }
}

extension ChartError: LocalizedError {
    public var errorDescription: String? { description }
}
