import XCTest

@testable import EffCharts

/// Compact numbers, unit attachment and tick selection.
final class FormattingTests: XCTestCase {
    func testCompactNumbers() {
        let cases: [(Double, String)] = [
            (0, "0"), (1, "1"), (0.25, "0.25"), (1500, "1.5k"), (2.3e-6, "2.3e-6"), (12345, "12.3k"),
            (999_999, "1M"), (999.96, "1k"), (-0.5, "-0.5"), (123.456, "123"), (0.001234, "0.00123"),
            (2_300_000, "2.3M"), (4.2e9, "4.2G"), (7e12, "7T"), (3e15, "3e15"), (0.0009999, "0.001"),
            (.nan, "NaN"), (.infinity, "inf"), (-.infinity, "-inf"), (1e-300, "1e-300"), (-1e-4, "-1e-4"),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(CompactNumber.format(value), expected, "format(\(value))")
        }
        XCTAssertEqual(CompactNumber.format(3.14159, significantDigits: 5), "3.1416")
    }

    func testUnits() {
        XCTAssertEqual(CompactNumber.attach(unit: "%", to: "50"), "50%")
        XCTAssertEqual(CompactNumber.attach(unit: "ms", to: "12"), "12 ms")
        XCTAssertEqual(CompactNumber.attach(unit: "×", to: "100"), "100×")
        XCTAssertEqual(TickFormatter.compact(unit: "mJ").labels(for: [0, 2.5, 5]), ["0 mJ", "2.5 mJ", "5 mJ"])
        let custom = TickFormatter { "\(Int($0 * 1000)) mJ" }
        XCTAssertEqual(custom.labels(for: [0.001, 0.002]), ["1 mJ", "2 mJ"])
    }

    func testTickLabelsKeepEnoughDigits() {
        // Three digits would print 10k twice; 0.25 steps need two decimals.
        XCTAssertEqual(TickFormatter.compactLabels([10000, 10050, 10100]), ["10k", "10.05k", "10.1k"])
        XCTAssertEqual(TickFormatter.compactLabels([0, 0.25, 0.5, 0.75, 1]), ["0", "0.25", "0.5", "0.75", "1"])
        XCTAssertEqual(TickFormatter.compactLabels([1.0001, 1.0002]), ["1.0001", "1.0002"])
        // A formatter returning the wrong count falls back to compact numbers.
        XCTAssertEqual(TickFormatter(formattingAll: { _ in [] }).labels(for: [1, 2]), ["1", "2"])
    }

    func testNiceSteps() {
        XCTAssertEqual(ResolvedAxis.niceStep(0.8), 1)
        XCTAssertEqual(ResolvedAxis.niceStep(1.1), 2)
        XCTAssertEqual(ResolvedAxis.niceStep(2.2), 2.5)
        XCTAssertEqual(ResolvedAxis.niceStep(3), 5)
        XCTAssertEqual(ResolvedAxis.niceStep(0.0007), 0.001)
        XCTAssertEqual(ResolvedAxis.multiples(of: 0.1, from: 0, to: 0.3), [0, 0.1, 0.2, 0.3])
    }

    func testLinearAxisRoundsOutToTicks() throws {
        let axis = try ResolvedAxis.resolve(Axis(), values: [0.6, 3.2], targetTicks: 6, name: "y")
        XCTAssertEqual(axis.lower, 0.5)
        XCTAssertEqual(axis.upper, 3.5)
        XCTAssertEqual(axis.ticks, [0.5, 1, 1.5, 2, 2.5, 3, 3.5])
        // Data to 23 with few ticks: 0 ... 25, not 0 ... 40.
        let wide = try ResolvedAxis.resolve(Axis(), values: [0.9, 23.1], targetTicks: 3, name: "x")
        XCTAssertEqual(wide.upper, 25)
    }

    func testFixedLimitsAreKept() throws {
        let axis = try ResolvedAxis.resolve(Axis(limits: 0...100), values: [3, 7], targetTicks: 5, name: "x")
        XCTAssertEqual(axis.lower, 0)
        XCTAssertEqual(axis.upper, 100)
        XCTAssertEqual(axis.ticks, [0, 25, 50, 75, 100])
    }

    func testAllEqualValuesOpenAWindow() throws {
        let axis = try ResolvedAxis.resolve(Axis(), values: [5, 5, 5], targetTicks: 5, name: "y")
        XCTAssertLessThan(axis.lower, 5)
        XCTAssertGreaterThan(axis.upper, 5)
        let zero = try ResolvedAxis.resolve(Axis(), values: [0], targetTicks: 5, name: "y")
        XCTAssertEqual(zero.lower, -1)
        XCTAssertEqual(zero.upper, 1)
    }

    func testLogAxisTicksAtDecades() throws {
        let axis = try ResolvedAxis.resolve(Axis(scale: .log10), values: [3, 250], targetTicks: 6, name: "x")
        XCTAssertEqual(axis.lower, 1)
        XCTAssertEqual(axis.upper, 1000)
        XCTAssertEqual(axis.ticks, [1, 10, 100, 1000])
        XCTAssertEqual(axis.labels, ["1", "10", "100", "1k"])
        // 100× is two decades: the same distance as 1 → 100.
        XCTAssertEqual(axis.fraction(100) - axis.fraction(1), 2.0 / 3.0, accuracy: 1e-12)
        let wide = try ResolvedAxis.resolve(Axis(scale: .log10), values: [1e-9, 1], targetTicks: 4, name: "y")
        XCTAssertEqual(wide.ticks, [1e-9, 1e-6, 1e-3, 1])
        let narrow = try ResolvedAxis.resolve(
            Axis(scale: .log10, limits: 1.5...9), values: [2], targetTicks: 4, name: "y")
        XCTAssertEqual(narrow.ticks, [2, 5])
        let single = try ResolvedAxis.resolve(Axis(scale: .log10), values: [100], targetTicks: 4, name: "y")
        XCTAssertEqual(single.ticks, [10, 100, 1000])
    }

    func testLogAxisRejectsNonPositiveValues() {
        XCTAssertThrowsError(try ResolvedAxis.resolve(Axis(scale: .log10), values: [1, 0], targetTicks: 4, name: "x")) {
            XCTAssertEqual($0 as? ChartError, .nonPositiveOnLogAxis(axis: "x", value: 0))
            XCTAssertTrue("\($0)".contains("log scales need values > 0"))
        }
        XCTAssertThrowsError(
            try ResolvedAxis.resolve(
                Axis(scale: .log10, limits: -1...10), values: [1],
                targetTicks: 4, name: "y"))
    }
}
