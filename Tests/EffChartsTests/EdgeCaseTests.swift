import EffCharts
import XCTest

/// Empty, single, non-finite, equal and hostile inputs: a sensible picture or a ChartError, never a crash
/// and never a ragged frame.
final class EdgeCaseTests: XCTestCase {
    private let ascii60 = RenderOptions(canvas: .ascii, color: false, width: 60)
    private let braille60 = RenderOptions(canvas: .braille, color: false, width: 60)

    private func render(
        _ chart: any Chart, _ options: RenderOptions? = nil, file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> String {
        let text = try chart.render(options ?? braille60)
        assertRectangular(text, maximumWidth: (options ?? braille60).width, file: file, line: line)
        return text
    }

    func testEmptyDataSaysNoData() throws {
        let empty = try Matrix(rows: 0, columns: 0, values: [])
        let charts: [any Chart] = [
            BarChart(labels: [], values: []),
            GroupedBarChart(categories: [], series: []),
            LineChart(series: []),
            LineChart(series: [Series(y: [])]),
            ScatterChart(series: [Series(x: [], y: [])], frontier: ParetoFrontier(x: .lower, y: .higher)),
            Histogram(values: []),
            Heatmap(matrix: empty),
            SpyPlot(matrix: empty),
            Heatmap(matrix: try Matrix(rows: 3, columns: 0, values: [])),
            Heatmap(matrix: try Matrix(rows: 0, columns: 3, values: [])),
            SpyPlot(matrix: try Matrix(rows: 3, columns: 0, values: [])),
            SpyPlot(matrix: try Matrix(rows: 0, columns: 3, values: [])),
        ]
        for chart in charts {
            for options in [ascii60, braille60] {
                let text = try render(chart, options)
                XCTAssertTrue(text.contains("no data"), "\(type(of: chart)):\n\(text)")
            }
        }
        XCTAssertEqual(try Sparkline(values: []).render(braille60), "")
    }

    func testSinglePoints() throws {
        let line = try render(LineChart(series: [Series(x: [2], y: [3])]))
        XCTAssertTrue(line.contains("3 ┤"), line)
        XCTAssertFalse(line.contains("no data"))
        let scatter = try render(ScatterChart(series: [Series(x: [1e-3], y: [5], labels: ["only"])]), ascii60)
        XCTAssertTrue(scatter.contains("o only"), scatter)
        let bar = try render(BarChart(labels: ["a"], values: [7], unit: "ms"))
        XCTAssertTrue(bar.contains("7 ms"), bar)
        let histogram = try render(Histogram(values: [4]))
        XCTAssertTrue(histogram.contains("] ┤"), histogram)
        XCTAssertEqual(try Histogram(values: [4]).counts().counts.reduce(0, +), 1)
        let heatmap = try render(Heatmap(matrix: Matrix(rows: 1, columns: 1, values: [3])))
        XCTAssertTrue(heatmap.contains("█"), heatmap)
        XCTAssertEqual(try Sparkline(values: [2]).render(braille60), "▄")
    }

    func testNonFiniteValuesAreSkipped() throws {
        let gap = try render(LineChart(series: [Series(y: [1, 2, .nan, 4, .infinity, 6])]))
        XCTAssertFalse(gap.contains("no data"))
        let onlyNaN = try render(LineChart(series: [Series(y: [.nan, .nan])]))
        XCTAssertTrue(onlyNaN.contains("no data"))
        let bar = try render(BarChart(labels: ["a", "b", "c"], values: [1, .nan, -.infinity]), ascii60)
        XCTAssertTrue(bar.contains("b | NaN"), bar)
        XCTAssertTrue(bar.contains("c | -inf"), bar)
        let histogram = try render(Histogram(values: [1, 2, 2, .nan, .infinity]))
        XCTAssertTrue(histogram.contains("2 of 5 values not counted"), histogram)
        let heatmap = try render(Heatmap(matrix: Matrix(rows: 2, columns: 2, values: [1, .nan, 3, 4])), ascii60)
        XCTAssertTrue(heatmap.contains("[?] NaN"), heatmap)
        XCTAssertEqual(try Sparkline(values: [1, .nan, 3]).render(ascii60), ". @")
        _ = try render(ScatterChart(series: [Series(x: [1, .nan, 3], y: [.infinity, 2, 3])]))
    }

    func testHugeAndTinyMagnitudes() throws {
        _ = try render(LineChart(series: [Series(y: [-1e308, 1e308])]))
        _ = try render(LineChart(series: [Series(y: [1e-300, 2e-300])]))
        _ = try render(BarChart(labels: ["a", "b"], values: [1e308, -1e308]))
        _ = try render(Heatmap(matrix: Matrix(rows: 1, columns: 2, values: [-1e308, 1e308])))
        _ = try render(LineChart(series: [Series(y: [1, 2])], yAxis: Axis(scale: .log10, limits: 1e-300...1e300)))
    }

    func testAllEqualValues() throws {
        let line = try render(LineChart(series: [Series(y: [5, 5, 5])]))
        XCTAssertTrue(line.contains("5 ┤"), line)
        let bars = try render(BarChart(labels: ["a", "b"], values: [0, 0]))
        XCTAssertTrue(bars.contains("a ┤ 0"), bars)
        XCTAssertEqual(try Histogram(values: [3, 3, 3]).counts().counts.reduce(0, +), 3)
        _ = try render(Heatmap(matrix: Matrix(rows: 2, columns: 2, values: [1, 1, 1, 1])))
        XCTAssertEqual(try Sparkline(values: [2, 2, 2]).render(braille60), "▄▄▄")
    }

    func testLogAxisWithZeroOrNegativeThrowsReadably() {
        for value in [0.0, -3] {
            let chart = ScatterChart(series: [Series(x: [1, value], y: [1, 2])], xAxis: Axis(scale: .log10))
            XCTAssertThrowsError(try chart.render(braille60)) { error in
                XCTAssertEqual(error as? ChartError, .nonPositiveOnLogAxis(axis: "x", value: value))
                XCTAssertTrue(error.localizedDescription.contains("the x axis is logarithmic"))
            }
        }
    }

    func testMismatchedInputsThrow() {
        XCTAssertThrowsError(try BarChart(labels: ["a"], values: [1, 2]).render(braille60))
        XCTAssertThrowsError(try LineChart(series: [Series(name: "s", x: [1, 2], y: [1])]).render(braille60)) {
            XCTAssertEqual("\($0)", "chart: series \"s\" y has 1 values but 2 were expected")
        }
        XCTAssertThrowsError(try ScatterChart(series: [Series(x: [1], y: [1], labels: ["a", "b"])]).render(braille60))
        XCTAssertThrowsError(
            try GroupedBarChart(categories: ["a"], series: [BarSeries(name: "s", values: [])]).render(braille60))
        XCTAssertThrowsError(try Matrix(rows: 2, columns: 2, values: [1]))
        XCTAssertThrowsError(try Matrix(rows: Int.max, columns: 2, values: []))
        XCTAssertThrowsError(try Matrix(rows: -1, columns: 0, values: []))
        XCTAssertThrowsError(
            try Heatmap(matrix: Matrix(rows: 1, columns: 1, values: [1]), rowLabels: ["a", "b"]).render(braille60))
        XCTAssertThrowsError(try Histogram(values: [1], bins: .count(0)).render(braille60))
        XCTAssertThrowsError(try Histogram(values: [0, 1], bins: .width(1e-12)).render(braille60))
        XCTAssertThrowsError(try Histogram(values: [1], bins: .edges([2, 1])).render(braille60))
        XCTAssertThrowsError(try LineChart(series: [Series(y: [1])]).render(RenderOptions(height: 1)))
        XCTAssertThrowsError(
            try LineChart(series: [Series(y: [1])], xAxis: Axis(limits: 0...Double.infinity)).render(braille60))
    }

    func testOversizedOptionsAreRefused() {
        let huge = RenderOptions(width: 1_000_000_000)
        let tall = RenderOptions(width: 60, height: 1_000_000)
        let charts: [any Chart] = [
            Fixtures.bar(), Fixtures.line(), Fixtures.heatmap(), Fixtures.spy(), Sparkline(values: [1]),
        ]
        for chart in charts {
            XCTAssertThrowsError(try chart.render(huge))
            XCTAssertThrowsError(try chart.render(tall))
            XCTAssertThrowsError(try chart.render(RenderOptions(width: 60, height: 0)))
        }
    }

    func testTooNarrowThrowsNotEnoughSpace() {
        XCTAssertThrowsError(try Fixtures.line().render(RenderOptions(width: 10))) {
            XCTAssertEqual($0 as? ChartError, .notEnoughSpace(width: 10, minimum: RenderOptions.minimumWidth))
        }
        XCTAssertThrowsError(try Sparkline(values: [1]).render(RenderOptions(width: 0)))
    }

    /// Every fixture at every width from the minimum to 120 and several heights: rectangular or a ChartError.
    func testEveryWidthStaysRectangular() throws {
        let charts: [any Chart] = [
            Fixtures.bar(), Fixtures.groupedBar(), Fixtures.line(), Fixtures.logLine(),
            Fixtures.scatter(), Fixtures.histogram(), Fixtures.heatmap(), Fixtures.smoothHeatmap(),
            Fixtures.spy(),
        ]
        for chart in charts {
            for canvas in CanvasKind.allCases {
                for width in stride(from: 20, through: 120, by: 7) {
                    for height in [2, 5, 40] {
                        let options = RenderOptions(canvas: canvas, color: false, width: width, height: height)
                        do {
                            let text = try chart.render(options)
                            assertRectangular(text, maximumWidth: width)
                        } catch is ChartError {
                            continue
                        }
                    }
                }
            }
        }
    }

    func testHostileLabelsKeepTheFrame() throws {
        let labels = [
            "tab\there", "new\nline", "esc\u{1B}[31m", "模型名称很长很长", "🚀 rocket", String(repeating: "x", count: 200),
        ]
        let values = [1.0, 2, 3, 4, 5, 6]
        for canvas in CanvasKind.allCases {
            let options = RenderOptions(canvas: canvas, color: false, width: 60)
            let bar = try render(BarChart(labels: labels, values: values, title: "标题 \n two"), options)
            XCTAssertFalse(bar.contains("\u{1B}"))
            _ = try render(
                ScatterChart(
                    series: [Series(name: "名前", x: values, y: values, labels: labels)],
                    xAxis: Axis(label: "x\nlabel"), yAxis: Axis(label: "模型")), options)
            _ = try render(
                Heatmap(
                    matrix: Matrix(rows: 2, columns: 3, values: values), rowLabels: Array(labels.prefix(2)),
                    columnLabels: Array(labels.suffix(3))), options)
            _ = try render(
                GroupedBarChart(
                    categories: Array(labels.prefix(2)),
                    series: [BarSeries(name: labels[3], values: [1, 2]), BarSeries(name: labels[4], values: [3, 4])]),
                options)
        }
    }

    func testNegativeBarsGrowLeftOfZero() throws {
        let text = try render(
            BarChart(labels: ["gain", "loss"], values: [3, -1], unit: "%"),
            RenderOptions(canvas: .ascii, width: 40))
        let rows = text.split(separator: "\n").map(String.init)
        let gain = try XCTUnwrap(rows.first { $0.hasPrefix("gain") })
        let loss = try XCTUnwrap(rows.first { $0.hasPrefix("loss") })
        let gainStart = try XCTUnwrap(gain.firstIndex(of: "#"))
        let lossEnd = try XCTUnwrap(loss.lastIndex(of: "#"))
        XCTAssertLessThan(lossEnd, gainStart, text)
        XCTAssertTrue(loss.contains("-1%"), text)
    }
}

extension EdgeCaseTests {
    func testIsolatedPointBetweenGapsIsDrawn() throws {
        let text = try LineChart(series: [Series(y: [.nan, 5, .nan])]).render(
            RenderOptions(canvas: .ascii, width: 40, height: 5))
        let plotCharacters = text.split(separator: "\n").dropFirst().dropLast(2)
            .flatMap { $0.dropFirst(4).dropLast(1) }
        XCTAssertTrue(plotCharacters.contains { "'-.:|".contains($0) }, text)
    }
}
