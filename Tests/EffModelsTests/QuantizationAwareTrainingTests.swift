import EffKernels
import XCTest
@testable import EffModels

/// The compression targets on digits (80/20 stratified split, pixels 0..1, 64-128-10 MLP):
/// ternary QAT within 1.5 points of the f32 twin; post-training int8 within 0.5 points.
final class QuantizationAwareTrainingTests: XCTestCase {
    func testTernaryAndLowBitQATStayCloseToTheFloatTwin() throws {
        let parts = try TestSupport.digitsParts()
        let options = TrainingOptions(epochs: 30, seed: 42)
        var twin = try Model.mlp([64, 128, 10], seed: 42)
        try twin.train(on: parts.train, options: options)
        let baseline = try twin.evaluate(on: parts.test).accuracy
        let int8 = try twin.quantized(.int8PerRow).evaluate(on: parts.test).accuracy
        XCTAssertGreaterThanOrEqual(int8, baseline - 0.005, "post-training int8")

        var results: [String] = ["f32 \(baseline)", "int8 (post-training) \(int8)"]
        for (format, allowedDrop) in [(WeightFormat.ternary, 0.015), (.int4Block32, 0.015), (.binary, 0.05)] {
            var model = try Model.mlp([64, 128, 10], seed: 42)
            var qat = options
            qat.quantizedFormat = format
            try model.train(on: parts.train, options: qat)
            XCTAssertTrue(model.denseLayers.allSatisfy { $0.layer.format == format })
            // The trained weights are on the format's grid: each row holds at most 3 (ternary: −s, 0, +s),
            // 2 (binary: ±s) or, per block of 32, 15 (int4: −7…7) distinct values.
            let limit = [WeightFormat.ternary: 3, .binary: 2, .int4Block32: 15][format]!
            for (_, dense) in model.denseLayers {
                let width = format == .int4Block32 ? min(32, dense.inputCount) : dense.inputCount
                let distinct = stride(from: 0, to: dense.weights.count, by: width).map {
                    Set(dense.weights[$0..<($0 + width)].map { $0 == 0 ? 0 : $0 }).count
                }
                XCTAssertLessThanOrEqual(distinct.max() ?? 0, limit, "\(format) rows are on the grid")
            }
            let accuracy = try model.evaluate(on: parts.test).accuracy
            results.append("\(format.rawValue) QAT \(accuracy)")
            XCTAssertGreaterThanOrEqual(accuracy, baseline - allowedDrop, "\(format) QAT")
        }
        print("QAT on digits: " + results.joined(separator: ", "))
    }
}
