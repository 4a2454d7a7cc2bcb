@testable import EffLab
import EffLanguage
import EffUnits
import EffNumerics
import XCTest

final class TableTests: XCTestCase {
    func testDisplayAlignsNumbersRightAndKeepsUnits() {
        let text = runClean(modelRecords + "\ntable(models)")
        XCTAssertEqual(text, """
            model     energy  accuracy
            ───────  ───────  ────────
            fp32     12.5 mJ      97.8
            int8      3.1 mJ      97.5
            int4      1.9 mJ      96.2
            ternary   620 µJ      95.9
            """)
    }

    /// The display rule: 3 significant digits for quantities and numbers; `digits:` shows more.
    func testThreeSignificantDigitsUnlessDigitsAsksForMore() {
        let text = runClean("""
            let rows = [{energy: 36.0792 nJ, ratio: 1.83339, params: 9610}, {energy: 522.091 nJ, ratio: 0.0691052, params: 8}]
            table(rows)
            table(rows, digits: 6)
            """)
        XCTAssertEqual(text, """
             energy   ratio  params
            ───────  ──────  ──────
            36.1 nJ    1.83    9610
             522 nJ  0.0691       8
                energy      ratio  params
            ──────────  ─────────  ──────
            36.0792 nJ    1.83339    9610
            522.091 nJ  0.0691052       8
            """)
    }

    func testUnionOfFieldsInFirstSeenOrderWithMissingCells() {
        let text = runClean("""
            let t = table([{a: 1}, {b: "x", a: 2}, {c: true}])
            t.columns
            t.b
            len(t)
            t
            """)
        XCTAssertEqual(text, """
            ["a", "b", "c"]
            [nil, "x", nil]
            3
            a  b  c
            ─  ─  ────
            1
            2  x
                  true
            """)
    }

    func testRecordOfListsRowsIterationAndIndexing() {
        let text = runClean("""
            let t = table({model: ["a", "b"], bits: [8, 4]})
            for row in t { print(row.model, row.bits) }
            t[1]
            t.rows
            type(t)
            """)
        XCTAssertEqual(text, """
            a 8
            b 4
            {model: "b", bits: 4}
            [{model: "a", bits: 8}, {model: "b", bits: 4}]
            "table"
            """)
    }

    func testLongTablesStopAfterFortyRows() {
        let lines = runClean("table(map(1..100, fn(i) => {i: i, square: i * i}))").split(separator: "\n")
        XCTAssertEqual(lines.count, 2 + 40 + 1)
        XCTAssertEqual(lines.last, "… 60 more rows (100 in all)")
    }

    func testWideCellsAreCutToTheDisplayWidth() {
        let long = String(repeating: "x", count: 100)
        let text = runClean("table([{name: \"\(long)\", value: 1}])", context: DisplayContext(width: 40))
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssert(lines.allSatisfy { TerminalWidth.of($0) <= 40 }, text)
        XCTAssert(lines[2].hasPrefix("xxxxxxxx"), text)
        XCTAssert(lines[2].contains("…"), text)
        let ascii = runClean("table([{name: \"\(long)\", value: 1}])", context: DisplayContext(width: 40, asciiOnly: true))
        XCTAssert(ascii.allSatisfy(\.isASCII), ascii)
        XCTAssert(ascii.contains("~"), ascii)
    }

    func testASCIIDisplaySpellsMicroAsU() {
        let text = runClean(modelRecords + "\ntable(models)", context: DisplayContext(width: 80, asciiOnly: true))
        XCTAssert(text.contains("620 uJ"), text)
        XCTAssert(text.allSatisfy(\.isASCII), text)
    }

    func testTooManyColumnsAreNamedInANote() {
        let fields = (1...20).map { "column_\($0): \($0)" }.joined(separator: ", ")
        let text = runClean("table([{\(fields)}])", context: DisplayContext(width: 60))
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssert(lines.allSatisfy { TerminalWidth.of($0) <= 60 }, text)
        XCTAssert(lines.last?.hasPrefix("… ") ?? false, text)
        XCTAssert(lines.last?.contains("more columns: column_") ?? false, text)
    }

    func testEmptyTables() {
        XCTAssertEqual(runClean("table([])"), "(empty table)")
        XCTAssertEqual(runClean("table({a: [], b: []})"), "a  b\n─  ─\n(no rows)")
    }

    func testTableErrorsNameTheProblem() {
        assertError("table([1, 2])", contains: "'rows' must be a list of records, but the element at index 0 is a number")
        assertError("table({a: [1, 2], b: [1]})", contains: "must have equal lengths, but 'a' has 2 values and 'b' has 1")
        assertError("table({a: 1})", contains: "each field must be a list (a column), but 'a' is a number")
        assertError("table(3)", contains: "must be a table, a list of records or a record of lists, got number")
        assertError("let t = table([{a: 1}])\nt.b", contains: "table has no field 'b'")
    }

    func testCSVQuotingAndBaseUnits() throws {
        let table = try Table(columns: ["model", "energy", "note", "power"], rows: [
            [.string("a,b"), .quantity(Quantity(0.0125, .energy)), .string("say \"hi\""), .quantity(Quantity(2.5, .power))],
            [.string("line\nbreak"), .nilValue, .bool(true), .quantity(Quantity(1e-3, .power))],
        ])
        XCTAssertEqual(TableExport.csv(table), #"""
            model,energy (J),note,power (W)
            "a,b",0.0125,"say ""hi""",2.5
            "line
            break",,true,0.001

            """#)
    }

    func testCSVKeepsTextForMixedColumns() throws {
        let table = try Table(columns: ["x"], rows: [[.quantity(Quantity(1, .energy))], [.quantity(Quantity(2, .time))], [.number(3)]])
        XCTAssertEqual(TableExport.csv(table), "x\n1 J\n2 s\n3\n")
    }

    func testJSONRowsAsObjects() throws {
        let table = try Table(columns: ["model", "energy", "ok", "tags"], rows: [
            [.string("q\"8"), .quantity(Quantity(0.0031, .energy)), .bool(true), .list([.number(1), .number(.nan)])],
            [.string("tab\there"), .nilValue, .bool(false), .record(Record([("k", .string("v"))]))],
        ])
        XCTAssertEqual(TableExport.json(table), """
            [
              {"model": "q\\"8", "energy": {"value": 0.0031, "unit": "J"}, "ok": true, "tags": [1, null]},
              {"model": "tab\\there", "energy": null, "ok": false, "tags": {"k": "v"}}
            ]

            """)
        XCTAssertEqual(TableExport.json(try Table(columns: [], rows: [])), "[]\n")
    }

    func testSaveWritesCSVAndJSONFiles() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = folder.appendingPathComponent("models.csv").path
        let json = folder.appendingPathComponent("models.JSON").path
        _ = runClean(modelRecords + "\nsave(models, \"\(csv)\")\nsave(table(models), \"\(json)\")")
        XCTAssertEqual(try String(contentsOfFile: csv, encoding: .utf8), """
            model,energy (J),accuracy
            fp32,0.0125,97.8
            int8,0.0031,97.5
            int4,0.0019,96.2
            ternary,0.00062,95.9

            """)
        let jsonText = try String(contentsOfFile: json, encoding: .utf8)
        XCTAssert(jsonText.hasPrefix("[\n  {\"model\": \"fp32\", \"energy\": {\"value\": 0.0125, \"unit\": \"J\"}, \"accuracy\": 97.8},"), jsonText)
        let parsed = try JSONSerialization.jsonObject(with: Data(jsonText.utf8)) as? [[String: Any]]
        XCTAssertEqual(parsed?.count, 4)
    }

    func testSaveChartAsText() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("chart.txt").path
        _ = runClean("save(bar([1, 2], canvas: \"ascii\", width: 30), \"\(path)\")")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssert(text.contains("|##"), text)
        XCTAssert(text.allSatisfy(\.isASCII), text)
    }

    func testSaveErrors() throws {
        assertError("save([{a: 1}], \"/tmp/x.xlsx\")", contains: "cannot tell the format from .xlsx; a table is saved as .csv or .json")
        assertError("save([{a: 1}], \"/tmp/noextension\")", contains: "a path without an extension")
        assertError("save(3, \"x.csv\")", contains: "cannot save a number")
        assertError("save(bar([1]), \"x.csv\")", contains: "a chart is saved as text, so the path must end in .txt")
        let missing = "/nonexistent-\(UUID().uuidString)/x.csv"
        assertError("save([{a: 1}], \"\(missing)\")", contains: "cannot write \(missing): No such file or directory")
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let directory = folder.appendingPathComponent("d.csv")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        assertError("save([{a: 1}], \"\(directory.path)\")", contains: "it is a directory")
    }

    func testTableInitRejectsBadShapes() {
        XCTAssertThrowsError(try Table(columns: ["a", "a"], rows: []))
        XCTAssertThrowsError(try Table(columns: ["a"], rows: [[.number(1), .number(2)]]))
    }
}
