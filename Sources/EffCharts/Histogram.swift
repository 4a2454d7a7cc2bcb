import Foundation

/// How a histogram splits its range into bins.
public enum Binning: Sendable, Equatable {
    /// Sturges' rule (⌈log2 n⌉ + 1 bins) rounded to a nice bin width.
    case automatic
    /// This many equal bins from the smallest to the largest value.
    case count(Int)
    /// Bins of this width, aligned to multiples of it.
    case width(Double)
    /// Explicit, strictly increasing bin edges.
    case edges([Double])
}

/// Counts of values per bin, drawn as horizontal bars labelled `[low, high)` (the last bin is closed).
///
/// NaN and infinite values, and values outside explicit edges, are not counted; a note says how many.
public struct Histogram: Chart {
    /// The values counted into bins.
    public var values: [Double]
    /// How the range is split into bins.
    public var bins: Binning
    /// Shown centred above the chart; empty for none.
    public var title: String
    /// Formats bin edges (`.compact(unit:)` by default).
    public var formatter: TickFormatter

    /// The most bins a histogram will allocate.
    public static let maximumBins = 1000

    /// Creates the value; the properties document each argument.
    /// `unit` is appended to compact labels unless `formatter` is given.
    public init(
        values: [Double], bins: Binning = .automatic, title: String = "", unit: String = "",
        formatter: TickFormatter? = nil
    ) {
        self.values = values
        self.bins = bins
        self.title = title
        self.formatter = formatter ?? .compact(unit: unit)
    }

    /// The bin edges (one more than the bins) and the count in each bin.
    public func counts() throws -> (edges: [Double], counts: [Int]) {
        let finite = values.filter { $0.isFinite }
        let edges = try Histogram.edges(for: finite, bins: bins)
        guard edges.count >= 2 else { return (edges, []) }
        var counts = Array(repeating: 0, count: edges.count - 1)
        for value in finite {
            guard value >= edges[0], value <= edges[edges.count - 1] else { continue }
            // The last bin is closed; others are half-open.
            var low = 0
            var high = edges.count - 1
            while high - low > 1 {
                let middle = (low + high) / 2
                if value >= edges[middle] { low = middle } else { high = middle }
            }
            counts[low] += 1
        }
        return (edges, counts)
    }

    static func edges(for values: [Double], bins: Binning) throws -> [Double] {
        let low = values.min() ?? 0
        let high = values.max() ?? 1
        switch bins {
        case .edges(let edges):
            guard edges.count >= 2, edges.allSatisfy({ $0.isFinite }),
                zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 })
            else {
                throw ChartError.invalidParameter(
                    name: "histogram edges",
                    reason: "must be at least two finite, strictly increasing values")
            }
            guard edges.count - 1 <= maximumBins else {
                throw ChartError.invalidParameter(name: "histogram edges", reason: "give at most \(maximumBins) bins")
            }
            return edges
        case .count(let count):
            guard count >= 1, count <= maximumBins else {
                throw ChartError.invalidParameter(
                    name: "histogram bin count",
                    reason: "must be 1 ... \(maximumBins), got \(count)")
            }
            let (start, end) = high > low ? (low, high) : (low - 0.5, high + 0.5)
            return (0...count).map { ResolvedAxis.clean(start + (end - start) * Double($0) / Double(count)) }
        case .width(let width):
            guard width.isFinite, width > 0 else {
                throw ChartError.invalidParameter(name: "histogram bin width", reason: "must be positive, got \(width)")
            }
            return try aligned(low: low, high: high, width: width)
        case .automatic:
            let count = Double(max(values.count, 1))
            let target = (log2(count)).rounded(.up) + 1
            let width = high > low ? ResolvedAxis.niceStep((high - low) / target) : 1
            return try aligned(low: low, high: high, width: width)
        }
    }

    /// Edges at multiples of `width` covering `low ... high`, the top edge strictly above `high`
    /// unless `high` is itself the last edge of a wider range.
    private static func aligned(low: Double, high: Double, width: Double) throws -> [Double] {
        let first = (low / width).rounded(.down)
        var last = (high / width).rounded(.down) + 1
        if last - 1 > first && (last - 1) * width == high { last -= 1 }  // a closed last bin catches high
        guard (last - first).isFinite, last - first <= Double(maximumBins) else {
            throw ChartError.invalidParameter(
                name: "histogram bin width",
                reason: "\(width) gives more than \(maximumBins) bins")
        }
        return stride(from: first, through: last, by: 1).map { ResolvedAxis.clean($0 * width) }
    }

    /// Renders the chart as lines of equal display width; see `Chart.render(_:)`.
    public func render(_ options: RenderOptions) throws -> String {
        let (edges, counts) = try counts()
        let finite = values.filter { $0.isFinite }
        let labels = formatter.labels(for: edges)
        var rows: [BarRow?] = []
        if !finite.isEmpty {
            for index in counts.indices {
                let close = index == counts.count - 1 ? "]" : ")"
                rows.append(
                    BarRow(
                        label: "[\(labels[index]), \(labels[index + 1])\(close)", value: Double(counts[index]),
                        text: String(counts[index]), series: 0))
            }
        }
        let skipped = values.count - counts.reduce(0, +)
        var footer: [StyledLine] = []
        if skipped > 0 && !finite.isEmpty {
            footer = Frame.note(
                "\(skipped) of \(values.count) values not counted (NaN, infinite or outside the bins)",
                indent: 0, width: options.width, glyphs: Glyphs.of(options.canvas))
        }
        return try BarLayout(title: title, rows: rows, legend: [], footer: footer).render(options)
    }
}
