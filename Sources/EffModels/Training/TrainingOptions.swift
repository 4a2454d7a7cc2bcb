import EffKernels
import Foundation

/// Settings for `train`: optimizer, schedule, batches, regularization and seed.
///
///     var options = TrainingOptions(epochs: 40, seed: 42)
///     options.optimizer = .sgd(momentum: 0.9); options.learningRate = 0.05
public struct TrainingOptions: Sendable {
    /// The update rule.
    public enum Optimizer: Sendable, Equatable {
        /// Stochastic gradient descent with (heavy-ball) momentum; weight decay is added to the gradient (L2).
        case sgd(momentum: Double)
        /// Adam (Kingma & Ba 2015); weight decay is decoupled from the gradient (AdamW, Loshchilov & Hutter 2019).
        case adam(beta1: Double, beta2: Double, epsilon: Double)

        /// Adam with the usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
        public static let adam = Optimizer.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
    }

    /// How the learning rate changes from epoch to epoch.
    public enum Schedule: Sendable, Equatable {
        /// The same rate every epoch.
        case constant
        /// Multiply the rate by `factor` every `every` epochs.
        case step(every: Int, factor: Double)
        /// Cosine decay from the base rate (first epoch) down to `minimum` × base rate (last epoch).
        case cosine(minimum: Double)

        /// The multiplier of the base rate for 0-based `epoch` out of `epochs`.
        public func factor(epoch: Int, epochs: Int) -> Double {
            switch self {
            case .constant: return 1
            case .step(let every, let factor):
                return every > 0 ? pow(factor, Double(epoch / every)) : 1
            case .cosine(let minimum):
                guard epochs > 1 else { return 1 }
                let progress = Double(epoch) / Double(epochs - 1)
                return minimum + (1 - minimum) * 0.5 * (1 + cos(Double.pi * progress))
            }
        }
    }

    /// Passes over the training data.
    public var epochs: Int
    /// Examples per gradient step (the last batch of an epoch may be smaller).
    public var batchSize: Int
    /// The base learning rate.
    public var learningRate: Double
    /// The update rule.
    public var optimizer: Optimizer
    /// The learning-rate schedule.
    public var schedule: Schedule
    /// Weight decay on dense weights (not biases or layernorm).
    public var weightDecay: Double
    /// Seeds batch order and dropout; with the same model and data, the same seed gives the same weights bit for bit.
    public var seed: UInt64
    /// Quantization-aware training: the forward pass rounds dense weights to this format (straight-through
    /// estimator for the gradient), and the trained model is returned in this format.
    public var quantizedFormat: WeightFormat?
    /// Data to report accuracy on after each epoch (not used for training).
    public var validation: Dataset?

    public init(epochs: Int = 30, batchSize: Int = 32, learningRate: Double = 1e-3, optimizer: Optimizer = .adam,
                schedule: Schedule = .constant, weightDecay: Double = 0, seed: UInt64 = 0,
                quantizedFormat: WeightFormat? = nil, validation: Dataset? = nil) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.schedule = schedule
        self.weightDecay = weightDecay
        self.seed = seed
        self.quantizedFormat = quantizedFormat
        self.validation = validation
    }

    /// Checks ranges; every problem is reported with the setting's name.
    func validate() throws {
        guard epochs >= 1, epochs <= 1_000_000 else {
            throw ModelsError(.training, "epochs must be in 1…1000000, got \(epochs)")
        }
        guard batchSize >= 1 else { throw ModelsError(.training, "batch size must be positive, got \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else {
            throw ModelsError(.training, "learning rate must be a positive number, got \(learningRate)")
        }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw ModelsError(.training, "weight decay must be zero or positive, got \(weightDecay)")
        }
        switch optimizer {
        case .sgd(let momentum):
            guard momentum >= 0, momentum < 1 else { throw ModelsError(.training, "momentum must be in [0, 1), got \(momentum)") }
        case .adam(let beta1, let beta2, let epsilon):
            guard beta1 >= 0, beta1 < 1, beta2 >= 0, beta2 < 1, epsilon > 0 else {
                throw ModelsError(.training, "adam needs 0 ≤ β₁, β₂ < 1 and ε > 0")
            }
        }
        switch schedule {
        case .constant: break
        case .step(let every, let factor):
            guard every >= 1, factor > 0, factor.isFinite else {
                throw ModelsError(.training, "step schedule needs every ≥ 1 and a positive factor")
            }
        case .cosine(let minimum):
            guard minimum >= 0, minimum <= 1 else { throw ModelsError(.training, "cosine minimum must be in [0, 1]") }
        }
    }
}

/// One row of training history, also passed to the progress callback after each epoch.
public struct TrainingEpoch: Sendable, Equatable {
    /// 1-based epoch number.
    public let epoch: Int
    /// Total epochs planned.
    public let epochs: Int
    /// Mean training loss over the epoch's examples (cross-entropy, or the distillation loss).
    public let loss: Double
    /// Fraction of training examples classified correctly during the epoch (with dropout active), 0…1.
    public let trainAccuracy: Double
    /// Fraction correct on `TrainingOptions.validation` after the epoch, when given.
    public let validationAccuracy: Double?
    /// The learning rate used in the epoch.
    public let learningRate: Double
    /// Seconds since training started. // seconds
    public let elapsed: Double
}

/// What `train` returns: one row per epoch completed.
public struct TrainingHistory: Sendable, Equatable {
    /// The epochs, in order.
    public var epochs: [TrainingEpoch]
    /// Whether the progress callback stopped training early.
    public var stoppedEarly: Bool
    /// Wall-clock seconds for the whole run. // seconds
    public var seconds: Double { epochs.last?.elapsed ?? 0 }
}

/// Knowledge distillation settings: the student learns from the teacher's softened outputs.
public struct DistillationOptions: Sendable {
    /// The model whose outputs are imitated.
    public var teacher: Model
    /// Softmax temperature T applied to both teacher and student logits (Hinton et al. 2015).
    public var temperature: Double
    /// Weight of the soft (teacher) loss; 1 − alpha weighs the usual cross-entropy on labels.
    public var alpha: Double

    public init(teacher: Model, temperature: Double = 4, alpha: Double = 0.9) {
        self.teacher = teacher
        self.temperature = temperature
        self.alpha = alpha
    }
}
