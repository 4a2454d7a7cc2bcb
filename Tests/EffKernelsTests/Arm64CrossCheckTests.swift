import Foundation
import XCTest

/// The portable kernels (the arm64/NEON path) compiled for arm64 and run under qemu-aarch64 must give results
/// bit-identical to the host's: scripts/check-arm64.sh does the work. Skipped, saying why, where qemu-aarch64 or
/// the arm64 C library is not installed (the script names the Debian packages).
final class Arm64CrossCheckTests: XCTestCase {
    func testPortableKernelsGiveTheSameBitsOnArm64() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", root.appendingPathComponent("scripts/check-arm64.sh").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 69 { throw XCTSkip(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertEqual(text.components(separatedBy: "bit-identical to the host's").count - 1, 2, text)
    }
}
