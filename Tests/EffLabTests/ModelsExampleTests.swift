import EffLab
import EffLanguage
import Foundation
import XCTest

/// Every model/data builtin's help example runs. (Examples/*.eff transcripts are checked by EffCLITests.)
final class ModelsExampleTests: XCTestCase {
    /// Help examples are runnable (those reading files the user would supply are only parsed).
    func testEveryBuiltinExampleRuns() {
        let readsUserFiles: Set<String> = ["csv", "load"]
        for builtin in LabModelBuiltins.list {
            XCTAssertFalse(builtin.summary.isEmpty, builtin.name)
            if readsUserFiles.contains(builtin.name) {
                XCTAssertTrue(builtin.example.hasPrefix(builtin.name + "("), builtin.name)
                continue
            }
            let run = ModelsRun(builtin.example)
            XCTAssertEqual(run.errors, [], "example of \(builtin.name): \(builtin.example)")
            XCTAssertFalse(run.output.isEmpty, "example of \(builtin.name) shows something")
        }
    }
}
