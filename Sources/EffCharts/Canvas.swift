/// A grid of character cells, each holding a set of sub-cell dots (pixels) and a colour.
///
/// Braille has 2×4 pixels per cell, block 2×2 quadrants, ASCII 1×3 (top `'`, middle `-`, bottom `.`).
/// Pixel (0, 0) is the top-left corner.
struct PixelCanvas {
    let kind: CanvasKind
    let columns: Int
    let rows: Int
    private var bits: [UInt8]  // (rows, columns) row-major: dot bits per cell
    private var colors: [ChartColor?]  // (rows, columns) row-major: last colour drawn in the cell

    init(kind: CanvasKind, columns: Int, rows: Int) {
        self.kind = kind
        self.columns = max(columns, 0)
        self.rows = max(rows, 0)
        bits = Array(repeating: 0, count: self.columns * self.rows)
        colors = Array(repeating: nil, count: self.columns * self.rows)
    }

    var pixelsPerColumn: Int { kind == .ascii ? 1 : 2 }
    var pixelsPerRow: Int {
        switch kind {
        case .braille: return 4
        case .block: return 2
        case .ascii: return 3
        }
    }
    var pixelWidth: Int { columns * pixelsPerColumn }
    var pixelHeight: Int { rows * pixelsPerRow }

    /// Sets one pixel; pixels outside the canvas are ignored.
    mutating func set(x: Int, y: Int, color: ChartColor?) {
        guard x >= 0, y >= 0, x < pixelWidth, y < pixelHeight else { return }
        let index = (y / pixelsPerRow) * columns + x / pixelsPerColumn
        bits[index] |= PixelCanvas.bit(kind: kind, x: x % pixelsPerColumn, y: y % pixelsPerRow)
        colors[index] = color
    }

    /// Draws a straight line between two pixels (Bresenham); callers clip first.
    mutating func line(from start: (x: Int, y: Int), to end: (x: Int, y: Int), color: ChartColor?) {
        var x = start.x
        var y = start.y
        let deltaX = Swift.abs(end.x - x)
        let deltaY = -Swift.abs(end.y - y)
        let stepX = x < end.x ? 1 : -1
        let stepY = y < end.y ? 1 : -1
        var error = deltaX + deltaY
        while true {
            set(x: x, y: y, color: color)
            if x == end.x && y == end.y { break }
            let doubled = 2 * error
            if doubled >= deltaY {
                error += deltaY
                x += stepX
            }
            if doubled <= deltaX {
                error += deltaX
                y += stepY
            }
        }
    }

    /// The cell at (row, column) as styled text, or nil when it has no dots.
    func cell(row: Int, column: Int) -> StyledCell? {
        let index = row * columns + column
        let value = bits[index]
        guard value != 0 else { return nil }
        let text: String
        switch kind {
        case .braille: text = String(UnicodeScalar(0x2800 + UInt32(value)).map(Character.init) ?? " ")
        case .block: text = PixelCanvas.quadrants[Int(value)]
        case .ascii: text = PixelCanvas.asciiThirds[Int(value)]
        }
        return StyledCell(text: text, color: colors[index])
    }

    // Braille dot numbering: left column dots 1, 2, 3, 7, right column 4, 5, 6, 8 (top to bottom).
    private static let brailleBits: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
    // Index bits: 1 top-left, 2 top-right, 4 bottom-left, 8 bottom-right.
    private static let quadrants = [
        " ", "▘", "▝", "▀", "▖", "▌", "▞", "▛", "▗", "▚", "▐", "▜", "▄", "▙", "▟", "█",
    ]
    // Index bits: 1 top, 2 middle, 4 bottom.
    private static let asciiThirds = [" ", "'", "-", "'", ".", ":", ".", "|"]

    private static func bit(kind: CanvasKind, x: Int, y: Int) -> UInt8 {
        switch kind {
        case .braille: return brailleBits[x][y]
        case .block: return UInt8(1 << (y * 2 + x))
        case .ascii: return UInt8(1 << y)
        }
    }
}

/// Character-cell text drawn over a canvas: markers, point labels, notes.
struct Overlay {
    let columns: Int
    let rows: Int
    private(set) var cells: [StyledCell?]  // (rows, columns) row-major

    init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
        cells = Array(repeating: nil, count: max(columns * rows, 0))
    }

    subscript(row: Int, column: Int) -> StyledCell? { cells[row * columns + column] }

    /// Writes `text` at (row, column) when it fits and (unless `force`) touches no written cell.
    @discardableResult
    mutating func place(_ text: String, row: Int, column: Int, color: ChartColor?, force: Bool = false) -> Bool {
        let line = StyledLine(text, color: color)
        guard row >= 0, row < rows, column >= 0, column + line.width <= columns else { return false }
        if !force {
            for offset in 0..<line.width where cells[row * columns + column + offset] != nil { return false }
        }
        for (offset, cell) in line.cells.enumerated() { cells[row * columns + column + offset] = cell }
        return true
    }

    /// Overlay cells over canvas cells over blanks, one styled line per row.
    func merged(with canvas: PixelCanvas) -> [StyledLine] {
        (0..<rows).map { row in
            var line = StyledLine()
            for column in 0..<columns {
                line.cells.append(self[row, column] ?? canvas.cell(row: row, column: column) ?? .blank)
            }
            return line
        }
    }
}
