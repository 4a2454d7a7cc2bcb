/// A dense matrix of doubles for heatmaps and spy plots.
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The entries.
    public let values: [Double]  // (rows, columns) row-major

    /// Checks that `values` holds exactly `rows × columns` entries.
    public init(rows: Int, columns: Int, values: [Double]) throws {
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 0, columns >= 0, !overflow, count == values.count else {
            throw ChartError.invalidMatrix(rows: rows, columns: columns, count: values.count)
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    subscript(row: Int, column: Int) -> Double { values[row * columns + column] }

    /// Splits `count` items into `parts` consecutive buckets: bucket `index` covers this range.
    static func bucket(_ index: Int, of parts: Int, count: Int) -> Range<Int> {
        (index * count / parts)..<max((index + 1) * count / parts, index * count / parts + 1)
    }

    /// Index ticks (1-based) for `count` rows or columns drawn on `cells` cells, `gap` cells apart at least.
    static func indexTicks(count: Int, cells: Int, gap: Int, position: (Int) -> Int) -> [(Int, String)] {
        guard count > 0 else { return [] }
        let wanted = max(1, cells / max(gap, 1))
        let step = max(1, Int(ResolvedAxis.niceStep(Double(count) / Double(wanted)).rounded(.up)))
        var indices = [1]
        var index = step
        while index <= count {
            if index > 1 { indices.append(index) }
            index += step
        }
        return indices.map { (position($0 - 1), String($0)) }
    }
}
