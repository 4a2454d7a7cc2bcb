@testable import EffModels
import XCTest

/// Finite-difference checks of sequence layers' backward passes.
///
/// Loss L = Σ r ⊙ y (+ auxiliaryWeight · auxiliary) for a fixed random r, so ∂L/∂y = r. Each checked coordinate's
/// analytic derivative must match the central difference (L(θ + h) − L(θ − h)) / 2h within the budget
/// |analytic − numeric| ≤ relative · |numeric| + absolute. With h = 1e-2 in f32 the difference's own error is about
/// h²·L''' + ε_f32·|L|/h ≈ 1e-4 relative for these sizes, so the budget (2% + 2e-3) leaves a wide margin while a
/// wrong term (a missing factor, a transposed matrix) misses it by orders of magnitude.
enum GradientCheck {
    static let step: Float = 1e-2
    static let relative: Double = 2e-2
    static let absolute: Double = 2e-3

    /// Checks the input gradient at up to `samples` coordinates and every parameter tensor at up to `samples` each.
    static func check(_ mixer: any SequenceMixer, shape: SequenceShape, seed: UInt64 = 7, samples: Int = 24,
                      auxiliaryWeight: Float = 0, file: StaticString = #filePath, line: UInt = #line) throws {
        var random = RandomGenerator(seed: seed)
        let count = shape.rows * mixer.width
        let input = (0..<count).map { _ in random.nextNormal() }
        let weights = (0..<count).map { _ in random.nextNormal() }
        func objective(_ m: any SequenceMixer, _ x: [Float]) throws -> Double {
            let result = try m.forward(x, shape: shape)
            return zip(result.output, weights).reduce(0) { $0 + Double($1.0) * Double($1.1) } + Double(auxiliaryWeight) * result.auxiliaryLoss
        }
        let forward = try mixer.forward(input, shape: shape)
        let analytic = try mixer.backward(weights, input: input, saved: forward.saved, shape: shape, auxiliaryWeight: auxiliaryWeight)
        XCTAssertEqual(analytic.input.count, count, "input gradient size", file: file, line: line)
        XCTAssertEqual(analytic.parameters.map(\.count), mixer.parameters.map(\.count), "parameter gradient sizes", file: file, line: line)

        var worst = 0.0
        func compare(_ a: Float, _ numeric: Double, _ what: String) {
            let error = abs(Double(a) - numeric)
            worst = max(worst, error / (relative * abs(numeric) + absolute))
            XCTAssertLessThanOrEqual(error, relative * abs(numeric) + absolute,
                                     "\(mixer): \(what): analytic \(a), numeric \(numeric)", file: file, line: line)
        }
        for _ in 0..<min(samples, count) {
            let i = random.nextIndex(below: count)
            var plus = input, minus = input
            plus[i] += step; minus[i] -= step
            let numeric = (try objective(mixer, plus) - objective(mixer, minus)) / Double(2 * step)
            compare(analytic.input[i], numeric, "∂L/∂input[\(i)]")
        }
        let parameters = mixer.parameters
        for tensor in parameters.indices {
            for _ in 0..<min(samples, parameters[tensor].count) {
                let i = random.nextIndex(below: parameters[tensor].count)
                var plus = mixer, minus = mixer
                var p = parameters, q = parameters
                p[tensor][i] += step; q[tensor][i] -= step
                plus.setParameters(p); minus.setParameters(q)
                let numeric = (try objective(plus, input) - objective(minus, input)) / Double(2 * step)
                compare(analytic.parameters[tensor][i], numeric, "∂L/∂\(mixer.parameterShapes[tensor].name)[\(i)]")
            }
        }
        // The share of the budget used by the worst coordinate, for the log.
        print("gradient check \(mixer): worst error \(String(format: "%.3f", worst)) of budget")
    }
}

/// Finite-difference checks of a whole sequence model's gradients: embedding, residual blocks with their norms,
/// final norm, head, cross-entropy, and the blocks' auxiliary losses weighted by `auxiliaryWeight`.
enum ModelGradientCheck {
    /// Checks `samples` coordinates of every parameter tensor on random windows of `shape` (batch, length + 1).
    static func check(_ model: SequenceModel, shape: SequenceShape = SequenceShape(batch: 2, length: 5), samples: Int = 6,
                      auxiliaryWeight: Float = 0.01, seed: UInt64 = 9, file: StaticString = #filePath, line: UInt = #line) throws {
        var random = RandomGenerator(seed: seed)
        let windows = (0..<(shape.batch * (shape.length + 1))).map { _ in Int32(random.nextIndex(below: model.vocabularySize)) }
        func objective(_ m: SequenceModel) throws -> Double {
            let result = try m.loss(windows: windows, shape: shape, auxiliaryWeight: auxiliaryWeight, gradients: false)
            return result.loss + Double(auxiliaryWeight) * result.auxiliary
        }
        let analytic = try model.loss(windows: windows, shape: shape, auxiliaryWeight: auxiliaryWeight, gradients: true).gradients
        let parameters = model.parameters
        XCTAssertEqual(analytic.map(\.count), parameters.map(\.count), file: file, line: line)
        let h: Float = 1e-2
        for tensor in parameters.indices {
            for _ in 0..<samples {
                let i = random.nextIndex(below: parameters[tensor].count)
                var plus = model, minus = model
                var p = parameters, q = parameters
                p[tensor][i] += h; q[tensor][i] -= h
                plus.setParameters(p); minus.setParameters(q)
                let numeric = (try objective(plus) - objective(minus)) / Double(2 * h)
                XCTAssertEqual(Double(analytic[tensor][i]), numeric, accuracy: 2e-2 * abs(numeric) + 1e-3,
                               "\(model.parameterShapes[tensor].name)[\(i)]", file: file, line: line)
            }
        }
    }
}
