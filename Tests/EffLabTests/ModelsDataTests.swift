@testable import EffLab
import EffLanguage
import EffModels
import Foundation
import XCTest

/// The data builtins: dataset, csv, split, scale, standardize, sample.
final class ModelsDataTests: XCTestCase {
    func testDigitsLoadsRawPixels() throws {
        let run = modelsOutput("""
            let d = dataset("digits")
            d
            print(d.rows, d.features, d.classes, len(d.class_names))
            """)
        XCTAssertEqual(run.output.first, "dataset digits · 1,797 rows × 64 features · 10 classes")
        XCTAssertEqual(run.output.last, "1797 64 10 10")
        let data = try XCTUnwrap(run.object("d", as: DatasetValue.self)).dataset
        XCTAssertEqual(data.features.max(), 16, "digits come as published, 0…16")
        XCTAssertEqual(data.features.min(), 0)
    }

    func testUnknownDatasetListsTheNames() {
        assertModelsError("dataset(\"mnist\")", contains: "unknown data set 'mnist'", "digits, iris, wine, breast_cancer")
        assertModelsError("dataset(3)", contains: "dataset: 'name' must be a string")
    }

    func testSplitSizesAndStratification() throws {
        let run = modelsOutput("""
            let parts = split(dataset("iris"), train: 0.8, seed: 42)
            print(parts.train.rows, parts.test.rows)
            print(parts.train.class_counts, parts.test.class_counts)
            let again = split(dataset("iris"), train: 0.8, seed: 42)
            let other = split(dataset("iris"), train: 0.8, seed: 7)
            """)
        XCTAssertEqual(run.output, ["120 30", "[40, 40, 40] [10, 10, 10]"])
        let first = try XCTUnwrap(run.value("parts"))
        let again = try XCTUnwrap(run.value("again"))
        let other = try XCTUnwrap(run.value("other"))
        func labels(_ value: Value) -> [Int] {
            guard case .record(let record) = value, case .object(let object)? = record["test"],
                  let data = object as? DatasetValue else { return [] }
            return data.dataset.labels
        }
        XCTAssertEqual(labels(first), labels(again), "the same seed gives the same split")
        XCTAssertNotEqual(labels(first), labels(other), "another seed gives another order")
    }

    func testSplitRejectsBadArguments() {
        assertModelsError("split(dataset(\"iris\"), train: 1.5)", contains: "split: 'train' must be in 0…1, got 1.5")
        assertModelsError("split(dataset(\"iris\"), train: 1)", contains: "train fraction must be between 0 and 1")
        assertModelsError("split([1, 2], train: 0.5)", contains: "split: 'data' must be a data set, got list")
        assertModelsError("split(dataset(\"iris\"), seed: -1)", contains: "'seed' must be zero or positive")
        assertModelsError("let p = split(dataset(\"iris\"))\nsplit(p)", contains: "got the record of a split", "p")
    }

    func testScaleMapsDigitsToUnitRange() throws {
        let run = modelsOutput("""
            let d = scale(dataset("digits"))
            let parts = scale(split(dataset("iris"), seed: 1), per_feature: true)
            """)
        let digits = try XCTUnwrap(run.object("d", as: DatasetValue.self)).dataset
        XCTAssertEqual(digits.features.max(), 1)
        XCTAssertEqual(digits.features.min(), 0)
        XCTAssertEqual(digits.count, 1797)
        guard case .record(let parts)? = run.value("parts"), case .object(let trainObject)? = parts["train"],
              let train = trainObject as? DatasetValue else { return XCTFail("scale of a split returns a split record") }
        // Fitted on train, per feature: every training column spans exactly 0…1.
        for column in 0..<train.dataset.featureCount {
            let values = stride(from: column, to: train.dataset.features.count, by: train.dataset.featureCount)
                .map { train.dataset.features[$0] }
            XCTAssertEqual(values.min(), 0)
            XCTAssertEqual(values.max() ?? 0, 1, accuracy: 1e-6)
        }
    }

    func testStandardizeFitsOnTrainAndAppliesToTest() throws {
        let run = modelsOutput("let parts = standardize(split(dataset(\"wine\"), seed: 3))")
        guard case .record(let parts)? = run.value("parts"), case .object(let trainObject)? = parts["train"],
              case .object(let testObject)? = parts["test"], let train = trainObject as? DatasetValue,
              let test = testObject as? DatasetValue else { return XCTFail("standardize returns a split record") }
        let width = train.dataset.featureCount
        let firstColumn = stride(from: 0, to: train.dataset.features.count, by: width).map { Double(train.dataset.features[$0]) }
        XCTAssertEqual(firstColumn.reduce(0, +) / Double(firstColumn.count), 0, accuracy: 1e-4)
        XCTAssertEqual(test.dataset.count + train.dataset.count, 178)
        assertModelsError("standardize(3)", contains: "standardize: 'data' must be a data set or a split record")
        assertModelsError("scale({test: dataset(\"iris\")})", contains: "must have a 'train' data set")
    }

    func testCSVWithNamedLabelColumn() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("efflab-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("flowers.csv").path
        try "species,length,width\ncat,1.0,2.0\ndog,3.5,1.0\ncat,1.5,2.5\n".write(toFile: path, atomically: true, encoding: .utf8)
        let run = modelsOutput("""
            let d = csv("\(path)", label: "species")
            print(d.rows, d.features, d.class_names)
            sample(d, 1)
            """)
        XCTAssertEqual(run.output, ["3 2 [\"cat\", \"dog\"]", "{features: [3.5, 1], label: 1, class: \"dog\"}"])
        assertModelsError("csv(\"\(path)\", label: true)", contains: "csv: 'label' must be")
        assertModelsError("csv(\"\(path)\", delimiter: \";;\")", contains: "'delimiter' must be one character")
        assertModelsError("csv(\"\(folder.path)/missing.csv\")", contains: "csv:", "missing.csv", "cannot read")
        assertModelsError("sample(dataset(\"iris\"), 150)", contains: "sample: 'index' must be in 0…149, got 150")
    }
}
