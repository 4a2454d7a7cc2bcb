import EffLanguage
import Foundation

/// Notebooks as one self-contained HTML file: inline CSS, charts as inline SVG, no scripts, no fetches.
extension Notebook {
    static let htmlStyle = """
        body{max-width:52rem;margin:2rem auto;padding:0 1rem;font:16px/1.5 system-ui,sans-serif;color:#222}
        pre{font:13px/1.25 "DejaVu Sans Mono",Menlo,Consolas,monospace;padding:.6rem .8rem;overflow-x:auto}
        pre.code{background:#f4f4f8;border-left:3px solid #88a}pre.output{background:#fff;border-left:3px solid #ccc}
        pre.error{background:#fff4f4;border-left:3px solid #c44;color:#900}code{background:#f4f4f8;padding:0 .2rem}
        .chart svg{max-width:100%;height:auto}p.note{font-style:italic}
        """

    /// The report as HTML: prose cells converted from Markdown, each code cell followed by its output (a chart
    /// also as an SVG image), errors in red.
    public static func html(_ cells: [Cell], runs: [CellRun?], stopped: Bool, title: String) -> String {
        var body: [String] = []
        for (index, cell) in cells.enumerated() {
            if cell.kind == .markdown {
                body.append(MarkdownHTML.render(cell.text))
                continue
            }
            body.append("<pre class=\"code\">\(TextSVG.escape(cell.text))</pre>")
            guard let run = runs[index] else { continue }
            var shown = run.stream
            if let result = run.result, !run.resultIsChart { shown.append(result) }
            if !shown.isEmpty {
                body.append("<pre class=\"output\">\(TextSVG.escape(shown.joined(separator: "\n")))</pre>")
            }
            if let result = run.result, run.resultIsChart {
                body.append("<div class=\"chart\">\(TextSVG.render(result))</div>")
            }
            if !run.diagnostics.isEmpty {
                let text = run.diagnostics.map { $0.render() }.joined(separator: "\n")
                body.append("<pre class=\"error\">\(TextSVG.escape(text))</pre>")
            }
            if stopped, !run.diagnostics.isEmpty {
                let left = cells[(index + 1)...].filter { $0.kind == .code }.count
                body.append("<p class=\"note\">Stopped at the failing cell above (--stop-on-error); "
                    + "\(left) code cell\(left == 1 ? "" : "s") not run.</p>")
                break
            }
        }
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>\(TextSVG.escape(title))</title>\n"
            + "<style>\n\(htmlStyle)\n</style>\n</head>\n<body>\n" + body.joined(separator: "\n") + "\n</body>\n</html>\n"
    }
}

/// The Markdown of prose cells as HTML: headings, paragraphs, bullet and numbered lists, fenced code, block
/// quotes, and inline code, bold, italics and links. Enough for lessons; not CommonMark.
enum MarkdownHTML {
    static func render(_ markdown: String) -> String {
        var html: [String] = []
        var paragraph: [String] = []
        var list: (tag: String, items: [String])?
        var code: [String]?
        func flushParagraph() {
            if !paragraph.isEmpty { html.append("<p>" + inline(paragraph.joined(separator: " ")) + "</p>") }
            paragraph = []
        }
        func flushList() {
            if let current = list {
                html.append("<\(current.tag)>" + current.items.map { "<li>\(inline($0))</li>" }.joined() + "</\(current.tag)>")
            }
            list = nil
        }
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if var lines = code {
                if trimmed.hasPrefix("```") {
                    html.append("<pre class=\"code\">" + TextSVG.escape(lines.joined(separator: "\n")) + "</pre>")
                    code = nil
                } else {
                    lines.append(line)
                    code = lines
                }
                continue
            }
            if trimmed.hasPrefix("```") {
                flushParagraph(); flushList()
                code = []
            } else if trimmed.isEmpty {
                flushParagraph(); flushList()
            } else if let level = heading(trimmed) {
                flushParagraph(); flushList()
                html.append("<h\(level)>" + inline(String(trimmed.dropFirst(level + 1))) + "</h\(level)>")
            } else if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") {
                flushParagraph()
                if list?.tag != "ul" { flushList(); list = ("ul", []) }
                list?.items.append(String(trimmed.dropFirst(2)))
            } else if let dot = trimmed.firstIndex(of: "."), trimmed[..<dot].allSatisfy(\.isNumber), dot != trimmed.startIndex,
                      trimmed[trimmed.index(after: dot)...].hasPrefix(" ") {
                flushParagraph()
                if list?.tag != "ol" { flushList(); list = ("ol", []) }
                list?.items.append(String(trimmed[trimmed.index(dot, offsetBy: 2)...]))
            } else if trimmed.hasPrefix(">") {
                flushParagraph(); flushList()
                html.append("<blockquote>" + inline(String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces)) + "</blockquote>")
            } else if list != nil, line.hasPrefix("  ") {
                list!.items[list!.items.count - 1] += " " + trimmed
            } else {
                flushList()
                paragraph.append(trimmed)
            }
        }
        if let lines = code { html.append("<pre class=\"code\">" + TextSVG.escape(lines.joined(separator: "\n")) + "</pre>") }
        flushParagraph(); flushList()
        return html.joined(separator: "\n")
    }

    /// The level of a `#`…`######` heading line.
    static func heading(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), line.dropFirst(hashes).hasPrefix(" ") else { return nil }
        return hashes
    }

    /// Inline Markdown: `code` first (its text is literal), then **bold**, *italic* and [text](url).
    static func inline(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let tick = rest.firstIndex(of: "`") {
            out += emphasis(TextSVG.escape(String(rest[..<tick])))
            let after = rest[rest.index(after: tick)...]
            guard let close = after.firstIndex(of: "`") else {
                rest = rest[tick...]
                break
            }
            out += "<code>" + TextSVG.escape(String(after[..<close])) + "</code>"
            rest = after[after.index(after: close)...]
        }
        return out + emphasis(TextSVG.escape(String(rest)))
    }

    private static func emphasis(_ escaped: String) -> String {
        var text = escaped
        let rules: [(String, String)] = [
            (#"\*\*([^*]+)\*\*"#, "<strong>$1</strong>"),
            (#"(?<![\w*])\*([^*\s][^*]*)\*"#, "<em>$1</em>"),
            (#"\[([^\]]+)\]\(([^)\s]+)\)"#, "<a href=\"$2\">$1</a>"),
        ]
        for (pattern, template) in rules {
            text = text.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
        }
        return text
    }
}
