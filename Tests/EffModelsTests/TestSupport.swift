import Foundation
import XCTest
@testable import EffModels

/// Helpers shared by the EffModels tests.
enum TestSupport {
    /// The checked-in fixtures folder (Tests/EffModelsTests/Fixtures), found from this source file's path.
    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    /// A fresh empty temporary folder.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("eff-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Digits split 80/20 (stratified, seed 42) with pixels scaled to 0..1.
    static func digitsParts() throws -> (train: Dataset, test: Dataset) {
        let digits = try Dataset.builtin("digits")
        let parts = try digits.split(trainFraction: 0.8, seed: 42)
        let scaler = MinMaxScaler(fittedOn: parts.train, perFeature: false)
        return (try scaler.apply(to: parts.train), try scaler.apply(to: parts.test))
    }

    /// Asserts that `body` throws a `ModelsError` whose message contains every fragment.
    static func assertThrows<T>(_ body: @autoclosure () throws -> T, kind: ModelsError.Kind? = nil,
                                containing fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try body()
            XCTFail("expected an error containing \(fragments)", file: file, line: line)
        } catch let error as ModelsError {
            if let kind { XCTAssertEqual(error.kind, kind, error.message, file: file, line: line) }
            for fragment in fragments {
                XCTAssertTrue(error.message.contains(fragment), "'\(error.message)' lacks '\(fragment)'", file: file, line: line)
            }
        } catch {
            XCTFail("unexpected error type: \(error)", file: file, line: line)
        }
    }
}
