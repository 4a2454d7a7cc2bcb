import XCTest

@testable import EffCharts

/// Terminal detection, colour rules, Pareto frontiers and histogram counts.
final class OptionsTests: XCTestCase {
    func testColourRules() {
        func color(_ tty: Bool, _ environment: [String: String]) -> Bool {
            Terminal.decide(isTerminal: tty, windowColumns: nil, environment: environment).colorEnabled
        }
        XCTAssertTrue(color(true, [:]))
        XCTAssertFalse(color(false, [:]))
        XCTAssertFalse(color(true, ["NO_COLOR": "1"]))
        XCTAssertTrue(color(true, ["NO_COLOR": ""]), "an empty NO_COLOR does not count")
        XCTAssertTrue(color(false, ["FORCE_COLOR": "1"]))
        XCTAssertFalse(color(false, ["FORCE_COLOR": "0"]))
        XCTAssertFalse(color(false, ["FORCE_COLOR": "1", "NO_COLOR": "1"]), "NO_COLOR wins over FORCE_COLOR")
        XCTAssertFalse(color(true, ["TERM": "dumb"]))
        XCTAssertFalse(color(true, ["TERM": "dumb", "FORCE_COLOR": "1"]))
    }

    func testWidthRules() {
        XCTAssertEqual(
            Terminal.decide(isTerminal: true, windowColumns: 132, environment: ["COLUMNS": "90"]).columns, 132)
        XCTAssertEqual(
            Terminal.decide(isTerminal: false, windowColumns: nil, environment: ["COLUMNS": "90"]).columns, 90)
        XCTAssertEqual(
            Terminal.decide(isTerminal: false, windowColumns: nil, environment: ["COLUMNS": "x"]).columns, 80)
        XCTAssertEqual(Terminal.decide(isTerminal: false, windowColumns: 0, environment: [:]).columns, 80)
    }

    func testDetectHonoursExplicitValuesAndEnvironment() {
        // Tests run with stdout redirected, so no window size: COLUMNS decides unless a width is given.
        let options = RenderOptions.detect(environment: ["COLUMNS": "100", "TERM": "dumb"])
        XCTAssertEqual(options.canvas, .ascii)
        XCTAssertFalse(options.color)
        XCTAssertEqual(RenderOptions.detect(width: 50, height: 9, environment: ["COLUMNS": "100"]).width, 50)
        XCTAssertEqual(RenderOptions.detect(width: 50, height: 9, environment: [:]).height, 9)
        XCTAssertEqual(
            RenderOptions.detect(forceASCII: true, environment: ["FORCE_COLOR": "1"]),
            RenderOptions(canvas: .ascii, color: false, width: RenderOptions.detect(environment: [:]).width))
        XCTAssertTrue(RenderOptions.detect(environment: ["FORCE_COLOR": "1"]).color)
    }

    func testColourOnlyWhenAsked() throws {
        let charts: [any Chart] = [
            Fixtures.bar(), Fixtures.groupedBar(), Fixtures.line(), Fixtures.scatter(),
            Fixtures.histogram(), Fixtures.heatmap(), Fixtures.spy(),
            Sparkline(values: Fixtures.sparkValues),
        ]
        for chart in charts {
            let plain = try chart.render(RenderOptions(canvas: .braille, color: false, width: 70))
            let colored = try chart.render(RenderOptions(canvas: .braille, color: true, width: 70))
            XCTAssertFalse(plain.contains("\u{1B}"), "\(type(of: chart)) wrote ANSI with colour off")
            XCTAssertTrue(colored.contains("\u{1B}["), "\(type(of: chart)) wrote no ANSI with colour on")
            XCTAssertEqual(stripANSI(colored), plain, "colour must not change the picture")
        }
    }

    func testParetoFrontier() {
        let energy = [0.9, 2.4, 12.5, 11.8, 23.1, 2.4, .nan]
        let accuracy = [38.2, 56.3, 62.4, 68.9, 66.1, 50, 99]
        let frontier = ParetoFrontier(x: .lower, y: .higher)
        XCTAssertEqual(frontier.indices(x: energy, y: accuracy), [0, 1, 3])
        // Flipping both preferences: more energy and less accuracy are better; 2.4 mJ at 50% beats
        // 2.4 mJ at 56.3%, and nothing uses more energy than 12.5 mJ at lower accuracy.
        XCTAssertEqual(ParetoFrontier(x: .higher, y: .lower).indices(x: energy, y: accuracy), [0, 5, 2, 4])
        // Duplicates of a frontier point are both on it; a point equal on x but worse on y is not.
        XCTAssertEqual(frontier.indices(x: [1, 1, 1], y: [5, 5, 4]), [0, 1])
        XCTAssertEqual(frontier.indices(x: [], y: []), [])
    }

    func testHistogramBins() throws {
        let values = [0.0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4]
        let automatic = try Histogram(values: values).counts()
        XCTAssertEqual(automatic.counts.reduce(0, +), values.count)
        XCTAssertEqual(automatic.edges.first, 0)
        XCTAssertEqual(try Histogram(values: values, bins: .count(4)).counts().counts, [2, 2, 2, 3])
        XCTAssertEqual(try Histogram(values: values, bins: .width(2)).counts().edges, [0, 2, 4])
        XCTAssertEqual(try Histogram(values: values, bins: .width(2)).counts().counts, [4, 5])
        let explicit = try Histogram(values: values, bins: .edges([1, 2, 10])).counts()
        XCTAssertEqual(explicit.counts, [2, 5])
    }
}
