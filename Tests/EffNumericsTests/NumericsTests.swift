import XCTest
import EffNumerics

final class NumericsTests: XCTestCase {
    func testHalfRoundTripsAndRounding() {
        for value: Float in [0, -0, 1, -2.5, 65504, 6.1035156e-05, 5.9604645e-08, 0.1, 3.14159] {
            let rounded = HalfPrecision.roundedToHalf(value)
            XCTAssertEqual(HalfPrecision.roundedToHalf(rounded), rounded, "idempotent at \(value)")
            XCTAssertLessThanOrEqual(abs(rounded - value), abs(value) * 0.0005 + 6e-8, "\(value)")
        }
        XCTAssertEqual(HalfPrecision.roundedToHalf(70000), .infinity)
        XCTAssertEqual(HalfPrecision.roundedToHalf(1 + 1.0 / 2048), 1)           // tie to even
        XCTAssertEqual(HalfPrecision.roundedToHalf(1 + 3.0 / 2048), 1 + 2.0 / 1024)
        XCTAssertTrue(HalfPrecision.roundedToHalf(.nan).isNaN)
        XCTAssertEqual(HalfPrecision.roundedToBfloat(1 + 1.0 / 256), 1)          // tie to even
        XCTAssertEqual(HalfPrecision.roundedToBfloat(1 + 3.0 / 256), 1 + 2.0 / 128)
        XCTAssertEqual(HalfPrecision.float(fromBfloat: HalfPrecision.bfloatBits(-3)), -3)
        XCTAssertTrue(HalfPrecision.roundedToBfloat(.nan).isNaN)
    }

    func testHalfConversionIsExactOnRepresentableValues() {
        for bits in stride(from: UInt16(0), to: 0x7C00, by: 7) {
            let value = HalfPrecision.float(fromHalf: bits)
            XCTAssertEqual(HalfPrecision.halfBits(value), bits, "bits \(bits)")
            XCTAssertEqual(HalfPrecision.roundedToHalf(value), value)
        }
        XCTAssertEqual(HalfPrecision.halfBits(1e6), 0x7C00)
        XCTAssertEqual(HalfPrecision.roundedToBfloat(1.00390625), 1.0)  // tie rounds to even
        XCTAssertEqual(HalfPrecision.roundedToBfloat(1.01171875), 1.015625)
    }

    func testQuantilesFollowNumpy() {
        XCTAssertEqual(Quantiles.percentile([1, 2, 3, 4], 25), 1.75)
        XCTAssertEqual(Quantiles.median([3, 1, 2]), 2)
        XCTAssertEqual(Quantiles.median([4, 1, 2, 3]), 2.5)
        XCTAssertTrue(Quantiles.median([]).isNaN)
        XCTAssertEqual(Quantiles.spread([1, 2, 3]), 1)
    }

    func testSIFormat() {
        XCTAssertEqual(SIFormat.prefix(for: 3.2e-6, among: ["n", "µ", "m", ""]).symbol, "µ")
        XCTAssertEqual(SIFormat.prefix(for: 5e-12, among: ["n", "µ", "m", ""]).symbol, "n")
        XCTAssertEqual(SIFormat.prefix(for: 0, among: ["n", "µ", "m", ""]).symbol, "")
        XCTAssertEqual(SIFormat.prefix(for: 2e6, among: ["", "k"]).symbol, "k")
        XCTAssertEqual(SIFormat.significant(36.07921, digits: 6), "36.0792")
        XCTAssertEqual(SIFormat.significant(36.07921, digits: 4), "36.08")
        XCTAssertEqual(SIFormat.significant(1.5e20, digits: 6), "1.5e+20")
        XCTAssertEqual(SIFormat.significant(3, digits: 6), "3")
        XCTAssertEqual(SIFormat.significant(.infinity, digits: 6), "inf")
        XCTAssertEqual(SIFormat.fixedSignificant(2.5), "2.50")
        XCTAssertEqual(SIFormat.fixedSignificant(37.61), "37.6")
        XCTAssertEqual(SIFormat.fixedSignificant(376.1), "376")
    }

    /// The one width rule: combining marks 0, wide 2, controls 1 (shown as a space), else 1.
    func testTerminalWidth() {
        XCTAssertEqual(TerminalWidth.of("abc"), 3)
        XCTAssertEqual(TerminalWidth.of("naïve"), 5)
        XCTAssertEqual(TerminalWidth.of("e\u{301}"), 1)          // e + combining acute: one cluster
        XCTAssertEqual(TerminalWidth.of("\u{301}"), 0)           // a lone combining mark
        XCTAssertEqual(TerminalWidth.of("\u{20DD}"), 0)          // enclosing circle (Me)
        XCTAssertEqual(TerminalWidth.of("能效"), 4)
        XCTAssertEqual(TerminalWidth.of("😀"), 2)
        XCTAssertEqual(TerminalWidth.of("a\tb"), 3)
        XCTAssertEqual(TerminalWidth.singleLine("a\nb"), "a b")
        XCTAssertEqual(TerminalWidth.truncate("能效能效", to: 5, ascii: false), "能效…")
        XCTAssertEqual(TerminalWidth.pad("能", to: 4, rightAligned: true), "  能")
    }
}
