import CZlib
import Foundation

/// Text to score or train on: the built-in Austen novels (gzip resources, decompressed with the system zlib) and
/// the user's own text files (UTF-8, plain or gzip).
///
///     let text = try TextCorpus.text("pride_and_prejudice")   // 684,768 characters
public enum TextCorpus {
    /// The six novels, in publication order (file stems in `datasets/austen/`).
    public static let austenNovels = ["sense_and_sensibility", "pride_and_prejudice", "mansfield_park", "emma",
                                      "northanger_abbey", "persuasion"]
    /// Every name `text(_:)` knows: "austen" (all six) and each novel.
    public static var names: [String] { ["austen"] + austenNovels }
    /// The largest text read from a file (bytes after decompression), so a gzip bomb is an error.
    public static let maximumBytes = 256 << 20

    /// A built-in text by name.
    public static func text(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let novels: [String]
        if name == "austen" {
            novels = austenNovels
        } else if austenNovels.contains(name) {
            novels = [name]
        } else {
            throw ModelsError(.data, "no built-in text named '\(name)' (known: \(names.joined(separator: ", ")))")
        }
        let folder = try ResourceLocator.datasetsDirectory(environment: environment).appendingPathComponent("austen")
        return try novels.map { try readText(path: folder.appendingPathComponent($0 + ".txt.gz").path) }.joined(separator: "\n")
    }

    /// A UTF-8 text file, gzip-compressed when its name ends in `.gz` (or its first bytes say so).
    public static func readText(path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelsError(.data, "cannot read '\(path)'")
        }
        var bytes = [UInt8](data)
        if bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B {
            bytes = try gunzip(bytes, name: path)
        }
        guard bytes.count <= maximumBytes else {
            throw ModelsError(.data, "'\(path)' is \(bytes.count) bytes, more than the \(maximumBytes >> 20) MiB a text may have")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ModelsError(.data, "'\(path)' is not UTF-8 text")
        }
        return text
    }

    /// Decompresses gzip data with zlib, stopping with an error past `maximumBytes` of output.
    static func gunzip(_ compressed: [UInt8], name: String) throws -> [UInt8] {
        var stream = z_stream()
        // 16 + window bits: a gzip header and trailer (CRC-32 and size checked by zlib).
        guard inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ModelsError(.data, "\(name): zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var status = Z_OK
        try compressed.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!)
            stream.avail_in = UInt32(input.count)
            repeat {
                let produced = chunk.withUnsafeMutableBufferPointer { out -> Int in
                    stream.next_out = out.baseAddress!
                    stream.avail_out = UInt32(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                if status != Z_OK && status != Z_STREAM_END && !(status == Z_BUF_ERROR && produced > 0) {
                    let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw ModelsError(.data, "\(name): gzip data corrupt or truncated: \(reason)")
                }
                output += chunk[0..<produced]
                guard output.count <= maximumBytes else {
                    throw ModelsError(.data, "\(name) decompresses to more than \(maximumBytes >> 20) MiB")
                }
                if produced == 0 && status != Z_STREAM_END {
                    throw ModelsError(.data, "\(name): gzip data truncated")
                }
            } while status != Z_STREAM_END
        }
        return output
    }
}
