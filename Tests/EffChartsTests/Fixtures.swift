import EffCharts
import Foundation

/// The charts the golden tests render: one per kind, with data like eff's (models, energy, accuracy).
enum Fixtures {
    static let models = ["tinyllama-1.1b", "phi-2", "llama-2-7b", "mistral-7b", "llama-2-13b"]
    static let energyPerToken = [0.9, 2.4, 12.5, 11.8, 23.1]  // mJ
    static let accuracy = [38.2, 56.3, 62.4, 68.9, 66.1]  // %

    static func bar() -> BarChart {
        BarChart(labels: models, values: energyPerToken, title: "Energy per token", unit: "mJ", sort: .descending)
    }

    static func groupedBar() -> GroupedBarChart {
        GroupedBarChart(
            categories: ["resnet50", "vit-b16", "bert-base"],
            series: [
                BarSeries(name: "fp32", values: [41.2, 88.0, 23.5]),
                BarSeries(name: "int8", values: [12.9, 30.4, 7.7]),
            ],
            title: "Latency by precision", unit: "ms")
    }

    static func line() -> LineChart {
        let steps = (0...40).map { Double($0) * 250 }
        let train = steps.map { 2.4 * exp(-$0 / 3000) + 0.6 }
        let validation = steps.map { 2.5 * exp(-$0 / 3500) + 0.75 + 0.00001 * $0 }
        return LineChart(
            series: [Series(name: "train", x: steps, y: train), Series(name: "validation", x: steps, y: validation)],
            title: "Loss", xAxis: Axis(label: "step"), yAxis: Axis(label: "loss"))
    }

    static func logLine() -> LineChart {
        let sizes = [1.0, 10, 100, 1000, 10000, 100000]
        return LineChart(
            series: [Series(name: "matmul", x: sizes, y: sizes.map { 2e-6 * pow($0, 1.5) + 1e-6 })],
            title: "Time vs size (log-log)",
            xAxis: Axis(label: "n", scale: .log10), yAxis: Axis(label: "time", scale: .log10, unit: "s"))
    }

    static func scatter() -> ScatterChart {
        ScatterChart(
            series: [Series(name: "models", x: energyPerToken, y: accuracy, labels: models)],
            title: "Accuracy vs energy", xAxis: Axis(label: "energy per token", unit: "mJ"),
            yAxis: Axis(label: "accuracy", unit: "%"), frontier: ParetoFrontier(x: .lower, y: .higher))
    }

    static func histogram() -> Histogram {
        // Deterministic latencies: a bell around 12 ms (sum of uniform draws from a fixed LCG).
        var state: UInt64 = 42
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        let values = (0..<500).map { _ in 12 + 4 * ((0..<6).map { _ in uniform() }.reduce(0, +) - 3) }
        return Histogram(values: values, title: "Latency per request", unit: "ms")
    }

    static func heatmap() -> Heatmap {
        let classes = ["cat", "dog", "bird", "fish"]
        let counts: [Double] = [50, 3, 1, 0, 4, 45, 2, 1, 2, 1, 38, 9, 0, 0, 7, 42]
        return Heatmap(
            matrix: try! Matrix(rows: 4, columns: 4, values: counts), title: "Confusion matrix",
            xLabel: "predicted", yLabel: "true", rowLabels: classes, columnLabels: classes)
    }

    static func smoothHeatmap() -> Heatmap {
        let size = 24
        let values = (0..<size * size).map { index -> Double in
            let row = Double(index / size) - 11.5
            let column = Double(index % size) - 11.5
            return exp(-(row * row + column * column) / 60)
        }
        return Heatmap(matrix: try! Matrix(rows: size, columns: size, values: values), title: "Attention (head 3)")
    }

    static func spy() -> SpyPlot {
        // A 40×40 banded matrix with a dense last row and column (arrowhead), like a KKT system.
        let size = 40
        let values = (0..<size * size).map { index -> Double in
            let row = index / size
            let column = index % size
            return abs(row - column) <= 1 || row == size - 1 || column == size - 1 ? (row == column ? 2 : -1) : 0
        }
        return SpyPlot(matrix: try! Matrix(rows: size, columns: size, values: values), title: "Arrowhead matrix")
    }

    static let sparkValues = [3.0, 4, 6, 9, 12, 11, 8, 5, 4, 6, 10, 14, 15, 13, 9, 6, 4, 3]
}
