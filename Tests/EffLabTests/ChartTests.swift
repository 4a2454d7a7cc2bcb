@testable import EffLab
import EffCharts
import EffLanguage
import EffNumerics
import XCTest

/// Every chart builtin through a session: exact output for bar and scatter, shapes and errors for all.
final class ChartTests: XCTestCase {
    /// Lines with trailing spaces removed (charts pad every line to the full width).
    func trimmed(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { TableText.trimmedRight(String($0)) }.joined(separator: "\n")
    }

    /// Checks that every line of a chart has exactly `width` columns.
    func assertWidth(_ text: String, _ width: Int, file: StaticString = #filePath, line: UInt = #line) {
        for row in text.split(separator: "\n") {
            XCTAssertEqual(TerminalWidth.of(String(row)), width, "line \"\(row)\"", file: file, line: line)
        }
    }

    func testBarGoldenBrailleAndASCII() {
        let context = DisplayContext(width: 50)
        let unicode = runClean(modelRecords + "\nbar(models, title: \"Energy per inference\", sort: \"ascending\")",
                               context: context)
        assertWidth(unicode, 50)
        XCTAssertEqual(trimmed(unicode), """
                               Energy per inference
                    ┌                                        ┐
            ternary ┤█▋ 0.62 mJ
               int4 ┤████▉ 1.9 mJ
               int8 ┤███████▉ 3.1 mJ
               fp32 ┤████████████████████████████████ 12.5 mJ
                    └                                        ┘
            """)
        let ascii = runClean(modelRecords + "\nbar(models, y: \"energy\", canvas: \"ascii\")", context: context)
        XCTAssertEqual(trimmed(ascii), """
                    +                                        +
               fp32 |################################ 12.5 mJ
               int8 |######## 3.1 mJ
               int4 |##### 1.9 mJ
            ternary |## 0.62 mJ
                    +                                        +
            """)
    }

    func testScatterGoldenWithParetoFrontier() {
        let source = modelRecords
            + "\nscatter(models, x: \"energy\", y: \"accuracy\", yunit: \"%\", pareto: true, height: 8, canvas: \"ascii\")"
        let text = runClean(source, context: DisplayContext(width: 50))
        assertWidth(text, 50)
        XCTAssertEqual(trimmed(text), """
            accuracy
                  +------------------------------------------+
              98% +                                fp32.o    |
            97.5% +         o.int8--------''''''''''         |
                  |        .'                                |
              97% +        |                                 |
            96.5% +       |                                  |
                  |     .o'int4                              |
              96% +  o'ternary                               |
            95.5% +                                          |
                  ++-----+-----+-----+----+-----+-----+-----++
                  0 mJ  2 mJ  4 mJ  6 mJ 8 mJ 10 mJ 12 mJ
                                     energy
            -- Pareto frontier: lower energy and higher
               accuracy are better
            """)
        let braille = runClean(modelRecords + "\nscatter(models, x: \"energy\", y: \"accuracy\", pareto: true)")
        XCTAssert(braille.contains("● int8") || braille.contains("int8"), braille)
        XCTAssert(braille.contains("── Pareto frontier: lower energy and higher accuracy are better"), braille)
    }

    func testDisplayFollowsTheContextUnlessTheCallFixedIt() throws {
        let chart = ChartValue(kind: "bar", chart: BarChart(labels: ["a", "b"], values: [1, 2]), layout: ChartLayout())
        let plain = chart.display(DisplayContext(width: 40))
        assertWidth(plain, 40)
        XCTAssert(plain.contains("█"))
        XCTAssertFalse(plain.contains("\u{1B}["), "no colour unless the context asks")
        let ascii = chart.display(DisplayContext(width: 30, asciiOnly: true))
        assertWidth(ascii, 30)
        XCTAssert(ascii.allSatisfy(\.isASCII), ascii)
        XCTAssert(chart.display(DisplayContext(width: 40, color: true)).contains("\u{1B}["))
        let fixed = ChartValue(kind: "bar", chart: BarChart(labels: ["a"], values: [1]),
                               layout: ChartLayout(width: 25, canvas: .ascii))
        let shown = fixed.display(DisplayContext(width: 80))
        assertWidth(shown, 25)
        XCTAssert(shown.allSatisfy(\.isASCII))
        XCTAssertEqual(chart.display(DisplayContext(width: 5)), "<chart: bar: width 5 is too narrow; this chart needs at least 20 columns>")
    }

    func testASCIIContextGivesASCIIForEveryKind() {
        let source = modelRecords + """

            bar(models)
            bar(models, y: ["energy", "accuracy"], x: "model")
            line([3, 2.1, 1.5, 1.2, 1.1])
            scatter(models, x: "energy", y: "accuracy", pareto: true)
            hist([1, 2, 2, 3, 3, 3, 4, 4, 5])
            heatmap([[1, 2], [3, 4]])
            spy([[1, 0], [0, 1]])
            sparkline([1, 5, 2, 8])
            bar({a: 3 uJ, b: 4 uJ})
            """
        let run = LabRun(source, context: DisplayContext(width: 60, asciiOnly: true))
        // bar with energy and accuracy mixes dimensions: exactly that one call fails.
        XCTAssertEqual(run.errors.count, 1)
        XCTAssert(run.text.allSatisfy(\.isASCII), run.text)
    }

    func testBlockCanvasAndFixedHeight() {
        let text = runClean("line([1, 3, 2, 5], canvas: \"block\", height: 6, width: 40)")
        XCTAssert(text.contains(where: { "▘▝▀▖▌▞▛▗▚▐▜▄▙▟".contains($0) }), text)
        XCTAssertFalse(text.contains(where: { ("\u{2801}"..."\u{28FF}").contains(String($0)) }), text)
        XCTAssertEqual(text.split(separator: "\n").count, 6 + 3)  // plot rows, two frame lines, x ticks
        assertWidth(text, 40)
    }

    func testEveryBuiltinExampleRuns() {
        for builtin in LabBuiltins.charts + LabBuiltins.tables where builtin.name != "save" {
            let run = LabRun(builtin.example)
            XCTAssertEqual(run.errors, [], "example of \(builtin.name): \(builtin.example)")
            XCTAssertFalse(run.text.isEmpty, "example of \(builtin.name) shows nothing")
            XCTAssertEqual(builtin.category, builtin.name == "table" ? "tables" : "charts")
        }
    }

    func testBarShapes() {
        XCTAssert(runClean("bar([3, 1, 2])").hasPrefix("  ┌"))
        XCTAssert(runClean("bar([3, 1, 2])").contains("\n2 ┤████"))
        XCTAssert(runClean("bar([3, 1], x: [\"a\", \"b\"])").contains("\na ┤"))
        XCTAssert(runClean("bar({a: 2 s, b: 30 ms})").contains(" 0.03 s"), "one unit for all bars, from the largest")
        XCTAssert(runClean("bar({a: 2 s, b: 30 ms}, unit: \"ms\")").contains("2k ms"))
        XCTAssert(runClean("bar({a: 97.5, b: 93}, unit: \"%\")").contains("97.5%"))
        let grouped = runClean(modelRecords + "\nbar(table(models), x: \"model\", y: [\"energy\", \"energy\"], sort: \"descending\")")
        XCTAssert(grouped.contains("█ energy   ▓ energy"), grouped)
        let lines = grouped.split(separator: "\n").map(String.init)
        XCTAssert(lines[1].hasPrefix("   fp32 ┤"), grouped)
        XCTAssertEqual(runClean("type(bar([1]))"), "\"chart\"")
        XCTAssertEqual(runClean("bar([1], title: \"T\").kind"), "\"bar\"")
    }

    func testBarErrors() {
        assertError("bar([1 mJ, 2 s])", contains: "bar: 'data' mixes energy and time")
        assertError("bar([1, 2 mJ])", contains: "mixes plain numbers and energy quantities")
        assertError("bar([1, \"a\"])", contains: "the element at index 1 is a string")
        assertError("bar([{m: \"a\", e: 1}], y: \"x\")", contains: "'y' names a column \"x\" that the data do not have")
        assertError("bar([{m: \"a\"}])", contains: "has no column of numbers to draw")
        assertError("bar([1, 2], y: \"e\")", contains: "'y' names columns of a table, but 'data' is a list of values")
        assertError("bar([1, 2], x: [\"a\"])", contains: "'x' has 1 labels but 'data' has 2 values")
        assertError("bar([1, 2], sort: \"up\")", contains: "sort must be \"ascending\", \"descending\" or \"none\"")
        assertError("bar([1, 2], width: 10)", contains: "width 10 is too narrow")
        assertError("bar([1, 2], width: 0)", contains: "width must be 1 ... 2000 columns")
        assertError("bar([1, 2], canvas: \"svg\")", contains: "unknown canvas \"svg\"")
        assertError("bar({a: 1 J}, unit: \"ms\")", contains: "cannot show energy in ms (time)")
        assertError("bar({a: 1 J}, unit: \"parsec\")", contains: "unknown unit \"parsec\"")
    }

    func testLineShapes() {
        XCTAssert(runClean("line([1, 4, 9], title: \"squares\")").contains("squares"))
        let twoLists = runClean("line([1, 10, 100], [1 ms, 20 ms, 0.5 s], log_x: true, xlabel: \"n\")")
        XCTAssert(twoLists.contains(" ms ┤") || twoLists.contains(" s ┤"), twoLists)
        XCTAssert(twoLists.contains("100"), twoLists)
        let history = """
            let h = map(1..10, fn(e) => {epoch: e, train: 2 / e, validation: 2.2 / e + 0.1})
            line(h, x: "epoch")
            """
        let text = runClean(history)
        XCTAssert(text.contains("● train") && text.contains("▲ validation"), text)
        XCTAssert(text.contains("epoch"), text)
        let one = runClean("line(map(1..5, fn(e) => {epoch: e, loss: 1 / e}), x: \"epoch\", y: \"loss\")")
        XCTAssert(one.hasPrefix("loss"), one)
    }

    func testLineErrors() {
        assertError("line([1, 2, 3], [1, 2])", contains: "'x' has 3 values but 'y' has 2")
        assertError("line([1, 2], [\"a\", \"b\"])", contains: "'y' must be a list of numbers too")
        assertError("line([0, 1], log_y: true)", contains: "the y axis is logarithmic but the data contain 0")
        assertError("line([{a: \"x\"}])", contains: "has no column of numbers to draw")
        assertError("line([1, 2], [3, 4], x: [1, 2])", contains: "'data' already holds the x values")
    }

    func testScatterShapes() {
        let lists = runClean("scatter([1, 2, 3], [3, 1, 2], label: [\"a\", \"b\", \"c\"])")
        XCTAssert(lists.contains("● a") || lists.contains("a ●") || lists.contains("●"), lists)
        let grouped = runClean("""
            let points = [{p: "fp32", e: 10, a: 90}, {p: "int8", e: 3, a: 88}, {p: "fp32", e: 12, a: 91}]
            scatter(points, x: "e", y: "a", group: "p", label: false)
            """)
        XCTAssert(grouped.contains("● fp32") && grouped.contains("▲ int8"), grouped)
        let higher = runClean(modelRecords + "\nscatter(models, x: \"energy\", y: \"accuracy\", pareto: true, better_x: \"higher\", better_y: \"lower\")")
        XCTAssert(higher.contains("higher energy and lower accuracy are better"), higher)
    }

    func testScatterErrors() {
        assertError("scatter([1, 2])", contains: "give the y values too")
        assertError(modelRecords + "\nscatter(models, y: \"accuracy\")", contains: "name the x column with x:")
        assertError(modelRecords + "\nscatter(models, x: \"energy\")", contains: "name the y column with y:")
        assertError(modelRecords + "\nscatter(models, x: \"energy\", y: \"model\")", contains: "'y' must hold numbers or quantities, but the value at index 0 is a string")
        assertError(modelRecords + "\nscatter(models, x: \"energy\", y: \"accuracy\", pareto: true, better_x: \"less\")", contains: "better_x must be \"lower\" or \"higher\"")
        assertError("scatter([1, 2], [1, 2], label: [\"a\"])", contains: "'label' has 1 labels but there are 2 points")
        assertError(modelRecords + "\nscatter(models, x: \"energy\", y: [\"accuracy\", \"energy\"])", contains: "mixes")
    }

    func testHistogram() {
        let text = runClean("hist([1 ms, 2 ms, 2.5 ms, 3 ms, 10 ms], bin_width: 5 ms, title: \"latency\")")
        XCTAssert(text.contains("[0 ms, 5 ms) ┤"), text)
        XCTAssert(text.contains("[5 ms, 10 ms] ┤"), text)
        let edges = runClean("hist([0.1, 0.2, 0.7], bins: [0, 0.5, 1])")
        XCTAssert(edges.contains("[0, 0.5) ┤") && edges.contains(" 2"), edges)
        assertError("hist([1, 2], bins: 0)", contains: "bins must be 1 ... 1000")
        assertError("hist([1, 2], bins: 3, bin_width: 1)", contains: "either bins or bin_width")
        assertError("hist([1 ms], bin_width: 1)", contains: "'bin_width' must be a quantity of time like the data")
        assertError("hist([1, \"x\"])", contains: "'values' must hold numbers or quantities")
        assertError("hist([1, 2], bin_width: -1)", contains: "bin_width must be positive")
        assertError("hist([0, 1000], bin_width: 0.5)", contains: "hist: histogram bin width 0.5 gives more than 1000 bins")
        assertError("hist([1, 2], bins: [1, 1])", contains: "hist: histogram edges must be at least two finite, strictly increasing values")
    }

    func testHeatmapAndSpy() {
        let heat = runClean("heatmap([[1, 2], [3, 4]], row_labels: [\"r1\", \"r2\"], title: \"H\", width: 40)")
        XCTAssert(heat.contains("r1 ┤") && heat.contains("r2 ┤"), heat)
        XCTAssert(heat.split(separator: "\n").allSatisfy { TerminalWidth.of(String($0)) <= 40 }, heat)
        let energy = runClean("heatmap([[1 mJ, 2 mJ], [3 mJ, 4 mJ]])")
        XCTAssert(energy.contains("mJ"), energy)
        let spy = runClean("spy([[1, 0, 0], [0, 0.001, 0], [0, 0, 1]], tolerance: 0.01)")
        XCTAssert(spy.contains("3×3, 2 nonzeros"), spy)
        assertError("heatmap([[1, 2], [3]])", contains: "row 0 has 2 values and row 1 has 1")
        assertError("heatmap([1, 2])", contains: "the row at index 0 is a number")
        assertError("heatmap(5)", contains: "'matrix' must be a list of rows")
        assertError("heatmap([[1, \"a\"]])", contains: "'matrix' must hold numbers or quantities")
        assertError("heatmap([[1, 2]], row_labels: [\"a\", \"b\"])", contains: "'row_labels' has 2 labels but the matrix has 1 rows")
        assertError("spy([[1]], tolerance: -1)", contains: "tolerance must be 0 or more")
        assertError("spy([[1 J]], tolerance: 1 s)", contains: "'tolerance' must be a quantity of energy like the data")
    }

    func testSparklineIsOneLineAndInterpolates() {
        XCTAssertEqual(runClean("sparkline([1, 2, 3, 4, 5, 6, 7, 8])"), "▁▂▃▄▅▆▇█")
        XCTAssertEqual(runClean("print(\"loss: \\(sparkline([3, 2, 1]))\")"), "loss: █▅▁")
        XCTAssertEqual(runClean("sparkline([1, 2, 3], canvas: \"ascii\")"), ".+@")
        XCTAssertEqual(runClean("sparkline([1, 2, 3])", context: DisplayContext(width: 80, asciiOnly: true)), ".+@")
        XCTAssertEqual(runClean("len(str(sparkline(1..100, width: 10)))"), "10")
        assertError("sparkline([\"a\"])", contains: "'values' must hold numbers")
    }
}
