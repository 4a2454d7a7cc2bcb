/// A source text with a name (a file path, `<stdin>`, `<prompt>`), addressed by UTF-8 byte offsets.
public final class SourceFile: Sendable {
    public let name: String
    public let text: String
    /// The text as UTF-8 bytes; spans index into this.
    let bytes: [UInt8]
    /// Byte offset where each line starts.
    private let lineStarts: [Int]

    public init(name: String, text: String) {
        self.name = name
        self.text = text
        self.bytes = Array(text.utf8)
        var starts = [0]
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(index + 1) }
        self.lineStarts = starts
    }

    /// 1-based line and column (columns count characters, not bytes) of a byte offset.
    public func location(of offset: Int) -> (line: Int, column: Int) {
        let clamped = max(0, min(offset, bytes.count))
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= clamped { low = middle } else { high = middle - 1 }
        }
        let start = lineStarts[low]
        let prefix = String(decoding: bytes[start..<clamped], as: UTF8.self)
        return (low + 1, prefix.count + 1)
    }

    /// The text of a 1-based line, without its newline.
    public func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    func slice(_ span: Span) -> String {
        String(decoding: bytes[max(0, span.start)..<min(bytes.count, span.end)], as: UTF8.self)
    }
}

/// A range of UTF-8 byte offsets in one source file.
public struct Span: Sendable {
    public let file: SourceFile
    public let start: Int
    public let end: Int

    public init(file: SourceFile, start: Int, end: Int) {
        self.file = file
        self.start = start
        self.end = max(start, end)
    }

    /// The smallest span covering both.
    func to(_ other: Span) -> Span { Span(file: file, start: min(start, other.start), end: max(end, other.end)) }

    public var line: Int { file.location(of: start).line }
    public var column: Int { file.location(of: start).column }
}
