import XCTest
@testable import EffUnits

final class QuantityTests: XCTestCase {
    func testPowerFromEnergyOverTime() throws {
        let energy = try XCTUnwrap(Quantity(5, unit: "J"))
        let time = try XCTUnwrap(Quantity(2, unit: "s"))
        let dimension = try XCTUnwrap(energy.dimension.divided(by: time.dimension))
        XCTAssertEqual(Quantity(energy.value / time.value, dimension).description, "2.5 W")
    }

    func testPrefixChoice() throws {
        XCTAssertEqual(try XCTUnwrap(Quantity(3.7e9, unit: "pJ")).description, "3.7 mJ")
        XCTAssertEqual(try XCTUnwrap(Quantity(1500, unit: "ms")).description, "1.5 s")
        XCTAssertEqual(try XCTUnwrap(Quantity(0.25, unit: "uJ")).description, "250 nJ")
        XCTAssertEqual(try XCTUnwrap(Quantity(1, unit: "kWh")).description, "3.6 MJ")
        XCTAssertEqual(try XCTUnwrap(Quantity(1, unit: "GiB")).description, "1.07 GB")
        XCTAssertEqual(QuantityFormatter.format(try XCTUnwrap(Quantity(1, unit: "GiB")), digits: 6), "1.07374 GB")
        // 3 significant digits by default; amounts of 1000 or more (after the prefix) round to whole numbers.
        XCTAssertEqual(try XCTUnwrap(Quantity(36.0792, unit: "nJ")).description, "36.1 nJ")
        XCTAssertEqual(try XCTUnwrap(Quantity(3.0149, unit: "us")).description, "3.01 µs")
        XCTAssertEqual(try XCTUnwrap(Quantity(999.6, unit: "mJ")).description, "1 J")
        XCTAssertEqual(try XCTUnwrap(Quantity(1234.5, unit: "J")).amount(in: "J"), 1234.5)
        XCTAssertEqual(try XCTUnwrap(Quantity(999.99999999, unit: "mJ")).description, "1 J")
        XCTAssertEqual(Quantity(0, .energy).description, "0 J")
    }

    func testCompoundUnits() throws {
        XCTAssertEqual(try XCTUnwrap(Quantity(37, unit: "GB/s")).description, "37 GB/s")
        XCTAssertEqual(try XCTUnwrap(Quantity(4.6, unit: "pJ/FLOP")).description, "4.6 pJ/FLOP")
        XCTAssertEqual(try XCTUnwrap(Quantity(1, unit: "pJ/MAC")).description, "500 fJ/FLOP".replacingOccurrences(of: "500 fJ", with: "0.5 pJ"))
    }

    func testConversion() throws {
        let energy = try XCTUnwrap(Quantity(3.7, unit: "mJ"))
        XCTAssertEqual(try XCTUnwrap(energy.amount(in: "uJ")), 3700, accuracy: 1e-9)
        XCTAssertNil(energy.amount(in: "s"))
        XCTAssertNil(Quantity(1, unit: "parsec"))
    }

    func testDimensionArithmetic() {
        XCTAssertEqual(Dimension.power.multiplied(by: .time), .energy)
        XCTAssertEqual(Dimension.energy.divided(by: .energy), Dimension.none)
        XCTAssertEqual(Dimension.energy.name, "energy")
        XCTAssertEqual(Dimension(joule: 1, flop: -1).baseUnitFormula, "J/FLOP")
        XCTAssertNil(Dimension(joule: 127).multiplied(by: Dimension(joule: 1)))
    }

    func testNumberFormatting() {
        XCTAssertEqual(QuantityFormatter.formatNumber(3), "3")
        XCTAssertEqual(QuantityFormatter.formatNumber(2.5), "2.5")
        XCTAssertEqual(QuantityFormatter.formatNumber(0.1 + 0.2), "0.3")
        XCTAssertEqual(QuantityFormatter.formatNumber(1.5e20), "1.5e+20")
        XCTAssertEqual(QuantityFormatter.formatNumber(-0.000012345), "-1.2345e-05")
        XCTAssertEqual(QuantityFormatter.formatNumber(.infinity), "inf")
        XCTAssertEqual(QuantityFormatter.formatNumber(.nan), "nan")
    }

    func testEveryUnitSymbolIsUniqueAndParses() {
        XCTAssertEqual(Set(UnitTable.symbols).count, UnitTable.all.count)
        for unit in UnitTable.all { XCTAssertNotNil(UnitTable.parse(unit.symbol), unit.symbol) }
    }
}
