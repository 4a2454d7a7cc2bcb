@testable import EffLab
import EffKernels
import EffLanguage
import EffModels
import Foundation
import XCTest

/// The model builtins: building, training, evaluating, compressing and weight files.
final class ModelsBuiltinTests: XCTestCase {
    /// Iris standardized and split, and a small model trained on it (a fraction of a second).
    static let trainedIris = """
        let parts = standardize(split(dataset("iris"), train: 0.8, seed: 42))
        let m = mlp([4, 16, 3], seed: 1, name: "flowers")
        let h = train(m, parts.train, epochs: 40, batch: 16, lr: 0.01, seed: 1)
        let e = evaluate(m, parts.test)
        """

    func testMLPDisplayAndFields() {
        let run = modelsOutput("""
            let m = mlp([64, 128, 10], seed: 42)
            m
            print(m.parameters, m.inputs, m.outputs, m.format, m.name, len(m.layers), m.bytes)
            type(m)
            """)
        XCTAssertEqual(run.output, [
            "model mlp · dense 64→128 relu → dense 128→10 · 9,610 parameters · f32, 38.4 kB",
            "9610 64 10 f32 mlp 2 38.4 kB",
            "\"model\"",
        ])
    }

    func testWeightMatrixIsTheLayersRowsAsComputedWith() {
        let run = modelsOutput("""
            let m = mlp([4, 3, 2], seed: 1)
            let w = weight_matrix(m)
            print(len(w), len(w[0]), len(weight_matrix(m, layer: 1)), len(weight_matrix(m, layer: 1)[0]))
            let p = prune(m, sparsity: 0.5)
            print(len(filter(reduce(weight_matrix(p), [], fn(a, r) => a + r), fn(x) => x == 0)))
            let t = quantize(m, "ternary")
            let rows = weight_matrix(t)
            print(len(filter(rows, fn(r) => len(filter(r, fn(x) => x != 0 and abs(x) != max(map(r, abs)))) > 0)))
            """)
        // 3 rows of 4 inputs, then 2 rows of 3; half of 12 weights pruned; ternary values are 0 or ±(the row's scale).
        XCTAssertEqual(run.output, ["3 4 2 3", "6", "0"])
        XCTAssert(ModelsRun("weight_matrix(mlp([4, 3, 2]), layer: 2)").errors.first?.contains("no layer 2") ?? false)
    }

    func testModelFromLayerRecords() throws {
        let run = modelsOutput("""
            let m = model(input: 64, layers: [{kind: "dense", units: 256, activation: "relu"}, {kind: "layernorm"},
                                              {kind: "dropout", rate: 0.1}, {kind: "dense", units: 10}], name: "baseline", seed: 42)
            m
            """)
        XCTAssertEqual(run.text, "model baseline · dense 64→256 relu → layernorm 256 → dropout 0.1 → dense 256→10\n"
            + "  19,722 parameters · f32, 78.9 kB", "wrapped to the 80 columns")
        let model = try XCTUnwrap(run.object("m", as: ModelValue.self)).model
        let expected = try Model(name: "baseline", inputCount: 64,
                                 specs: [.dense(units: 256, activation: .relu), .layerNorm, .dropout(rate: 0.1),
                                         .dense(units: 10, activation: .none)], seed: 42)
        XCTAssertEqual(model, expected, "the builtin builds exactly the library's model for the same seed")
    }

    /// The parser passes `model { }` lines on as {kind, arguments}; the builtin checks them against the registry
    /// and points at the line.
    func testModelBlockErrorsPointAtTheLayer() {
        let unknown = ModelsRun("model m {\n  input 4\n  dence 10\n}").diagnostics.first
        XCTAssertEqual(unknown?.message, "unknown layer 'dence' in model block")
        XCTAssertEqual(unknown?.hint, "did you mean 'dense'?")
        XCTAssertEqual(unknown?.line, 3)
        let extra = ModelsRun("model m {\n  input 4\n  dense 10, relu, 3\n}").diagnostics.first
        XCTAssertEqual(extra?.message, "'dense' takes at most 2 arguments (units, activation)")
        XCTAssertEqual(extra?.line, 3)
    }

    func testModelLayerErrorsNameTheLayer() {
        assertModelsError("model(input: 4, layers: [{kind: \"conv\"}])", contains: "layer 0", "unknown kind \"conv\"",
                          "dense, layernorm, dropout")
        assertModelsError("model(input: 4, layers: [{kind: \"dense\"}])", contains: "layer 0: dense needs 'units'")
        assertModelsError("model(input: 4, layers: [{kind: \"dense\", units: 3, act: \"relu\"}])",
                          contains: "has no field 'act'")
        assertModelsError("model(input: 4, layers: [{kind: \"dense\", units: 3, activation: \"swish\"}])",
                          contains: "unknown activation 'swish'", "relu")
        assertModelsError("model(input: 4, layers: [{kind: \"dropout\", rate: 1.5}])", contains: "dropout needs 'rate'")
        assertModelsError("model(input: 0, layers: [])", contains: "model: 'input' must be in 1…")
        assertModelsError("model(input: 4, layers: [{kind: \"layernorm\"}])", contains: "has no dense layer")
        assertModelsError("model(input: 4, layers: [3])", contains: "layer 0 must be a record")
        assertModelsError("mlp([64])", contains: "at least an input and an output width")
        assertModelsError("mlp([64, -3])", contains: "element 1 is -3")
    }

    func testTrainAndEvaluateOnIris() throws {
        let run = modelsOutput(Self.trainedIris + """

            print(len(h), h.columns)
            print(e.count, e.accuracy > 0.85, len(e.correct), len(e.confusion))
            print(len(m.history))
            """)
        XCTAssertEqual(run.output, ["40 [\"epoch\", \"loss\", \"accuracy\"]", "30 true 30 3", "40"])
        let evaluation = try XCTUnwrap(run.object("e", as: EvaluationValue.self))
        XCTAssertGreaterThan(evaluation.evaluation.accuracy, 0.85)
        XCTAssertTrue(evaluation.display(DisplayContext()).hasPrefix(
            "accuracy \(LabFormat.percent(evaluation.evaluation.accuracy)) (\(evaluation.correctCount)/30) · loss "))
        XCTAssertTrue(evaluation.display(DisplayContext()).contains("setosa versicolor  virginica"))
        // Training is deterministic: the same script gives the same weights.
        let again = modelsOutput(Self.trainedIris)
        XCTAssertEqual(run.object("m", as: ModelValue.self)?.model, again.object("m", as: ModelValue.self)?.model)
    }

    func testPredictOnDataRowsAndOneExample() {
        let run = modelsOutput(Self.trainedIris + """

            let all = predict(m, parts.test)
            print(len(all), all == e.predictions)
            let x = sample(parts.test, 0).features
            print(predict(m, x) == all[0], predict(m, [x, x]) == [all[0], all[0]])
            """)
        XCTAssertEqual(run.output, ["30 true", "true true"])
        assertModelsError("predict(mlp([4, 3]), [1, 2])", contains: "takes 4 features, the example has 2")
        assertModelsError("predict(mlp([4, 3]), \"x\")", contains: "'input' must be a data set")
    }

    func testTrainArgumentErrors() {
        let setup = "let d = dataset(\"iris\")\nlet m = mlp([4, 3])\n"
        assertModelsError(setup + "train(m, d, optimizer: \"rmsprop\")", contains: "unknown optimizer \"rmsprop\"", "adam, sgd")
        assertModelsError(setup + "train(m, d, schedule: \"linear\")", contains: "constant, cosine, step")
        assertModelsError(setup + "train(m, d, epochs: 0)", contains: "train: 'epochs' must be in 1…")
        assertModelsError(setup + "train(m, d, lr: \"fast\")", contains: "'lr' must be a number")
        assertModelsError(setup + "train(m, d, quantized: \"int3\")", contains: "unknown weight format 'int3'", "int8, int8_block32")
        assertModelsError(setup + "train(d, m)", contains: "train: 'model' must be a model, got dataset")
        assertModelsError(setup + "train(m, dataset(\"wine\"))", contains: "takes 4 features", "13")
    }

    func testQuantizationAwareTrainingEndsInTheFormat() throws {
        let run = modelsOutput(Self.trainedIris + """

            let t = like(m, seed: 2, name: "tern")
            train(t, parts.train, epochs: 10, lr: 0.01, quantized: "ternary");
            print(t.format, t.name, m.format)
            """)
        XCTAssertEqual(run.output, ["ternary tern f32"])
    }

    func testQuantizePruneLowRankMakeNewModels() throws {
        let run = modelsOutput(Self.trainedIris + """

            let q = quantize(m, "int8")
            let b = quantize(m, "binary", name: "bits")
            let p = prune(m, sparsity: 0.5, structure: "2:4")
            let u = prune(m, sparsity: 0.75)
            let n = prune(m, sparsity: 0.5, structure: "neurons")
            let r = lowrank(mlp([4, 16, 16, 3]), rank: 2)
            print(q.name, q.format, b.name, b.format, p.format, u.format, m.format)
            print(n.parameters < m.parameters, len(r.layers))  # every layer wider than rank 2 becomes two
            """)
        XCTAssertEqual(run.output, ["flowers.int8 int8 bits binary sparse_2of4 sparse_csr f32", "true 6"])
        let unstructured = try XCTUnwrap(run.object("u", as: ModelValue.self)).model
        let (_, first) = try XCTUnwrap(unstructured.denseLayers.first)
        XCTAssertEqual(Double(first.nonzeroWeightCount) / Double(first.weights.count), 0.25, accuracy: 0.05)
        assertModelsError("quantize(mlp([4, 3]), \"int3\")", contains: "quantize: unknown weight format 'int3'", "ternary")
        assertModelsError("prune(mlp([4, 3]), structure: \"blocks\")", contains: "unknown pruning structure 'blocks'", "2:4")
        assertModelsError("prune(mlp([4, 3]), sparsity: 1)", contains: "prune: 'sparsity' must be in 0…")
        assertModelsError("lowrank(mlp([4, 3]), rank: 0)", contains: "lowrank: 'rank' must be in 1…")
    }

    func testDistillTrainsTheStudentInPlace() throws {
        let run = modelsOutput(Self.trainedIris + """

            let s = mlp([4, 4, 3], seed: 3, name: "small")
            let before = evaluate(s, parts.test).accuracy
            let out = distill(m, s, parts.train, epochs: 30, lr: 0.01, temperature: 2, alpha: 0.5)
            print(out.name, len(s.history), evaluate(s, parts.test).accuracy > 0.8)
            """)
        XCTAssertEqual(run.output, ["small 30 true"])
        XCTAssertTrue(run.object("out", as: ModelValue.self) === run.object("s", as: ModelValue.self))
        assertModelsError("distill(mlp([4, 3]), mlp([4, 3]), dataset(\"iris\"), alpha: 2)", contains: "distill: 'alpha' must be in 0…1")
    }

    func testSummaryAndWeights() {
        let run = modelsOutput("""
            let m = mlp([64, 128, 10])
            let s = summary(m)
            print(s.parameters, s.operations, s.bytes_by_format.int8)
            weights(quantize(m, "f16"))
            """)
        XCTAssertEqual(run.output, [
            "9610 9738 10.6 kB",
            // Wider than 80 columns, so one record per line.
            "[{layer: 0, kind: \"dense\", shape: [128, 64], format: \"f16\", nonzero: 1},\n"
                + " {layer: 1, kind: \"dense\", shape: [10, 128], format: \"f16\", nonzero: 1}]",
        ])
        let text = ModelsRun("summary(mlp([64, 128, 10]))").text
        XCTAssertTrue(text.contains("    0  dense  64→128  relu  f32       8320     8320  33280  8448"), text)
        XCTAssertTrue(text.contains("if stored as: f32 38.4 kB · f16 19.5 kB · int8 10.6 kB"), text)
    }

    func testSaveAndLoadRoundTrip() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("efflab-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("flowers.safetensors").path
        let run = modelsOutput(Self.trainedIris)
        let model = try XCTUnwrap(run.value("m"))
        XCTAssertTrue(try LabModelBuiltins.saveModel(model, path: path))
        XCTAssertFalse(try LabModelBuiltins.saveModel(.number(3), path: path), "not a model: left to the other savers")
        XCTAssertThrowsError(try LabModelBuiltins.saveModel(model, path: folder.appendingPathComponent("m.csv").path))
        let loaded = modelsOutput("let back = load(\"\(path)\")\nprint(back.name, back.parameters)")
        XCTAssertEqual(loaded.output, ["flowers 131"])
        let original = try XCTUnwrap(run.object("m", as: ModelValue.self)).model
        let back = try XCTUnwrap(loaded.object("back", as: ModelValue.self)).model
        let data = try Dataset.builtin("iris")
        XCTAssertEqual(try original.predict(data.features, count: data.count), try back.predict(data.features, count: data.count))
        assertModelsError("load(\"weights.bin\")", contains: "load: cannot tell the format", ".safetensors or .npz")
        assertModelsError("load(\"w.npy\")", contains: "holds one array, not a model")
        assertModelsError("load(\"\(folder.path)/none.safetensors\")", contains: "load:", "none.safetensors")
    }

    func testInterruptStopsTrainingAfterTheEpoch() throws {
        var model = try Model.mlp([4, 8, 3], seed: 1)
        let data = try Dataset.builtin("iris")
        var epochsRun = 0
        XCTAssertThrowsError(try TrainBuiltins.run("train", epochs: 20, ascii: true) { progress in
            try model.train(on: data, options: TrainingOptions(epochs: 20, seed: 1)) { epoch in
                epochsRun = epoch.epoch
                Interpreter.interruptRequested = true  // as Ctrl-C during the first epoch would
                return progress(epoch)
            }
        }) { error in
            XCTAssertEqual((error as? RuntimeError)?.message.hasPrefix("train: interrupted"), true, "\(error)")
        }
        XCTAssertEqual(epochsRun, 1)
        XCTAssertFalse(Interpreter.interruptRequested, "the request is consumed")
    }

    func testASCIIDisplaysStayASCII() {
        let run = ModelsRun("""
            let m = model(input: 4, layers: [{kind: "dense", units: 8, activation: "relu"}, {kind: "layernorm"},
                                             {kind: "dense", units: 3}])
            m
            summary(m)
            evaluate(m, dataset("iris"))
            dataset("iris")
            """, context: DisplayContext(width: 60, asciiOnly: true))
        XCTAssertEqual(run.errors, [])
        XCTAssertTrue(run.text.contains("dense 4->8 relu -> layernorm 8 -> dense 8->3"), run.text)
        XCTAssertTrue(run.text.unicodeScalars.allSatisfy(\.isASCII), run.text)
        for line in run.text.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 60, String(line)) }
    }
}
