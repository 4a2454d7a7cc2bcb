/// Maps data coordinates to pixels and cells of a plot area.
struct XYMapping {
    let x: ResolvedAxis, y: ResolvedAxis
    /// The plot area in pixels, and pixels per character cell.
    let pixelWidth: Int, pixelHeight: Int
    let pixelsPerColumn: Int, pixelsPerRow: Int

    /// Axis fractions of a data point, or nil when a coordinate is not finite.
    func fractions(x value: Double, y other: Double) -> (x: Double, y: Double)? {
        guard value.isFinite, other.isFinite else { return nil }
        let fx = x.fraction(value)
        let fy = y.fraction(other)
        guard fx.isFinite, fy.isFinite else { return nil }
        return (fx, fy)
    }

    /// The pixel of a fraction pair (y grows downwards); callers keep fractions in 0 ... 1.
    func pixel(_ point: (x: Double, y: Double)) -> (x: Int, y: Int) {
        (
            clampedInt(point.x * Double(pixelWidth - 1), -1...pixelWidth),
            clampedInt((1 - point.y) * Double(pixelHeight - 1), -1...pixelHeight)
        )
    }

    /// The cell of a data point inside the limits, or nil outside them.
    func cell(x value: Double, y other: Double) -> (row: Int, column: Int)? {
        guard let point = fractions(x: value, y: other), XYMapping.inside(point) else { return nil }
        let pixel = pixel(point)
        return (pixel.y / pixelsPerRow, pixel.x / pixelsPerColumn)
    }

    static func inside(_ point: (x: Double, y: Double)) -> Bool {
        point.x >= -1e-9 && point.x <= 1 + 1e-9 && point.y >= -1e-9 && point.y <= 1 + 1e-9
    }

    /// Draws the segment between two data points, clipped to the limits (Liang–Barsky in fractions).
    func drawSegment(
        on canvas: inout PixelCanvas, from start: (x: Double, y: Double), to end: (x: Double, y: Double),
        color: ChartColor?
    ) {
        guard let a = fractions(x: start.x, y: start.y), let b = fractions(x: end.x, y: end.y) else { return }
        let deltaX = b.x - a.x
        let deltaY = b.y - a.y
        var entry = 0.0
        var exit = 1.0
        for (p, q) in [(-deltaX, a.x), (deltaX, 1 - a.x), (-deltaY, a.y), (deltaY, 1 - a.y)] {
            if p == 0 {
                if q < 0 { return }
            } else {
                let t = q / p
                if p < 0 { entry = max(entry, t) } else { exit = min(exit, t) }
            }
        }
        guard entry <= exit else { return }
        let clippedStart = pixel((a.x + entry * deltaX, a.y + entry * deltaY))
        let clippedEnd = pixel((a.x + exit * deltaX, a.y + exit * deltaY))
        canvas.line(from: clippedStart, to: clippedEnd, color: color)
    }

    /// Sets the pixel of one data point when it lies inside the limits.
    func drawPoint(on canvas: inout PixelCanvas, x value: Double, y other: Double, color: ChartColor?) {
        guard let point = fractions(x: value, y: other), XYMapping.inside(point) else { return }
        let pixel = pixel(point)
        canvas.set(x: pixel.x, y: pixel.y, color: color)
    }
}

/// The pipeline shared by line and scatter charts: fit axes, plan the frame, draw, lay out.
enum XYPlot {
    /// Renders a framed x-y chart; `draw` paints the data, `hasData` false prints "no data" instead.
    static func render(
        options: RenderOptions, title: String, xAxis: Axis, yAxis: Axis, xValues: [Double],
        yValues: [Double], legend: [LegendEntry], footer: (Glyphs, Int) -> [StyledLine],
        draw: (inout PixelCanvas, inout Overlay, XYMapping) -> Void
    ) throws -> String {
        try options.validate()
        let rows = options.height ?? RenderOptions.defaultHeight
        let glyphs = Glyphs.of(options.canvas)
        let yResolved = try ResolvedAxis.resolve(yAxis, values: yValues, targetTicks: rows / 3 + 1, name: "y")
        let plan = try Frame.plan(options: options, yTickLabels: yResolved.labels, legend: legend, rows: rows)
        let xResolved = try ResolvedAxis.resolve(
            xAxis, values: xValues, targetTicks: max(2, plan.plotColumns / (xAxis.scale == .log10 ? 7 : 10)),
            name: "x")
        var canvas = PixelCanvas(kind: options.canvas, columns: plan.plotColumns, rows: rows)
        var overlay = Overlay(columns: plan.plotColumns, rows: rows)
        let mapping = XYMapping(
            x: xResolved, y: yResolved, pixelWidth: canvas.pixelWidth,
            pixelHeight: canvas.pixelHeight, pixelsPerColumn: canvas.pixelsPerColumn,
            pixelsPerRow: canvas.pixelsPerRow)
        let hasData = zip(xValues, yValues).contains { $0.isFinite && $1.isFinite }
        if hasData {
            draw(&canvas, &overlay, mapping)
        } else {
            overlay.place("no data", row: rows / 2, column: max(0, (plan.plotColumns - 7) / 2), color: nil)
        }
        var frame = Frame(title: title, xLabel: xAxis.label, yLabel: yAxis.label)
        frame.plot = overlay.merged(with: canvas)
        frame.yTicks = zip(yResolved.ticks, yResolved.labels).compactMap { tick, label in
            let fraction = yResolved.fraction(tick)
            guard fraction >= -1e-9, fraction <= 1 + 1e-9 else { return nil }
            return (mapping.pixel((0, fraction)).y / canvas.pixelsPerRow, label)
        }
        frame.xTicks = zip(xResolved.ticks, xResolved.labels).compactMap { tick, label in
            let fraction = xResolved.fraction(tick)
            guard fraction >= -1e-9, fraction <= 1 + 1e-9 else { return nil }
            return (mapping.pixel((fraction, 0)).x / canvas.pixelsPerColumn, label)
        }
        frame.legend = legend
        frame.footer = footer(glyphs, options.width)
        return joinLines(frame.lines(plan: plan, glyphs: glyphs, width: options.width), color: options.color)
    }
}
