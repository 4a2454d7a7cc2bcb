import EffLanguage
import EffNumerics
import Foundation

/// Notebooks as Jupyter files (nbformat 4): written from a script's cells, or read, run and written back.
///
///     let json = try Notebook.ipynb(from: script, session: session, stopOnError: false, run: true).text
extension Notebook {
    /// Jupyter's metadata for eff notebooks: the kernelspec installed by jupyter/eff_kernel.py.
    static let jupyterMetadata: [String: Any] = [
        "kernelspec": ["name": "eff", "display_name": "eff", "language": "eff"],
        "language_info": ["name": "eff", "file_extension": ".eff", "mimetype": "text/x-eff",
                          "codemirror_mode": "python", "pygments_lexer": "python"],
    ]

    /// A script (`# %%` cells) as an nbformat 4.5 notebook, with the outputs of running it when `run`.
    /// - Returns: the notebook's JSON text (ending in a newline) and whether any cell failed.
    public static func ipynb(from source: SourceFile, session: Session, stopOnError: Bool,
                             run shouldRun: Bool) -> (text: String, failed: Bool) {
        let allCells = cells(of: source.text)
        let runs = shouldRun
            ? run(allCells, session: session, stopOnError: stopOnError) { scriptSource($0, of: source) }.runs
            : Array(repeating: nil, count: allCells.count)
        var jsonCells: [[String: Any]] = []
        for (index, cell) in allCells.enumerated() {
            var json: [String: Any] = ["id": "cell-\(index + 1)", "metadata": [String: Any](),
                                       "source": jupyterLines(cell.text)]
            if cell.kind == .markdown {
                json["cell_type"] = "markdown"
            } else {
                json["cell_type"] = "code"
                json["execution_count"] = runs[index].map { $0.number as Any } ?? NSNull()
                json["outputs"] = runs[index].map(jupyterOutputs) ?? []
            }
            jsonCells.append(json)
        }
        let notebook: [String: Any] = ["nbformat": 4, "nbformat_minor": 5, "metadata": jupyterMetadata,
                                       "cells": jsonCells]
        return (jsonText(notebook), runs.contains { !($0?.diagnostics.isEmpty ?? true) })
    }

    /// Why a Jupyter file cannot be read.
    public struct JupyterFormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A parsed Jupyter notebook: the JSON object (kept, so metadata and attachments survive a round trip) and
    /// its cells, eff code cells and Markdown; raw cells are kept in the file and skipped.
    public struct JupyterNotebook {
        var json: [String: Any]
        /// The index in `json["cells"]` of each entry of `cells`.
        let positions: [Int]
        public let cells: [Cell]
        public let name: String

        /// Parses nbformat 4 JSON.
        public init(data: Data, name: String) throws {
            guard let object = try? JSONSerialization.jsonObject(with: data), let json = object as? [String: Any] else {
                throw JupyterFormatError(description: "\(name) is not a JSON object")
            }
            guard json["nbformat"] as? Int == 4, let rawCells = json["cells"] as? [[String: Any]] else {
                throw JupyterFormatError(description: "\(name) is not an nbformat 4 notebook")
            }
            let metadata = json["metadata"] as? [String: Any]
            let language = (metadata?["language_info"] as? [String: Any])?["name"] as? String
                ?? (metadata?["kernelspec"] as? [String: Any])?["language"] as? String
            if let language, language != "eff" {
                throw JupyterFormatError(description: "\(name) is a \(language) notebook, not an eff one")
            }
            var cells: [Cell] = []
            var positions: [Int] = []
            for (index, raw) in rawCells.enumerated() {
                let text: String
                if let lines = raw["source"] as? [String] {
                    text = lines.joined()
                } else {
                    text = raw["source"] as? String ?? ""
                }
                switch raw["cell_type"] as? String {
                case "code": cells.append(Cell(kind: .code, text: text, firstLine: 1))
                case "markdown": cells.append(Cell(kind: .markdown, text: text, firstLine: 1))
                default: continue
                }
                positions.append(index)
            }
            self.json = json
            self.positions = positions
            self.cells = cells
            self.name = name
        }

        /// Runs the code cells in `session` and puts their outputs and execution counts into the notebook.
        /// - Returns: the runs (for Markdown or HTML) and whether the run stopped at a failing cell.
        public mutating func run(session: Session, stopOnError: Bool) -> (runs: [CellRun?], stopped: Bool) {
            var counter = 0
            let name = self.name
            let result = Notebook.run(cells, session: session, stopOnError: stopOnError) { cell in
                counter += 1
                return SourceFile(name: "\(name) [cell \(counter)]", text: cell.text)
            }
            var rawCells = json["cells"] as? [[String: Any]] ?? []
            for (index, cell) in cells.enumerated() where cell.kind == .code {
                var raw = rawCells[positions[index]]
                raw["execution_count"] = result.runs[index].map { $0.number as Any } ?? NSNull()
                raw["outputs"] = result.runs[index].map(Notebook.jupyterOutputs) ?? []
                rawCells[positions[index]] = raw
            }
            json["cells"] = rawCells
            if json["metadata"] == nil { json["metadata"] = Notebook.jupyterMetadata }
            return result
        }

        /// The notebook's JSON text.
        public var text: String { Notebook.jsonText(json) }
    }

    /// A cell's outputs as nbformat output objects: a stdout stream, the displayed value as an
    /// `execute_result` (a chart also as SVG), and an `error` with eff's caret diagnostics as its traceback.
    static func jupyterOutputs(_ run: CellRun) -> [[String: Any]] {
        var outputs: [[String: Any]] = []
        if !run.stream.isEmpty {
            outputs.append(["output_type": "stream", "name": "stdout",
                            "text": jupyterLines(run.stream.joined(separator: "\n") + "\n")])
        }
        if let result = run.result {
            var data: [String: Any] = ["text/plain": jupyterLines(result)]
            if run.resultIsChart { data["image/svg+xml"] = jupyterLines(TextSVG.render(result)) }
            outputs.append(["output_type": "execute_result", "execution_count": run.number, "data": data,
                            "metadata": [String: Any]()])
        }
        if let first = run.diagnostics.first {
            let traceback = run.diagnostics.flatMap { $0.render().split(separator: "\n", omittingEmptySubsequences: false) }
            outputs.append(["output_type": "error", "ename": "\(first.kind.rawValue) error", "evalue": first.message,
                            "traceback": traceback.map(String.init)])
        }
        return outputs
    }

    /// Text as Jupyter's list of lines, each but the last keeping its newline.
    static func jupyterLines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) + "\n" }
        if var last = lines.popLast() {
            last.removeLast()
            if !last.isEmpty { lines.append(last) }
        }
        return lines
    }

    /// JSON as nbformat writes it (sorted keys, one-space indents, `": "`, non-ASCII kept), ending in a newline,
    /// so a notebook eff writes and the same notebook saved by Jupyter differ only where their content does.
    static func jsonText(_ object: [String: Any]) -> String {
        var out = ""
        writeJSON(object, indent: 0, into: &out)
        return out + "\n"
    }

    private static func writeJSON(_ value: Any, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent + 1)
        let closePad = String(repeating: " ", count: indent)
        switch value {
        case let dictionary as [String: Any]:
            if dictionary.isEmpty { out += "{}"; return }
            out += "{\n"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                out += pad + JSONText.quoted(key) + ": "
                writeJSON(dictionary[key]!, indent: indent + 1, into: &out)
                out += index == dictionary.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "}"
        case let array as [Any]:
            if array.isEmpty { out += "[]"; return }
            out += "[\n"
            for (index, element) in array.enumerated() {
                out += pad
                writeJSON(element, indent: indent + 1, into: &out)
                out += index == array.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "]"
        case let string as String: out += JSONText.quoted(string)
        case is NSNull: out += "null"
        default:
            // Parsed JSON numbers are NSNumbers (which also cast to Bool); booleans have a type of their own.
            let typeName = String(describing: type(of: value))
            if let flag = value as? Bool, typeName == "Bool" || typeName.contains("Boolean") {
                out += flag ? "true" : "false"
            } else if let integer = value as? Int, typeName == "Int" {
                out += String(integer)
            } else if let number = value as? Double {
                out += number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
            } else {
                out += "null"
            }
        }
    }
}
