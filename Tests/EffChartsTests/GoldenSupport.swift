import EffCharts
import Foundation
import XCTest

/// Compares rendered charts with checked-in golden files under `golden/`.
///
/// Run with `EFF_UPDATE_GOLDEN=1 swift test` to rewrite the files from the current output (then read
/// them by eye before committing).
enum Golden {
    static var updating: Bool { ProcessInfo.processInfo.environment["EFF_UPDATE_GOLDEN"] == "1" }

    /// The source folder of the golden files (for rewriting).
    static func sourceDirectory(file: StaticString = #filePath) -> URL {
        URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("golden")
    }

    static func assertMatches(_ actual: String, name: String, file: StaticString = #filePath, line: UInt = #line) {
        if updating {
            let url = sourceDirectory().appendingPathComponent(name + ".txt")
            XCTAssertNoThrow(try (actual + "\n").write(to: url, atomically: true, encoding: .utf8))
            return
        }
        guard let url = Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "golden"),
            let expected = try? String(contentsOf: url, encoding: .utf8)
        else {
            XCTFail("missing golden file golden/\(name).txt (run with EFF_UPDATE_GOLDEN=1)", file: file, line: line)
            return
        }
        XCTAssertEqual(actual + "\n", expected, "chart differs from golden/\(name).txt", file: file, line: line)
    }
}

/// Checks that every line of a chart has the same display width and no line exceeds `width`.
func assertRectangular(_ text: String, maximumWidth: Int? = nil, file: StaticString = #filePath, line: UInt = #line) {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { stripANSI(String($0)) }
    let widths = Set(lines.map { displayWidth($0) })
    XCTAssertEqual(widths.count, 1, "lines have different widths \(widths.sorted()):\n\(text)", file: file, line: line)
    if let maximumWidth, let widest = widths.max() {
        XCTAssertLessThanOrEqual(
            widest, maximumWidth, "a line is wider than \(maximumWidth):\n\(text)", file: file, line: line)
    }
}

/// Terminal columns of a string (East Asian wide characters count 2).
func displayWidth(_ text: String) -> Int {
    text.unicodeScalars.reduce(0) { total, scalar in
        let value = scalar.value
        let wide =
            (0x1100...0x115F).contains(value) || (0x2E80...0xA4CF).contains(value)
            || (0xAC00...0xD7A3).contains(value) || (0xF900...0xFAFF).contains(value)
            || (0xFF00...0xFF60).contains(value) || (0x1F300...0x1F64F).contains(value)
            || (0x1F900...0x1F9FF).contains(value)
        return total + (wide ? 2 : 1)
    }
}

func stripANSI(_ text: String) -> String {
    text.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
}
