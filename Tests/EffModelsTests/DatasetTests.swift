import XCTest
@testable import EffModels

final class DatasetTests: XCTestCase {
    func testBuiltinDatasetsHaveDocumentedShapes() throws {
        let expected: [String: (rows: Int, features: Int, classes: Int)] = [
            "digits": (1797, 64, 10), "iris": (150, 4, 3), "wine": (178, 13, 3), "breast_cancer": (569, 30, 2),
        ]
        XCTAssertEqual(Set(BuiltinDataset.names), Set(expected.keys))
        for (name, shape) in expected {
            let data = try Dataset.builtin(name)
            XCTAssertEqual(data.count, shape.rows, name)
            XCTAssertEqual(data.featureCount, shape.features, name)
            XCTAssertEqual(data.classCount, shape.classes, name)
            XCTAssertEqual(data.featureNames.count, shape.features, name)
        }
        let iris = try Dataset.builtin("iris")
        XCTAssertEqual(iris.classNames, ["setosa", "versicolor", "virginica"])
        XCTAssertEqual(Array(try iris.row(0)), [5.1, 3.5, 1.4, 0.2])
        XCTAssertEqual(iris.classCounts, [50, 50, 50])
        let digits = try Dataset.builtin("digits")
        XCTAssertEqual(digits.labels.prefix(3), [0, 1, 2])
        XCTAssertEqual(digits.features.max(), 16)
    }

    func testUnknownDatasetListsNames() {
        TestSupport.assertThrows(try Dataset.builtin("mnist"), kind: .data, containing: ["mnist", "digits", "iris"])
    }

    func testDataDirectoryOverrideIsHonouredAndReportsMissingFiles() throws {
        let empty = try TestSupport.temporaryFolder()
        TestSupport.assertThrows(try ResourceLocator.datasetsDirectory(environment: ["EFF_DATA_DIR": empty.path]),
                                 kind: .resources, containing: ["EFF_DATA_DIR", empty.path])
        let bundled = try ResourceLocator.datasetsDirectory(environment: [:])
        XCTAssertTrue(bundled.path.contains("_EffModels.resources"), bundled.path)
        XCTAssertEqual(try ResourceLocator.datasetsDirectory(environment: ["EFF_DATA_DIR": bundled.path]), bundled)
        // A folder that holds a datasets/ subfolder is accepted too.
        XCTAssertEqual(try ResourceLocator.datasetsDirectory(
            environment: ["EFF_DATA_DIR": bundled.deletingLastPathComponent().path]).standardizedFileURL,
            bundled.standardizedFileURL)
    }

    func testStratifiedSplitKeepsProportionsAndIsSeeded() throws {
        let digits = try Dataset.builtin("digits")
        let parts = try digits.split(trainFraction: 0.8, seed: 42)
        XCTAssertEqual(parts.train.count + parts.test.count, digits.count)
        for (label, total) in digits.classCounts.enumerated() {
            XCTAssertEqual(parts.train.classCounts[label], Int((0.8 * Double(total)).rounded()))
        }
        let again = try digits.split(trainFraction: 0.8, seed: 42)
        XCTAssertEqual(parts.train, again.train)
        let other = try digits.split(trainFraction: 0.8, seed: 7)
        XCTAssertNotEqual(parts.train.labels, other.train.labels)
        // Every original row lands in exactly one part.
        var rows = Set<[Float]>()
        for part in [parts.train, parts.test] { for index in 0..<part.count { rows.insert(Array(try part.row(index))) } }
        var originals = Set<[Float]>()
        for index in 0..<digits.count { originals.insert(Array(try digits.row(index))) }
        XCTAssertEqual(rows, originals)
    }

    func testSplitRejectsBadFractions() throws {
        let iris = try Dataset.builtin("iris")
        TestSupport.assertThrows(try iris.split(trainFraction: 1.0, seed: 1), kind: .data, containing: ["between 0 and 1"])
        TestSupport.assertThrows(try iris.split(trainFraction: .nan, seed: 1), kind: .data, containing: ["fraction"])
    }

    func testStandardizerFitsOnTrainAndAppliesToTest() throws {
        let parts = try Dataset.builtin("wine").split(trainFraction: 0.7, seed: 3)
        let standardizer = Standardizer(fittedOn: parts.train)
        let train = try standardizer.apply(to: parts.train)
        for column in 0..<train.featureCount {
            let values = (0..<train.count).map { Double(train.features[$0 * train.featureCount + column]) }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            XCTAssertEqual(mean, 0, accuracy: 1e-4)
            XCTAssertEqual(variance, 1, accuracy: 1e-3)
        }
        let test = try standardizer.apply(to: parts.test)
        XCTAssertEqual(test.features[0], (parts.test.features[0] - standardizer.means[0]) / standardizer.deviations[0])
        TestSupport.assertThrows(try standardizer.apply(to: try Dataset.builtin("iris")), kind: .data, containing: ["13", "4"])
    }

    func testGlobalMinMaxScalesPixelsBySixteen() throws {
        let digits = try Dataset.builtin("digits")
        let scaled = try MinMaxScaler(fittedOn: digits, perFeature: false).apply(to: digits)
        XCTAssertEqual(scaled.features, digits.features.map { $0 / 16 })
        let perFeature = try MinMaxScaler(fittedOn: digits).apply(to: digits)
        XCTAssertEqual(perFeature.features.max(), 1)
        XCTAssertEqual(perFeature.features.min(), 0)
    }

    func testBatchesCoverEveryRowOnce() throws {
        let iris = try Dataset.builtin("iris")
        let batches = try iris.batchIndices(size: 32, seed: 9)
        XCTAssertEqual(batches.map(\.count), [32, 32, 32, 32, 22])
        XCTAssertEqual(batches.flatMap { $0 }.sorted(), Array(0..<150))
        XCTAssertEqual(try iris.batchIndices(size: 32, seed: nil).first, Array(0..<32))
        let batch = try iris.batch([1, 0])
        XCTAssertEqual(batch.labels, [0, 0])
        XCTAssertEqual(Array(batch.features[0..<4]), Array(try iris.row(1)))
        TestSupport.assertThrows(try iris.batchIndices(size: 0, seed: nil), kind: .data, containing: ["positive"])
        TestSupport.assertThrows(try iris.batch([0, 150]), kind: .data, containing: ["row 150", "0..<150"])
        TestSupport.assertThrows(try iris.row(-1), kind: .data, containing: ["row -1"])
        XCTAssertEqual(try iris.subset([2, 2]).labels, [0, 0])
    }

    func testShuffleIsAPermutation() throws {
        let iris = try Dataset.builtin("iris")
        let shuffled = iris.shuffled(seed: 5)
        XCTAssertEqual(shuffled.labels.sorted(), iris.labels.sorted())
        XCTAssertNotEqual(shuffled.labels, iris.labels)
        XCTAssertEqual(shuffled, iris.shuffled(seed: 5))
    }
}

final class BuiltinParserTests: XCTestCase {
    private let iris = BuiltinDataset.all.first { $0.name == "iris" }!

    func testParserReadsDecimalsExactlyAndChecksShape() throws {
        let data = try Dataset.parseBuiltin(text: "2,4,a,b\n5.1,3.5,1.4,0.2,0\r\n-1e-3, 7 ,0,12,1\n\n", entry: iris, file: "t.csv")
        XCTAssertEqual(data.features, [5.1, 3.5, 1.4, 0.2, -0.001, 7, 0, 12])
        XCTAssertEqual(data.labels, [0, 1])
        XCTAssertEqual(data.classNames, ["a", "b"])
        TestSupport.assertThrows(try Dataset.parseBuiltin(text: "1,4,a,b\n1,2,3,0\n", entry: iris, file: "t.csv"),
                                 kind: .data, containing: ["t.csv:2", "4 columns, expected 5"])
        TestSupport.assertThrows(try Dataset.parseBuiltin(text: "1,4,a,b\n1,2,x,4,0\n", entry: iris, file: "t.csv"),
                                 kind: .data, containing: ["t.csv:2:3", "'x'"])
        TestSupport.assertThrows(try Dataset.parseBuiltin(text: "1,4,a,b\n1,2,3,4,2\n", entry: iris, file: "t.csv"),
                                 kind: .data, containing: ["t.csv:2:5", "bad label"])
        TestSupport.assertThrows(try Dataset.parseBuiltin(text: "3,4,a,b\n1,2,3,4,1\n", entry: iris, file: "t.csv"),
                                 kind: .data, containing: ["header says 3 rows, found 1"])
        TestSupport.assertThrows(try Dataset.parseBuiltin(text: "x\n", entry: iris, file: "t.csv"),
                                 kind: .data, containing: ["t.csv:1", "n_rows"])
    }
}
