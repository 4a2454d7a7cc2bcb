/// A labelled classification data set: a feature matrix, integer labels and names.
///
/// Features are stored row-major as Float, one row per example; labels are class indices into
/// `classNames`. Values are immutable: every operation (split, shuffle, scaling) returns a new data set.
///
///     let digits = try Dataset.builtin("digits")     // 1797 × 64, 10 classes
///     let parts = try digits.split(trainFraction: 0.8, seed: 42)
public struct Dataset: Sendable, Equatable {
    /// A short name, e.g. "digits" or the CSV file's base name.
    public var name: String
    /// Where the data came from (file path, citation), for display and reports.
    public var source: String
    /// The feature matrix. // (count, featureCount) row-major
    public let features: [Float]
    /// One class index per example, each in `0..<classNames.count`. // (count)
    public let labels: [Int]
    /// Number of features per example.
    public let featureCount: Int
    /// Class names, indexed by label.
    public let classNames: [String]
    /// Feature names, one per column (generated as "x0", "x1", … when the source has none).
    public let featureNames: [String]

    /// Creates a data set, checking that shapes and labels agree.
    public init(name: String, source: String, features: [Float], labels: [Int], featureCount: Int,
                classNames: [String], featureNames: [String]? = nil) throws {
        guard featureCount > 0 else { throw ModelsError(.data, "data set '\(name)': feature count must be positive") }
        let (expected, overflow) = labels.count.multipliedReportingOverflow(by: featureCount)
        guard !overflow, features.count == expected else {
            throw ModelsError(.data, "data set '\(name)': \(features.count) feature values do not make "
                + "\(labels.count) rows of \(featureCount)")
        }
        guard !classNames.isEmpty else { throw ModelsError(.data, "data set '\(name)': no class names") }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classNames.count }) {
            throw ModelsError(.data, "data set '\(name)': label \(labels[bad]) of row \(bad) is outside "
                + "0..<\(classNames.count)")
        }
        let names = featureNames ?? (0..<featureCount).map { "x\($0)" }
        guard names.count == featureCount else {
            throw ModelsError(.data, "data set '\(name)': \(names.count) feature names for \(featureCount) features")
        }
        self.init(validatedName: name, source: source, features: features, labels: labels, featureCount: featureCount,
                  classNames: classNames, featureNames: names)
    }

    /// Internal initializer for values already known to be consistent.
    init(validatedName name: String, source: String, features: [Float], labels: [Int], featureCount: Int,
         classNames: [String], featureNames: [String]) {
        self.name = name
        self.source = source
        self.features = features
        self.labels = labels
        self.featureCount = featureCount
        self.classNames = classNames
        self.featureNames = featureNames
    }

    /// Number of examples (rows).
    public var count: Int { labels.count }

    /// Number of classes.
    public var classCount: Int { classNames.count }

    /// The features of one example. // (featureCount)
    public func row(_ index: Int) throws -> ArraySlice<Float> {
        guard index >= 0 && index < count else {
            throw ModelsError(.data, "data set '\(name)': row \(index) is outside 0..<\(count)")
        }
        return uncheckedRow(index)
    }

    /// The features of one example; `index` must be valid.
    func uncheckedRow(_ index: Int) -> ArraySlice<Float> {
        features[(index * featureCount)..<((index + 1) * featureCount)]
    }

    /// Examples per class, indexed by label.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[label] += 1 }
        return counts
    }

    /// A data set of the rows at `indices`, in that order (repeats allowed).
    public func subset(_ indices: [Int], name newName: String? = nil) throws -> Dataset {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw ModelsError(.data, "data set '\(name)': row \(bad) is outside 0..<\(count)")
        }
        return uncheckedSubset(indices, name: newName)
    }

    /// A data set of the rows at `indices`, which must be valid.
    func uncheckedSubset(_ indices: [Int], name newName: String? = nil) -> Dataset {
        var newFeatures = [Float]()
        newFeatures.reserveCapacity(indices.count * featureCount)
        var newLabels = [Int]()
        newLabels.reserveCapacity(indices.count)
        for index in indices {
            newFeatures.append(contentsOf: uncheckedRow(index))
            newLabels.append(labels[index])
        }
        return Dataset(validatedName: newName ?? name, source: source, features: newFeatures, labels: newLabels,
                       featureCount: featureCount, classNames: classNames, featureNames: featureNames)
    }

    /// The same data set with features replaced (same shape), e.g. after scaling.
    func replacingFeatures(_ newFeatures: [Float]) -> Dataset {
        Dataset(validatedName: name, source: source, features: newFeatures, labels: labels,
                featureCount: featureCount, classNames: classNames, featureNames: featureNames)
    }
}

extension Dataset: CustomStringConvertible {
    /// A one-line summary, e.g. `dataset digits: 1797 × 64, 10 classes`.
    public var description: String {
        "dataset \(name): \(count) × \(featureCount), \(classCount) classes"
    }
}
