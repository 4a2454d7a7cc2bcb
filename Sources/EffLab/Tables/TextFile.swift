import EffLanguage
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes text files with errors that say which path failed and why (the system's reason).
enum TextFile {
    /// `~` expanded; relative paths stay relative to the working directory.
    static func expand(_ path: String) -> String {
        path.hasPrefix("~") ? NSString(string: path).expandingTildeInPath : path
    }

    /// Creates or replaces the file at `path` with `text` (UTF-8).
    static func write(_ text: String, to path: String, function: String) throws {
        let expanded = expand(path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory), isDirectory.boolValue {
            throw RuntimeError("\(function): cannot write \(path): it is a directory", argument: "path")
        }
        let descriptor = open(expanded, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw RuntimeError("\(function): cannot write \(path): \(reason)", hint: hint(for: expanded), argument: "path")
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var written = 0
            while written < buffer.count {
                let result = systemWrite(descriptor, base + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw RuntimeError("\(function): cannot write \(path): \(String(cString: strerror(errno)))",
                                       argument: "path")
                }
                written += result
            }
        }
    }

    /// Says which folder is missing when the file's folder does not exist.
    private static func hint(for path: String) -> String? {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return FileManager.default.fileExists(atPath: folder) ? nil : "the folder \(folder) does not exist"
    }
}

/// `write(2)`.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        return Glibc.write(descriptor, buffer, count)
    #else
        return Darwin.write(descriptor, buffer, count)
    #endif
}
