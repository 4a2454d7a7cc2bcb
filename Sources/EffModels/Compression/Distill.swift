/// Knowledge distillation: training a (smaller) student to imitate a teacher.
extension Model {
    /// Trains `student` on `data` against the teacher's softened outputs mixed with the true labels
    /// (Hinton, Vinyals & Dean 2015) and returns the trained student and its history.
    ///
    ///     let (tiny, history) = try Model.distill(teacher: baseline, into: try .mlp([64, 32, 10], seed: 1), data: train)
    public static func distill(teacher: Model, into student: Model, data: Dataset, temperature: Double = 4,
                               alpha: Double = 0.9, options: TrainingOptions = TrainingOptions(),
                               progress: TrainingProgress? = nil) throws -> (model: Model, history: TrainingHistory) {
        var trained = student
        let history = try trained.train(on: data, options: options,
                                        distillation: DistillationOptions(teacher: teacher, temperature: temperature, alpha: alpha),
                                        progress: progress)
        return (trained, history)
    }
}
