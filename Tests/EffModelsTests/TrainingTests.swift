import EffKernels
import XCTest
@testable import EffModels

final class TrainingTests: XCTestCase {
    /// The target: one hidden layer of 128 reaches ≥ 97% on digits (80/20 stratified, pixels 0..1).
    func testDigitsMLPReachesTarget() throws {
        let parts = try TestSupport.digitsParts()
        var model = try Model.mlp([64, 128, 10], seed: 42)
        let history = try model.train(on: parts.train, options: TrainingOptions(epochs: 30, seed: 42))
        let accuracy = try model.evaluate(on: parts.test).accuracy
        print("digits 64-128-10: test accuracy \(accuracy), \(history.seconds) s")
        XCTAssertGreaterThanOrEqual(accuracy, 0.97)
        XCTAssertEqual(history.epochs.count, 30)
        XCTAssertLessThan(history.epochs.last!.loss, history.epochs.first!.loss)
    }
}

final class TrainingBehaviourTests: XCTestCase {
    private func irisParts() throws -> (train: Dataset, test: Dataset) {
        let parts = try Dataset.builtin("iris").split(trainFraction: 0.8, seed: 1)
        let standardizer = Standardizer(fittedOn: parts.train)
        return (try standardizer.apply(to: parts.train), try standardizer.apply(to: parts.test))
    }

    func testSameSeedGivesBitIdenticalWeights() throws {
        let parts = try irisParts()
        func trained(seed: UInt64) throws -> Model {
            var model = try Model(inputCount: 4, specs: [.dense(units: 16, activation: .relu), .dropout(rate: 0.2),
                                                         .dense(units: 3, activation: .none)], seed: 7)
            try model.train(on: parts.train, options: TrainingOptions(epochs: 5, batchSize: 16, seed: seed))
            return model
        }
        let first = try trained(seed: 1)
        XCTAssertEqual(first.parameterArrays.flatMap { $0 }.map(\.bitPattern),
                       try trained(seed: 1).parameterArrays.flatMap { $0 }.map(\.bitPattern))
        XCTAssertNotEqual(first, try trained(seed: 2))
    }

    func testSGDWithMomentumAndSchedulesLearnsIris() throws {
        let parts = try irisParts()
        for schedule in [TrainingOptions.Schedule.constant, .step(every: 10, factor: 0.5), .cosine(minimum: 0.01)] {
            var model = try Model.mlp([4, 16, 3], seed: 3)
            let options = TrainingOptions(epochs: 40, batchSize: 16, learningRate: 0.05, optimizer: .sgd(momentum: 0.9),
                                          schedule: schedule, weightDecay: 1e-4, seed: 3, validation: parts.test)
            let history = try model.train(on: parts.train, options: options)
            XCTAssertGreaterThanOrEqual(try model.evaluate(on: parts.test).accuracy, 0.9, "\(schedule)")
            XCTAssertEqual(history.epochs.last?.validationAccuracy, try model.evaluate(on: parts.test).accuracy)
            XCTAssertTrue(history.epochs.allSatisfy { $0.elapsed >= 0 && $0.trainAccuracy <= 1 })
        }
    }

    func testScheduleFactors() {
        XCTAssertEqual(TrainingOptions.Schedule.step(every: 10, factor: 0.5).factor(epoch: 25, epochs: 30), 0.25)
        XCTAssertEqual(TrainingOptions.Schedule.cosine(minimum: 0.1).factor(epoch: 0, epochs: 11), 1, accuracy: 1e-12)
        XCTAssertEqual(TrainingOptions.Schedule.cosine(minimum: 0.1).factor(epoch: 5, epochs: 11), 0.55, accuracy: 1e-12)
        XCTAssertEqual(TrainingOptions.Schedule.cosine(minimum: 0.1).factor(epoch: 10, epochs: 11), 0.1, accuracy: 1e-12)
    }

    func testProgressCallbackSeesEveryEpochAndCanStop() throws {
        let parts = try irisParts()
        var model = try Model.mlp([4, 8, 3], seed: 1)
        var seen: [Int] = []
        let history = try model.train(on: parts.train, options: TrainingOptions(epochs: 10, seed: 1)) { epoch in
            seen.append(epoch.epoch)
            return epoch.epoch < 3
        }
        XCTAssertEqual(seen, [1, 2, 3])
        XCTAssertTrue(history.stoppedEarly)
        XCTAssertEqual(history.epochs.map(\.epoch), [1, 2, 3])
    }

    func testBadSettingsAndMismatchedDataAreErrors() throws {
        let parts = try irisParts()
        var model = try Model.mlp([4, 8, 3], seed: 1)
        TestSupport.assertThrows(try model.train(on: parts.train, options: TrainingOptions(epochs: 0)), kind: .training,
                                 containing: ["epochs"])
        TestSupport.assertThrows(try model.train(on: parts.train, options: TrainingOptions(learningRate: -1)),
                                 kind: .training, containing: ["learning rate"])
        TestSupport.assertThrows(try model.train(on: parts.train, options: TrainingOptions(optimizer: .sgd(momentum: 1))),
                                 kind: .training, containing: ["momentum"])
        TestSupport.assertThrows(try model.train(on: try Dataset.builtin("wine")), kind: .training, containing: ["13"])
        var small = try Model.mlp([4, 2], seed: 1)
        let fourClasses = try Dataset(name: "four", source: "test", features: [Float](repeating: 0, count: 16),
                                      labels: [0, 1, 2, 3], featureCount: 4, classNames: ["a", "b", "c", "d"])
        TestSupport.assertThrows(try small.train(on: fourClasses), kind: .training, containing: ["4 classes", "2 outputs"])
        var diverging = try Model.mlp([4, 8, 3], seed: 1)
        let before = diverging
        TestSupport.assertThrows(try diverging.train(on: parts.train, options: TrainingOptions(learningRate: 1e30,
                                                                                               optimizer: .sgd(momentum: 0))),
                                 kind: .training, containing: ["smaller learning rate"])
        XCTAssertEqual(diverging, before, "a failed training run leaves the model unchanged")
    }

    func testEvaluationReportsConfusionAndPairedOutcomes() throws {
        let parts = try irisParts()
        var model = try Model.mlp([4, 16, 3], seed: 2)
        try model.train(on: parts.train, options: TrainingOptions(epochs: 30, learningRate: 0.01, seed: 2))
        let result = try model.evaluate(on: parts.test)
        XCTAssertEqual(result.count, parts.test.count)
        XCTAssertEqual(result.confusion.flatMap { $0 }.reduce(0, +), parts.test.count)
        XCTAssertEqual(result.correct.filter { $0 }.count, (0..<3).reduce(0) { $0 + result.confusion[$1][$1] })
        XCTAssertEqual(result.accuracy, Double(result.correct.filter { $0 }.count) / Double(result.count))
        XCTAssertEqual(result.predictions, try model.predict(parts.test.features, count: parts.test.count))
        XCTAssertEqual(result.classNames, ["setosa", "versicolor", "virginica"])
        for label in 0..<3 {
            let row = result.confusion[label]
            XCTAssertEqual(result.perClassAccuracy[label]!, Double(row[label]) / Double(row.reduce(0, +)), accuracy: 1e-12)
        }
        XCTAssertGreaterThan(result.loss, 0)
    }
}
