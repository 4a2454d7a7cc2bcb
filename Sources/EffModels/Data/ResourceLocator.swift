import Foundation

/// Finds the directory holding the built-in data set files.
///
/// SwiftPM copies `Resources/datasets` into a bundle directory named `<package>_EffModels.resources`
/// next to the executable (or the test bundle). The generated `Bundle.module` accessor traps when that
/// directory is missing, so EffModels searches for it itself and throws a clear error instead.
///
/// Search order:
/// 1. `$EFF_DATA_DIR` — a directory holding the files (or a `datasets/` folder with them);
/// 2. any `*_EffModels.resources/datasets` (or `*_EffModels.bundle/Contents/Resources/datasets`) next to the
///    running executable (`/proc/self/exe`),
///    `Bundle.main`'s bundle and resource paths, and `argv[0]`'s folder.
public enum ResourceLocator {
    /// The environment variable that overrides where data set files are looked for.
    public static let dataDirectoryVariable = "EFF_DATA_DIR"

    /// The suffix of the resource bundle directory SwiftPM creates for this target: `.resources` on Linux and
    /// Windows, `.bundle` (with a `Contents/Resources` folder) on Apple platforms.
    static let bundleSuffixes = ["_EffModels.resources", "_EffModels.bundle"]

    /// The directory holding `digits.csv`, `iris.csv`, … — or an error listing where it looked.
    /// `environment` is the process environment unless a test passes its own.
    public static func datasetsDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        let fileManager = FileManager.default
        var searched: [String] = []
        if let override = environment[dataDirectoryVariable], !override.isEmpty {
            let base = URL(fileURLWithPath: override, isDirectory: true)
            for candidate in [base, base.appendingPathComponent("datasets", isDirectory: true)] {
                searched.append(candidate.path)
                if fileManager.fileExists(atPath: candidate.appendingPathComponent("SOURCES.md").path) {
                    return candidate
                }
            }
            throw ModelsError(.resources, "\(dataDirectoryVariable)=\(override) does not contain the eff data set files "
                + "(looked for SOURCES.md in: \(searched.joined(separator: ", ")))")
        }
        for folder in candidateFolders() {
            searched.append(folder.path)
            guard let entries = try? fileManager.contentsOfDirectory(atPath: folder.path) else { continue }
            for entry in entries.sorted() where bundleSuffixes.contains(where: { entry.hasSuffix($0) }) {
                for inner in ["datasets", "Contents/Resources/datasets"] {
                    let datasets = folder.appendingPathComponent(entry, isDirectory: true)
                        .appendingPathComponent(inner, isDirectory: true)
                    if fileManager.fileExists(atPath: datasets.appendingPathComponent("SOURCES.md").path) {
                        return datasets
                    }
                }
            }
        }
        throw ModelsError(.resources, "cannot find the built-in data sets (a '*\(bundleSuffixes[0])/datasets' folder) near the "
            + "eff executable; searched: \(searched.joined(separator: ", ")). Set \(dataDirectoryVariable) to a folder "
            + "holding digits.csv, iris.csv, wine_data.csv and breast_cancer.csv.")
    }

    /// Folders that may hold the resource bundle, most specific first, without duplicates.
    private static func candidateFolders() -> [URL] {
        var folders: [URL] = []
        func add(_ path: String?) {
            guard let path, !path.isEmpty else { return }
            let url = URL(fileURLWithPath: path).standardizedFileURL
            if !folders.contains(url) { folders.append(url) }
        }
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            add((executable as NSString).deletingLastPathComponent)
        }
        add(Bundle.main.bundleURL.path)
        add(Bundle.main.bundleURL.deletingLastPathComponent().path)
        add(Bundle.main.resourceURL?.path)
        add(Bundle.main.executableURL?.deletingLastPathComponent().path)
        if let first = CommandLine.arguments.first, first.contains("/") {
            add((first as NSString).deletingLastPathComponent)
        }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            add(bundle.bundleURL.deletingLastPathComponent().path)
        }
        return folders
    }
}
