import EffCharts
import XCTest

/// Exact output of every chart kind, Braille (and block where it differs) and ASCII, at 60 and 80 columns.
final class GoldenTests: XCTestCase {
    private let charts: [(name: String, chart: any Chart)] = [
        ("bar", Fixtures.bar()),
        ("grouped-bar", Fixtures.groupedBar()),
        ("line", Fixtures.line()),
        ("line-log", Fixtures.logLine()),
        ("scatter-pareto", Fixtures.scatter()),
        ("histogram", Fixtures.histogram()),
        ("heatmap", Fixtures.heatmap()),
        ("heatmap-smooth", Fixtures.smoothHeatmap()),
        ("spy", Fixtures.spy()),
        ("sparkline", Sparkline(values: Fixtures.sparkValues)),
    ]

    func testEveryKindInBrailleAndASCIIAtTwoWidths() throws {
        for (name, chart) in charts {
            for canvas in [CanvasKind.braille, .ascii] {
                for width in [60, 80] {
                    let text = try chart.render(RenderOptions(canvas: canvas, color: false, width: width))
                    Golden.assertMatches(text, name: "\(name)-\(canvas.rawValue)-\(width)")
                    assertRectangular(text, maximumWidth: width)
                    if canvas == .ascii {
                        XCTAssertTrue(
                            text.unicodeScalars.allSatisfy { $0.isASCII }, "\(name) ASCII has non-ASCII:\n\(text)")
                    }
                }
            }
        }
    }

    func testBlockCanvas() throws {
        for (name, chart) in charts where ["line", "scatter-pareto", "spy"].contains(name) {
            let text = try chart.render(RenderOptions(canvas: .block, color: false, width: 60))
            Golden.assertMatches(text, name: "\(name)-block-60")
            assertRectangular(text, maximumWidth: 60)
        }
    }

    func testExplicitHeight() throws {
        let text = try Fixtures.line().render(RenderOptions(canvas: .braille, width: 60, height: 6))
        Golden.assertMatches(text, name: "line-braille-60x6")
        XCTAssertEqual(text.split(separator: "\n").count, 6 + 6)  // title, y label, 2 borders, ticks, x label
    }
}
