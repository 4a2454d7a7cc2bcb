import XCTest
@testable import EffModels

final class CSVReaderTests: XCTestCase {
    func testHeaderIsDetectedAndLabelNamesBecomeClasses() throws {
        let text = "length,width,species\n1.0,2.0,cat\n3.5,4.0,dog\n\n5,6,cat\n"
        let data = try Dataset.parseCSV(text: text, file: "pets.csv", name: "pets")
        XCTAssertEqual(data.featureNames, ["length", "width"])
        XCTAssertEqual(data.classNames, ["cat", "dog"])
        XCTAssertEqual(data.labels, [0, 1, 0])
        XCTAssertEqual(data.features, [1, 2, 3.5, 4, 5, 6])
    }

    func testLabelColumnByNameAndIndexWithoutHeader() throws {
        let named = try Dataset.parseCSV(text: "y,a,b\n2,1,1\n5,2,2\n", file: "f.csv", name: "f",
                                         options: CSVOptions(label: .name("y")))
        XCTAssertEqual(named.classNames, ["2", "5"])
        XCTAssertEqual(named.labels, [0, 1])
        XCTAssertEqual(named.features, [1, 1, 2, 2])
        let indexed = try Dataset.parseCSV(text: "0.5,1,0.25\n0.75,0,0.5\n", file: "g.csv", name: "g",
                                           options: CSVOptions(label: .index(1), header: .absent))
        XCTAssertEqual(indexed.classNames, ["0", "1"])
        XCTAssertEqual(indexed.labels, [1, 0])
        XCTAssertEqual(indexed.featureNames, ["x0", "x1"])
        let quoted = try Dataset.parseCSV(text: "\"a, b\";label\n1;\"x\"\"y\"\n", file: "q.csv", name: "q",
                                          options: CSVOptions(delimiter: ";"))
        XCTAssertEqual(quoted.featureNames, ["a, b"])
        XCTAssertEqual(quoted.classNames, ["x\"y"])
    }

    func testErrorsNameFileLineAndColumn() {
        TestSupport.assertThrows(try Dataset.parseCSV(text: "a,b,y\n1,2,0\n1,2\n", file: "r.csv", name: "r"),
                                 kind: .csv, containing: ["r.csv:3", "2 columns", "expected 3"])
        TestSupport.assertThrows(try Dataset.parseCSV(text: "a,b,y\n1,2,0\n1,abc,1\n", file: "n.csv", name: "n"),
                                 kind: .csv, containing: ["n.csv:3:2", "'abc'", "column 'b'"])
        TestSupport.assertThrows(try Dataset.parseCSV(text: "1,2,0\n1,2,\n", file: "m.csv", name: "m"),
                                 kind: .csv, containing: ["m.csv:2:3", "missing label"])
        TestSupport.assertThrows(try Dataset.parseCSV(text: "1,,0\n", file: "e.csv", name: "e",
                                                      options: CSVOptions(header: .absent)),
                                 kind: .csv, containing: ["e.csv:1:2", "empty cell"])
        TestSupport.assertThrows(try Dataset.parseCSV(text: "a,y\n1,0\n", file: "l.csv", name: "l",
                                                      options: CSVOptions(label: .name("class"))),
                                 kind: .csv, containing: ["no column named 'class'", "a, y"])
        TestSupport.assertThrows(try Dataset.parseCSV(text: "1,\"unterminated\n", file: "u.csv", name: "u"),
                                 kind: .csv, containing: ["u.csv:1", "unterminated"])
        TestSupport.assertThrows(try Dataset.parseCSV(text: "\n\n", file: "z.csv", name: "z"), kind: .csv, containing: ["no rows"])
        TestSupport.assertThrows(try Dataset.parseCSV(text: "1,2,inf\n", file: "i.csv", name: "i",
                                                      options: CSVOptions(label: .first)),
                                 kind: .csv, containing: ["i.csv:1:3", "finite"])
    }

    func testReadCSVFromDiskAndMissingFile() throws {
        let folder = try TestSupport.temporaryFolder()
        let path = folder.appendingPathComponent("small.csv").path
        try "f1,f2,label\r\n0.1,0.2,1\r\n0.3,0.4,2\r\n".write(toFile: path, atomically: true, encoding: .utf8)
        let data = try Dataset.readCSV(path: path)
        XCTAssertEqual(data.name, "small")
        XCTAssertEqual(data.classNames, ["1", "2"])
        XCTAssertEqual(data.labels, [0, 1])
        TestSupport.assertThrows(try Dataset.readCSV(path: folder.appendingPathComponent("none.csv").path),
                                 kind: .csv, containing: ["none.csv", "cannot read"])
    }
}
