import EffKernels
import XCTest
@testable import EffModels

final class WeightFileTests: XCTestCase {
    func testSafetensorsRoundTripKeepsArchitectureWeightsAndFormats() throws {
        var model = try Model(name: "roundtrip", inputCount: 6, specs: [
            .dense(units: 8, activation: .gelu), .layerNorm, .dropout(rate: 0.1), .dense(units: 4, activation: .tanh),
            .dense(units: 3, activation: .none),
        ], seed: 5)
        model.classNames = ["a", "b, \"c\"", "ü"]
        let folder = try TestSupport.temporaryFolder()
        let path = folder.appendingPathComponent("model.safetensors").path
        try model.save(safetensorsPath: path)
        let file = try TensorFile.read(path: path)
        XCTAssertEqual(file.tensors.map(\.name), ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias",
                                                  "6.weight", "6.bias"])
        XCTAssertEqual(file["0.weight"]?.shape, [8, 6])
        XCTAssertEqual(file.metadata["format"], "pt")
        let loaded = try Model.load(path: path)
        XCTAssertEqual(loaded, model)

        let quantized = try model.quantized(.int4Block32)
        try quantized.save(safetensorsPath: path)
        let reloaded = try Model.load(path: path)
        XCTAssertEqual(reloaded.denseLayers.map(\.layer.format), [.int4Block32, .int4Block32, .int4Block32])
        XCTAssertEqual(reloaded.denseLayers.map(\.layer.weights), quantized.denseLayers.map(\.layer.weights))
    }

    func testHalfPrecisionFilesRoundTripWithinTheirPrecision() throws {
        let model = try Model.mlp([5, 7, 3], seed: 2)
        let folder = try TestSupport.temporaryFolder()
        for (type, format) in [(TensorDataType.F16, WeightFormat.f16), (.BF16, .bf16)] {
            let path = folder.appendingPathComponent("m-\(type.rawValue).safetensors").path
            try model.save(safetensorsPath: path, dataType: type)
            let loaded = try Model.load(path: path)
            XCTAssertEqual(try TensorFile.read(path: path).tensors.first?.dataType, type)
            for ((_, original), (_, read)) in zip(model.denseLayers, loaded.denseLayers) {
                XCTAssertEqual(read.weights, try format.roundTrip(original.weights, rows: original.outputCount,
                                                             columns: original.inputCount))
            }
        }
    }

    func testNumpyTrainedFixtureLoadsWithSameLogitsAndPredictions() throws {
        let fixtures = TestSupport.fixtures
        let inputs = try TensorFile.read(path: fixtures.appendingPathComponent("numpy_mlp_inputs.npy").path).tensors[0]
        let expected = try TensorFile.read(path: fixtures.appendingPathComponent("numpy_mlp_logits.npy").path).tensors[0]
        let predictions = try TensorFile.read(path: fixtures.appendingPathComponent("numpy_mlp_predictions.npy").path).tensors[0]
        XCTAssertEqual(inputs.shape, [40, 64])
        let digits = try Dataset.builtin("digits")
        let scaled = digits.features.map { $0 / 16 }
        for name in ["numpy_mlp.safetensors", "numpy_mlp.npz", "numpy_mlp_compressed.npz"] {
            let model = try Model.load(path: fixtures.appendingPathComponent(name).path)
            XCTAssertEqual(model.layers.map(\.summary), ["dense 64→32 relu", "dense 32→10"], name)
            let logits = try model.logits(inputs.values, count: 40)
            for (mine, theirs) in zip(logits, expected.values) { XCTAssertEqual(mine, theirs, accuracy: 1e-5, name) }
            XCTAssertEqual(try model.predict(scaled, count: digits.count), predictions.values.map { Int($0) }, name)
        }
    }

    func testExplicitNameMapAndArchitectureMismatch() throws {
        let path = TestSupport.fixtures.appendingPathComponent("numpy_mlp.safetensors").path
        let file = try TensorFile.read(path: path)
        let architecture = try Model.mlp([64, 32, 10], seed: 0)
        let mapped = try architecture.loadingWeights(from: file, names: ["0": "fc1", "2.weight": "fc2.weight", "2.bias": "fc2.bias"])
        XCTAssertEqual(mapped.denseLayers[0].layer.weights, file["fc1.weight"]?.values)
        let automatic = try architecture.loadingWeights(from: file)
        XCTAssertEqual(automatic, mapped)
        TestSupport.assertThrows(try architecture.loadingWeights(from: file, names: ["0": "encoder"]), kind: .weightFile,
                                 containing: ["encoder.weight", "fc1.weight [32, 64]"])
        TestSupport.assertThrows(try Model.mlp([64, 16, 10], seed: 0).loadingWeights(from: file), kind: .weightFile,
                                 containing: ["fc1.weight", "[32, 64]", "expected [16, 64]"])
        TestSupport.assertThrows(try Model.mlp([64, 32, 32, 10], seed: 0).loadingWeights(from: file), kind: .weightFile,
                                 containing: ["3 layers with weights", "has 2"])
        let transposedShape = TensorFile(tensors: [NamedTensor(name: "l.weight", dataType: .F32, shape: [2, 3],
                                                               values: [Float](repeating: 0, count: 6))])
        TestSupport.assertThrows(try Model.mlp([2, 3], seed: 0).loadingWeights(from: transposedShape),
                                 kind: .weightFile, containing: ["transposed?"])
    }

    func testNpyLayoutsAndDtypes() throws {
        let fortran = try TensorFile.read(path: TestSupport.fixtures.appendingPathComponent("fortran_f64.npy").path).tensors[0]
        XCTAssertEqual(fortran.shape, [3, 4])
        XCTAssertEqual(fortran.values, (0..<12).map(Float.init))
        XCTAssertEqual(fortran.dataType, .F64)
        let bigEndian = try TensorFile.read(path: TestSupport.fixtures.appendingPathComponent("bigendian_i2.npy").path).tensors[0]
        XCTAssertEqual(bigEndian.values, [1, -2, 300])
        let bytes = try NumPyFormat.serializeArray([1, 2, 3, 4, 5, 6], shape: [2, 3])
        XCTAssertEqual((10 + Int(bytes[8]) + Int(bytes[9]) * 256) % 64, 0, "header padded to 64 bytes")
        let parsed = try NumPyFormat.parseArray(bytes, name: "x", file: "x.npy")
        XCTAssertEqual(parsed.shape, [2, 3])
        XCTAssertEqual(parsed.values, [1, 2, 3, 4, 5, 6])
    }
}

final class TensorDataTypeTests: XCTestCase {
    func testEveryDtypeRoundTripsThroughSafetensors() throws {
        let values: [Float] = [0, 1, 2, 100]
        let tensors = TensorDataType.allCases.map { type in
            NamedTensor(name: "t_\(type.rawValue)", dataType: type, shape: [2, 2], values: type == .BOOL ? [0, 1, 1, 0] : values)
        }
        let parsed = try SafeTensorsFormat.parse(try SafeTensorsFormat.serialize(tensors, metadata: ["k": "v"]), file: "all")
        XCTAssertEqual(parsed.metadata, ["k": "v"])
        for tensor in tensors {
            XCTAssertEqual(parsed[tensor.name]?.values, tensor.values, tensor.name)
            XCTAssertEqual(parsed[tensor.name]?.dataType, tensor.dataType)
            XCTAssertEqual(parsed[tensor.name]?.shape, [2, 2])
        }
        TestSupport.assertThrows(try SafeTensorsFormat.serialize([NamedTensor(name: "x", dataType: .I8, shape: [1], values: [300])]),
                                 kind: .weightFile, containing: ["'x'", "300", "I8"])
        TestSupport.assertThrows(try SafeTensorsFormat.serialize([NamedTensor(name: "x", dataType: .U8, shape: [1], values: [0.5])]),
                                 kind: .weightFile, containing: ["0.5"])
        TestSupport.assertThrows(try SafeTensorsFormat.serialize([NamedTensor(name: "x", dataType: .F32, shape: [3], values: [1])]),
                                 kind: .weightFile, containing: ["shape [3]"])
        TestSupport.assertThrows(try Model.mlp([2, 2], seed: 1).save(safetensorsPath: "/tmp/x.safetensors", dataType: .I8),
                                 kind: .weightFile, containing: ["not I8"])
    }
}
