import EffKernels
import Foundation

/// Saving models to safetensors and loading weights from safetensors, `.npz` and `.npy` files.
///
/// Tensor names follow PyTorch's `nn.Sequential` numbering, counting activation and dropout modules:
/// `mlp([64, 128, 10])` is `Sequential(Linear(64, 128), ReLU(), Linear(128, 10))`, so its tensors are
/// `0.weight` (128, 64), `0.bias`, `2.weight` (10, 128), `2.bias` — a file eff writes loads with
/// `torch.nn.Sequential(...).load_state_dict(safetensors.torch.load_file(path))`. Files with other names
/// (`fc1.weight`, `layers.0.weight`, …) are matched in natural name order, or through an explicit name map.
extension Model {
    /// Metadata keys eff writes into `__metadata__` so a saved model reloads with its architecture.
    enum MetadataKey {
        static let name = "eff.name"
        static let input = "eff.input"
        static let layers = "eff.layers"
        static let formats = "eff.formats"
        static let classes = "eff.classes"
    }

    /// The PyTorch `nn.Sequential` name prefix of each parameterized layer, keyed by index in `layers`.
    var sequentialPrefixes: [Int: String] {
        var prefixes: [Int: String] = [:]
        var module = 0
        for (index, layer) in layers.enumerated() {
            if !layer.tensors.isEmpty { prefixes[index] = String(module) }
            module += layer.moduleCount
        }
        return prefixes
    }

    /// The model's tensors with PyTorch names, values encoded as `dataType` when written (a float type).
    public func namedTensors(dataType: TensorDataType = .F32) -> [NamedTensor] {
        let prefixes = sequentialPrefixes
        var tensors: [NamedTensor] = []
        for (index, layer) in layers.enumerated() {
            guard let prefix = prefixes[index] else { continue }
            for tensor in layer.tensors {
                tensors.append(NamedTensor(name: "\(prefix).\(tensor.suffix)", dataType: dataType, shape: tensor.shape,
                                           values: tensor.values))
            }
        }
        return tensors
    }

    /// The metadata that lets eff rebuild this architecture (`format: pt` plus `eff.*` keys).
    var weightFileMetadata: [String: String] {
        var metadata = ["format": "pt", MetadataKey.name: name, MetadataKey.input: String(inputCount)]
        metadata[MetadataKey.layers] = layers.map { layer in
            ([type(of: layer).kind.name] + layer.metadataWords).joined(separator: " ")
        }.joined(separator: ";")
        metadata[MetadataKey.formats] = denseLayers.map { $0.layer.format.rawValue }.joined(separator: ",")
        if let classNames {
            metadata[MetadataKey.classes] = "[" + classNames.map(JSONValue.quoted).joined(separator: ",") + "]"
        }
        return metadata
    }

    /// Saves the model as safetensors (weights in `dataType`: F32, F16, BF16 or F64; quantized layers are written
    /// as their dequantized values, with the format recorded in the metadata).
    public func save(safetensorsPath path: String, dataType: TensorDataType = .F32) throws {
        guard [.F32, .F16, .BF16, .F64].contains(dataType) else {
            throw ModelsError(.weightFile, "\(path): model weights are saved as F32, F16, BF16 or F64, not \(dataType.rawValue)")
        }
        try SafeTensorsFormat.write(namedTensors(dataType: dataType), metadata: weightFileMetadata, to: path)
    }

    /// Loads a model from a weight file (.safetensors, .npz, or .npy is not enough — it holds one array).
    ///
    /// A file written by eff rebuilds its exact architecture. Other files are read as a stack of linear
    /// layers (2-D `weight` tensors, PyTorch (out, in) layout) and 1-D weight+bias pairs (layernorm), in
    /// natural name order, with `hiddenActivation` between dense layers and none after the last.
    public static func load(path: String, hiddenActivation: Activation = .relu,
                            names: [String: String] = [:]) throws -> Model {
        let file = try TensorFile.read(path: path)
        if let architecture = try architecture(from: file.metadata, file: path) {
            return try architecture.loadingWeights(from: file, names: names, file: path, formats: file.metadata[MetadataKey.formats])
        }
        let groups = try parameterGroups(file, names: [:], file: path)
        var layers: [any Layer] = []
        var width: Int?
        let denseCount = groups.filter { $0.weight.shape.count == 2 }.count
        var denseSeen = 0
        for group in groups {
            if group.weight.shape.count == 2 {
                denseSeen += 1
                let (outputs, inputs) = (group.weight.shape[0], group.weight.shape[1])
                if let width, width != inputs {
                    throw ModelsError(.weightFile, "\(path): '\(group.weight.name)' has \(inputs) inputs, but the previous "
                        + "layer outputs \(width)")
                }
                let activation: Activation = denseSeen == denseCount ? .none : hiddenActivation
                layers.append(try DenseLayer(inputCount: inputs, outputCount: outputs, weights: group.weight.values,
                                             bias: try group.bias.map { try checked($0, shape: [outputs], file: path).values },
                                             activation: activation))
                width = outputs
            } else {
                guard let bias = group.bias, group.weight.shape.count == 1 else {
                    throw ModelsError(.weightFile, "\(path): cannot tell what layer '\(group.prefix)' is (weight shape "
                        + "\(group.weight.shape)); expected 2-D linear weights or 1-D \(LayerNormLayer.kind.name) weight and bias")
                }
                layers.append(try LayerNormLayer(featureCount: group.weight.values.count, gain: group.weight.values,
                                                 shift: try checked(bias, shape: group.weight.shape, file: path).values))
            }
        }
        guard let firstInput = layers.lazy.compactMap({ ($0 as? DenseLayer)?.inputCount }).first else { throw ModelsError(.weightFile, "\(path): no 2-D weight tensors found") }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        do {
            return try Model(name: name, inputCount: firstInput, layers: layers)
        } catch let error as ModelsError {
            throw ModelsError(.weightFile, "\(path): \(error.message)")
        }
    }

    /// A copy of this model with its parameters taken from `file` (shapes must match).
    ///
    /// `names` maps eff's PyTorch-style names (`0.weight`) or prefixes (`0`) to the file's names
    /// (`fc1.weight` or `fc1`); without it, exact names are used when all are present, otherwise the
    /// file's weight/bias groups in natural name order.
    public func loadingWeights(from file: TensorFile, names: [String: String] = [:], file path: String = "weights",
                               formats: String? = nil) throws -> Model {
        let groups = try Model.parameterGroups(file, names: names, file: path, expected: self)
        let parameterized = layers.indices.filter { sequentialPrefixes[$0] != nil }
        guard groups.count == parameterized.count else {
            throw ModelsError(.weightFile, "\(path): model '\(name)' has \(parameterized.count) layers with weights, the file "
                + "has \(groups.count) (\(groups.map(\.prefix).joined(separator: ", ")))")
        }
        var copy = self
        let formatList = formats?.split(separator: ",").map { WeightFormat(rawValue: String($0)) }
        var denseIndex = 0
        for (layerIndex, group) in zip(parameterized, groups) {
            var layer = try copy.layers[layerIndex].loading(weight: group.weight, bias: group.bias, prefix: group.prefix,
                                                            layerIndex: layerIndex, file: path)
            if var dense = layer as? DenseLayer {
                if let formatList, denseIndex < formatList.count, let format = formatList[denseIndex] { dense.format = format }
                denseIndex += 1
                layer = dense
            }
            copy.layers[layerIndex] = layer
        }
        return copy
    }

    /// A tensor's values after checking its shape.
    static func checked(_ tensor: NamedTensor, shape: [Int], file: String) throws -> NamedTensor {
        guard tensor.shape == shape else {
            throw ModelsError(.weightFile, "\(file): tensor '\(tensor.name)' has shape \(tensor.shape), expected \(shape)"
                + (tensor.shape.reversed() == shape ? " (transposed? PyTorch nn.Linear weights are (out, in))" : ""))
        }
        return tensor
    }

    /// A layer's tensors in a file: `prefix.weight` and optional `prefix.bias`.
    struct ParameterGroup {
        var prefix: String
        var weight: NamedTensor
        var bias: NamedTensor?
    }

    /// Groups a file's tensors into layers, ordered to match `expected` (when given) or by natural name order.
    static func parameterGroups(_ file: TensorFile, names: [String: String], file path: String,
                                expected model: Model? = nil) throws -> [ParameterGroup] {
        func lookup(_ name: String) -> NamedTensor? { file[name] }
        if let model {
            // Exact (or mapped) names first: every parameterized layer must find its weight.
            let prefixes = model.sequentialPrefixes.sorted { $0.key < $1.key }.map(\.value)
            let mapped = prefixes.map { prefix -> (String, String) in
                let weightName = names["\(prefix).weight"] ?? names[prefix].map { "\($0).weight" } ?? "\(prefix).weight"
                let biasName = names["\(prefix).bias"] ?? names[prefix].map { "\($0).bias" } ?? "\(prefix).bias"
                return (weightName, biasName)
            }
            if mapped.allSatisfy({ lookup($0.0) != nil }) {
                return mapped.map { ParameterGroup(prefix: $0.0, weight: lookup($0.0)!, bias: lookup($0.1)) }
            }
            if !names.isEmpty {
                let missing = mapped.map(\.0).filter { lookup($0) == nil }
                throw ModelsError(.weightFile, "\(path): no tensor named \(missing.joined(separator: ", ")); the file has "
                    + file.tensors.map { "\($0.name) \($0.shape)" }.joined(separator: ", "))
            }
        }
        var weights: [String: NamedTensor] = [:]
        var biases: [String: NamedTensor] = [:]
        for tensor in file.tensors {
            let parts = tensor.name.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count >= 2, let role = parts.last, role == "weight" || role == "bias" else { continue }
            let prefix = parts.dropLast().joined(separator: ".")
            if role == "weight" { weights[prefix] = tensor } else { biases[prefix] = tensor }
        }
        if let orphan = biases.keys.sorted().first(where: { weights[$0] == nil }) {
            throw ModelsError(.weightFile, "\(path): bias '\(orphan).bias' has no matching weight tensor")
        }
        let groups = weights.map { ParameterGroup(prefix: $0.key, weight: $0.value, bias: biases[$0.key]) }
        guard !groups.isEmpty else {
            throw ModelsError(.weightFile, "\(path): no '<name>.weight' tensors found (tensors: "
                + file.tensors.map(\.name).joined(separator: ", ") + ")")
        }
        return groups.sorted { naturalOrder($0.prefix, $1.prefix) }
    }

    /// Rebuilds an architecture from eff metadata, or nil when the file was not written by eff.
    static func architecture(from metadata: [String: String], file: String) throws -> Model? {
        guard let layerText = metadata[MetadataKey.layers], let inputText = metadata[MetadataKey.input] else { return nil }
        func failure() -> ModelsError { ModelsError(.weightFile, "\(file): unreadable eff metadata '\(layerText)'") }
        guard let input = Int(inputText), input > 0, input <= Model.maximumWidth else { throw failure() }
        var layers: [any Layer] = []
        var width = input
        for description in layerText.split(separator: ";") {
            let words = description.split(separator: " ").map(String.init)
            guard let kind = words.first.flatMap(LayerKind.named), kind.name == words[0],
                  let layer = try kind.read(Array(words.dropFirst()), width) else { throw failure() }
            layers.append(layer)
            width = layer.outputWidth(inputWidth: width)
        }
        var classNames: [String]?
        if let classText = metadata[MetadataKey.classes],
           case .array(let items) = try JSONValue.parse(Array(classText.utf8), context: file) {
            classNames = items.compactMap { if case .string(let text) = $0 { return text } else { return nil } }
        }
        do {
            return try Model(name: metadata[MetadataKey.name] ?? "model", inputCount: input, layers: layers,
                             classNames: classNames)
        } catch let error as ModelsError {
            throw ModelsError(.weightFile, "\(file): \(error.message)")
        }
    }
}

/// Natural order for names: digit runs compare as numbers ("fc2" < "fc10", "layers.2" < "layers.10").
func naturalOrder(_ lhs: String, _ rhs: String) -> Bool {
    func chunks(_ text: String) -> [(isNumber: Bool, text: String)] {
        var result: [(Bool, String)] = []
        for character in text {
            let isDigit = character.isASCII && character.isNumber
            if let last = result.last, last.0 == isDigit { result[result.count - 1].1.append(character) } else {
                result.append((isDigit, String(character)))
            }
        }
        return result
    }
    let left = chunks(lhs), right = chunks(rhs)
    for (a, b) in zip(left, right) where a.text != b.text {
        if a.isNumber && b.isNumber {
            let trimmedA = a.text.drop { $0 == "0" }, trimmedB = b.text.drop { $0 == "0" }
            if trimmedA.count != trimmedB.count { return trimmedA.count < trimmedB.count }
            if trimmedA != trimmedB { return trimmedA < trimmedB }
            return a.text < b.text
        }
        return a.text < b.text
    }
    return left.count < right.count
}
