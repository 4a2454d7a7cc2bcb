import Foundation

/// eff's standard library written in eff (Stdlib/prelude/*.eff), shipped as package resources.
///
/// Found next to the running executable (`eff_EffStdlib.resources`, as SwiftPM lays it out), or in
/// the directory named by `EFF_STDLIB_DIR`. The generated `Bundle.module` is not used because on
/// Linux it stops the process when the bundle is missing; this reports an error instead.
public enum Prelude {
    public struct NotFound: Error, CustomStringConvertible {
        public let searched: [String]
        public var description: String {
            "eff's standard library (Stdlib/prelude) was not found; looked in: " + searched.joined(separator: ", ")
                + ". Keep the *_EffStdlib.resources folder next to the eff binary, or set EFF_STDLIB_DIR."
        }
    }

    /// (file name, source text) of every prelude file, in name order.
    public static func sources() throws -> [(name: String, text: String)] {
        let directory = try locate()
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".eff") }.sorted()
        return try names.map { name in
            (name, try String(contentsOfFile: directory + "/" + name, encoding: .utf8))
        }
    }

    /// The prelude directory.
    public static func locate() throws -> String {
        var candidates: [String] = []
        if let override = ProcessInfo.processInfo.environment["EFF_STDLIB_DIR"], !override.isEmpty {
            candidates.append(override)
        }
        for directory in executableDirectories() {
            if let bundles = try? FileManager.default.contentsOfDirectory(atPath: directory) {
                for bundle in bundles.sorted() where bundle.hasSuffix("_EffStdlib.resources") {
                    candidates.append(directory + "/" + bundle + "/prelude")
                }
            }
            candidates.append(directory + "/eff_EffStdlib.resources/prelude")
        }
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate
            }
        }
        throw NotFound(searched: candidates)
    }

    /// The folder of the running executable (and, under XCTest, of the test bundle).
    static func executableDirectories() -> [String] {
        var directories: [String] = []
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directories.append((executable as NSString).deletingLastPathComponent)
        }
        directories.append(Bundle.main.bundleURL.path)
        directories.append((Bundle.main.bundleURL.path as NSString).deletingLastPathComponent)
        for bundle in Bundle.allBundles { directories.append((bundle.bundlePath as NSString).deletingLastPathComponent) }
        var seen: Set<String> = []
        return directories.filter { seen.insert($0).inserted }
    }
}
