import Foundation

/// Reads source files, refusing unreadable files, directories, huge files and invalid UTF-8.
public enum SourceLoader {
    /// Scripts larger than this are refused (a script, not a data file).
    public static let maximumBytes = 16 * 1024 * 1024

    public struct Failure: Error, CustomStringConvertible {
        public let reason: String
        /// True for problems with the file system (exit 74), false for bad content (exit 65).
        public let isIOError: Bool
        public var description: String { reason }
    }

    public static func load(path: String, displayName: String? = nil) throws -> SourceFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Failure(reason: "no such file: \(path)", isIOError: true)
        }
        if isDirectory.boolValue { throw Failure(reason: "\(path) is a directory, not a script", isIOError: true) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw Failure(reason: "cannot read \(path): permission denied", isIOError: true)
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumBytes + 1) ?? Data()
        } catch {
            throw Failure(reason: "cannot read \(path): \(error.localizedDescription)", isIOError: true)
        }
        if data.count > maximumBytes {
            throw Failure(reason: "\(path) is larger than \(maximumBytes / 1_048_576) MiB; is it really a script?",
                          isIOError: false)
        }
        return try decode(data, name: displayName ?? path)
    }

    /// Decodes UTF-8 text, reporting the line and column of the first invalid byte.
    public static func decode(_ data: Data, name: String) throws -> SourceFile {
        let bytes = [UInt8](data)
        if let text = String(validating: bytes, as: UTF8.self) {
            return SourceFile(name: name, text: text)
        }
        // Find the first invalid byte for the message.
        var line = 1, column = 1, index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let length = byte < 0x80 ? 1 : byte >> 5 == 0b110 ? 2 : byte >> 4 == 0b1110 ? 3 : byte >> 3 == 0b11110 ? 4 : 0
            if length == 0 || index + length > bytes.count
                || String(validating: bytes[index..<index + length], as: UTF8.self) == nil {
                break
            }
            if byte == 10 { line += 1; column = 1 } else { column += 1 }
            index += length
        }
        throw Failure(reason: "\(name):\(line):\(column): invalid UTF-8 (byte 0x\(String(bytes[min(index, bytes.count - 1)], radix: 16)) at offset \(index)); eff scripts must be UTF-8 text",
                      isIOError: false)
    }
}
