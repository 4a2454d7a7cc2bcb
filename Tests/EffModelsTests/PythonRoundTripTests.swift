import Foundation
import XCTest
@testable import EffModels

/// eff → Python: a model eff saves is read by numpy (scripts/safetensors_roundtrip.py) with the same logits.
/// (Python → eff is `WeightFileTests.testNumpyTrainedFixtureLoadsWithSameLogitsAndPredictions`, on checked-in
/// fixtures, so it runs without Python.)
final class PythonRoundTripTests: XCTestCase {
    /// The repository root, from this file's path (Tests/EffModelsTests/…).
    private var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    func testNumpyReadsEffSavedModelWithSameLogits() throws {
        let script = repository.appendingPathComponent("scripts/safetensors_roundtrip.py").path
        guard FileManager.default.fileExists(atPath: script),
              (try? run(["python3", "-c", "import numpy"]))?.status == 0 else {
            throw XCTSkip("python3 with numpy is not available; run scripts/safetensors_roundtrip.py check-eff by hand")
        }
        let parts = try TestSupport.digitsParts()
        var model = try Model(name: "roundtrip", inputCount: 64, specs: [
            .dense(units: 24, activation: .relu), .layerNorm, .dropout(rate: 0.1), .dense(units: 16, activation: .tanh),
            .dense(units: 10, activation: .none),
        ], seed: 3)
        try model.train(on: try parts.train.subset(Array(0..<300)), options: TrainingOptions(epochs: 2, seed: 3))
        let count = 50
        let inputs = Array(parts.test.features.prefix(count * 64))
        let logits = try model.logits(inputs, count: count)
        let folder = try TestSupport.temporaryFolder()
        let modelPath = folder.appendingPathComponent("model.safetensors").path
        let inputsPath = folder.appendingPathComponent("inputs.npy").path
        let logitsPath = folder.appendingPathComponent("logits.npy").path
        try model.save(safetensorsPath: modelPath)
        try Data(NumPyFormat.serializeArray(inputs, shape: [count, 64])).write(to: URL(fileURLWithPath: inputsPath))
        try Data(NumPyFormat.serializeArray(logits, shape: [count, 10])).write(to: URL(fileURLWithPath: logitsPath))
        let result = try run(["python3", script, "check-eff", modelPath, inputsPath, logitsPath])
        print(result.output)
        XCTAssertEqual(result.status, 0, result.output)
    }
}
