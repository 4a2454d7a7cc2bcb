/// Shuffling, splitting and mini-batching of data sets.
extension Dataset {
    /// The same examples in a random order determined by `seed`.
    public func shuffled(seed: UInt64) -> Dataset {
        var random = RandomGenerator(seed: seed)
        var order = Array(0..<count)
        random.shuffle(&order)
        return uncheckedSubset(order)
    }

    /// Splits into a training and a test part.
    ///
    /// With `stratified` (the default) each class is split separately, so both parts keep the class
    /// proportions; each part is then shuffled. The train part gets `round(trainFraction × n)` rows
    /// (per class when stratified), and both parts get at least one row when the data allows it.
    public func split(trainFraction: Double, seed: UInt64,
                      stratified: Bool = true) throws -> (train: Dataset, test: Dataset) {
        guard trainFraction > 0, trainFraction < 1, trainFraction.isFinite else {
            throw ModelsError(.data, "split: train fraction must be between 0 and 1 (exclusive), got \(trainFraction)")
        }
        guard count >= 2 else { throw ModelsError(.data, "split: data set '\(name)' has \(count) rows; need at least 2") }
        var random = RandomGenerator(seed: seed)
        var trainIndices: [Int] = []
        var testIndices: [Int] = []
        func divide(_ group: [Int]) {
            var group = group
            random.shuffle(&group)
            var trainCount = Int((trainFraction * Double(group.count)).rounded())
            if group.count >= 2 { trainCount = min(max(trainCount, 1), group.count - 1) }
            trainIndices.append(contentsOf: group[..<trainCount])
            testIndices.append(contentsOf: group[trainCount...])
        }
        if stratified {
            var groups = [[Int]](repeating: [], count: classCount)
            for (index, label) in labels.enumerated() { groups[label].append(index) }
            for group in groups where !group.isEmpty { divide(group) }
        } else {
            divide(Array(0..<count))
        }
        random.shuffle(&trainIndices)
        random.shuffle(&testIndices)
        return (uncheckedSubset(trainIndices, name: name + ".train"), uncheckedSubset(testIndices, name: name + ".test"))
    }

    /// Row indices grouped into mini-batches of at most `size`, shuffled by `seed` (nil keeps the order).
    public func batchIndices(size: Int, seed: UInt64?) throws -> [[Int]] {
        guard size > 0 else { throw ModelsError(.data, "batch size must be positive, got \(size)") }
        var order = Array(0..<count)
        if let seed {
            var random = RandomGenerator(seed: seed)
            random.shuffle(&order)
        }
        return stride(from: 0, to: count, by: size).map { Array(order[$0..<min($0 + size, count)]) }
    }

    /// The features and labels of the rows at `indices`. // features (indices.count, featureCount) row-major
    public func batch(_ indices: [Int]) throws -> (features: [Float], labels: [Int]) {
        let part = try subset(indices)
        return (part.features, part.labels)
    }
}

/// Standardizes features to zero mean and unit variance, fitted on one data set and applied to others.
///
///     let standardizer = Standardizer(fittedOn: parts.train)
///     let train = try standardizer.apply(to: parts.train), test = try standardizer.apply(to: parts.test)
public struct Standardizer: Sendable, Equatable {
    /// Per-feature mean of the fitting data. // (featureCount)
    public let means: [Float]
    /// Per-feature standard deviation (population); constant features get 1 so they map to 0. // (featureCount)
    public let deviations: [Float]

    /// Fits means and deviations on `data` (computed in Double).
    public init(fittedOn data: Dataset) {
        let width = data.featureCount
        var sums = [Double](repeating: 0, count: width)
        var squares = [Double](repeating: 0, count: width)
        for row in 0..<data.count {
            for column in 0..<width {
                let value = Double(data.features[row * width + column])
                sums[column] += value
                squares[column] += value * value
            }
        }
        let n = Double(max(data.count, 1))
        means = sums.map { Float($0 / n) }
        deviations = (0..<width).map { column in
            let mean = sums[column] / n
            let variance = max(squares[column] / n - mean * mean, 0)
            let deviation = variance.squareRoot()
            return deviation > 1e-12 ? Float(deviation) : 1
        }
    }

    /// `data` with each feature shifted and scaled by the fitted statistics.
    public func apply(to data: Dataset) throws -> Dataset {
        guard data.featureCount == means.count else {
            throw ModelsError(.data, "standardize: fitted on \(means.count) features, '\(data.name)' has \(data.featureCount)")
        }
        return data.mappingFeatures(subtracting: means, dividingBy: deviations)
    }
}

/// Scales features linearly to 0…1 from the minimum and maximum of a fitting data set.
///
/// `perFeature: false` uses one range for all features — the right choice for pixels
/// (digits: 0…16 → 0…1), where per-pixel ranges would distort rarely-inked corners.
public struct MinMaxScaler: Sendable, Equatable {
    /// Per-feature minimum of the fitting data. // (featureCount)
    public let minimums: [Float]
    /// Per-feature maximum − minimum (1 for constant features). // (featureCount)
    public let ranges: [Float]

    /// Fits the ranges on `data`.
    public init(fittedOn data: Dataset, perFeature: Bool = true) {
        let width = data.featureCount
        var lows = [Float](repeating: .infinity, count: width)
        var highs = [Float](repeating: -.infinity, count: width)
        for (index, value) in data.features.enumerated() {
            let column = index % width
            lows[column] = min(lows[column], value)
            highs[column] = max(highs[column], value)
        }
        if data.count == 0 {
            lows = [Float](repeating: 0, count: width)
            highs = [Float](repeating: 1, count: width)
        }
        if !perFeature {
            let low = lows.min() ?? 0, high = highs.max() ?? 1
            lows = [Float](repeating: low, count: width)
            highs = [Float](repeating: high, count: width)
        }
        minimums = lows
        ranges = zip(lows, highs).map { $1 - $0 > 0 ? $1 - $0 : 1 }
    }

    /// `data` mapped so that the fitting data's range becomes 0…1 (other data may fall outside).
    public func apply(to data: Dataset) throws -> Dataset {
        guard data.featureCount == minimums.count else {
            throw ModelsError(.data, "scale: fitted on \(minimums.count) features, '\(data.name)' has \(data.featureCount)")
        }
        return data.mappingFeatures(subtracting: minimums, dividingBy: ranges)
    }
}

extension Dataset {
    /// The data set with feature f mapped to (x − offsets[f]) / scales[f]. // offsets, scales: (featureCount)
    func mappingFeatures(subtracting offsets: [Float], dividingBy scales: [Float]) -> Dataset {
        var values = features
        let width = featureCount
        for index in values.indices {
            let column = index % width
            values[index] = (values[index] - offsets[column]) / scales[column]
        }
        return replacingFeatures(values)
    }
}
