/// A one-line summary of a series: `▁▂▃▅▇█` (ASCII `.:-=+*#@`), lowest value to highest.
///
/// More values than `options.width` are averaged into `width` buckets; NaN shows as a space; all-equal
/// values sit mid-height; no values give an empty string.
public struct Sparkline: Chart {
    /// The values, in order.
    public var values: [Double]
    /// Fixed limits; `nil` uses the smallest and largest finite values.
    public var limits: ClosedRange<Double>?

    /// Creates the value; the properties document each argument.
    public init(values: [Double], limits: ClosedRange<Double>? = nil) {
        self.values = values
        self.limits = limits
    }

    /// Renders the chart as lines of equal display width; see `Chart.render(_:)`.
    public func render(_ options: RenderOptions) throws -> String {
        try options.validate()
        guard options.width >= 1 else {
            throw ChartError.notEnoughSpace(width: options.width, minimum: 1)
        }
        let levels = Glyphs.of(options.canvas).sparkLevels
        let width = min(values.count, options.width)
        guard width > 0 else { return "" }
        let points: [Double] = (0..<width).map { index in
            let range = Matrix.bucket(index, of: width, count: values.count)
            let finite = values[range].filter { $0.isFinite }
            return finite.isEmpty
                ? (values[range].contains(where: { $0.isInfinite }) ? values[range.lowerBound] : .nan)
                : finite.reduce(0, +) / Double(finite.count)
        }
        let finite = points.filter { $0.isFinite }
        let low = limits?.lowerBound ?? finite.min() ?? 0
        let high = limits?.upperBound ?? finite.max() ?? 0
        var line = StyledLine()
        for point in points {
            if point.isNaN {
                line.append(" ")
                continue
            }
            let level: Int
            if point == .infinity {
                level = levels.count - 1
            } else if point == -.infinity {
                level = 0
            } else if high > low {
                let fraction = unitFraction(point, low: low, high: high)
                level = clampedInt(fraction * Double(levels.count), 0...(levels.count - 1), rule: .down)
            } else {
                level = levels.count / 2 - 1
            }
            line.append(levels[level], color: .blue)
        }
        return line.rendered(color: options.color)
    }
}
