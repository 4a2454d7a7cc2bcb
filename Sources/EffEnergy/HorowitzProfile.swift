import EffKernels

extension EnergyProfile {
    /// Horowitz, ISSCC 2014, 45 nm at 0.9 V: the table most "100× less energy" arguments use.
    ///
    /// How each `Operation` maps to table rows (one source of truth: `horowitzRecipes`):
    /// - f32 multiply-add = f32 mult 3.7 + f32 add 0.9 = 4.6 pJ
    /// - f32 add 0.9, f32 multiply 3.7
    /// - int8 multiply-add = int8 mult 0.2 + int32 add 0.1 = 0.3 pJ (accumulates in int32)
    /// - int8 add 0.03, int16 add 0.05, int32 add 0.1, int32 multiply 3.1
    /// - assumptions (no such row in the table): f32 divide/sqrt = f32 mult (a lower bound);
    ///   transcendental = 8 f32 multiply-adds (range reduction + a degree-6 polynomial);
    ///   f32 compare = f32 add (a subtraction); popcount64 = 2 int32 adds (xnor free, a 64-bit
    ///   adder tree ≈ a 64-bit add); convert = f32 add (align, round, saturate).
    /// Memory, per 64-bit access: L1 = SRAM 32 KB 20 pJ, L2 = SRAM 1 MB 100 pJ,
    /// L3 = SRAM 1 MB 100 pJ (assumption: the table stops at 1 MB, so this is a lower bound for a
    /// multi-MB L3), DRAM = 1300 pJ (the low end of 1300–2600). Writes are priced as reads.
    public static let horowitz45nm: EnergyProfile = {
        let table = horowitzTable
        func value(_ row: String) -> Double { table.first { $0.name == row }!.picojoules }
        var operations: [Operation: EnergyPrice] = [:]
        for (operation, recipe) in horowitzRecipes {
            let total = recipe.rows.reduce(0) { $0 + Double($1.count) * value($1.row) }
            let terms = recipe.rows.map { ($0.count == 1 ? "" : "\($0.count) × ") + "\($0.row) \(formatNumber(value($0.row)))" }
            operations[operation] = EnergyPrice(picojoules: total,
                                                derivation: terms.joined(separator: " + ") + (recipe.assumption.map { " (\($0))" } ?? ""),
                                                isAssumption: recipe.assumption != nil)
        }
        var memory: [MemoryLevel: EnergyPrice] = [:]
        for (level, recipe) in horowitzMemoryRecipes {
            memory[level] = EnergyPrice(picojoules: value(recipe.row),
                                        derivation: recipe.row + (recipe.assumption.map { " (\($0))" } ?? ""),
                                        isAssumption: recipe.assumption != nil)
        }
        return EnergyProfile(
            name: "horowitz-45nm",
            citation: "M. Horowitz, \"1.1 Computing's energy problem (and what we can do about it)\", "
                + "IEEE International Solid-State Circuits Conference (ISSCC) 2014, Digest of Technical Papers, pp. 10–14, "
                + "doi:10.1109/ISSCC.2014.6757323. 45 nm process, 0.9 V.",
            table: table, operations: operations, memory: memory)
    }()

    /// The rows of Horowitz 2014 (energy per operation, 45 nm, 0.9 V), picojoules.
    static let horowitzTable: [EnergyTableEntry] = [
        EnergyTableEntry(name: "int8 add", picojoules: 0.03),
        EnergyTableEntry(name: "int16 add", picojoules: 0.05),
        EnergyTableEntry(name: "int32 add", picojoules: 0.1),
        EnergyTableEntry(name: "f16 add", picojoules: 0.4),
        EnergyTableEntry(name: "f32 add", picojoules: 0.9),
        EnergyTableEntry(name: "int8 mult", picojoules: 0.2),
        EnergyTableEntry(name: "int32 mult", picojoules: 3.1),
        EnergyTableEntry(name: "f16 mult", picojoules: 1.1),
        EnergyTableEntry(name: "f32 mult", picojoules: 3.7),
        EnergyTableEntry(name: "SRAM read 64-bit, 8 KB", picojoules: 10),
        EnergyTableEntry(name: "SRAM read 64-bit, 32 KB", picojoules: 20),
        EnergyTableEntry(name: "SRAM read 64-bit, 1 MB", picojoules: 100),
        EnergyTableEntry(name: "DRAM read 64-bit", picojoules: 1300, note: "1300–2600; often quoted per 32 bits as 640"),
    ]

    /// Operation → table rows (with multiplicity) and, when the table lacks the operation, the assumption made.
    static let horowitzRecipes: [Operation: (rows: [(row: String, count: Int)], assumption: String?)] = [
        .f32MultiplyAdd: ([("f32 mult", 1), ("f32 add", 1)], nil),
        .f32Add: ([("f32 add", 1)], nil),
        .f32Multiply: ([("f32 mult", 1)], nil),
        .f32Divide: ([("f32 mult", 1)], "no divide in the table; priced as a multiply, a lower bound"),
        .f32Transcendental: ([("f32 mult", 8), ("f32 add", 8)], "no such row; range reduction + degree-6 polynomial ≈ 8 multiply-adds"),
        .f32Compare: ([("f32 add", 1)], "no such row; a compare is a subtraction"),
        .int8MultiplyAdd: ([("int8 mult", 1), ("int32 add", 1)], nil),
        .int8Add: ([("int8 add", 1)], nil),
        .int16Add: ([("int16 add", 1)], nil),
        .int32Add: ([("int32 add", 1)], nil),
        .int32Multiply: ([("int32 mult", 1)], nil),
        .popcount64: ([("int32 add", 2)], "no such row; xnor is free and a 64-bit popcount tree ≈ one 64-bit add"),
        .convert: ([("f32 add", 1)], "no such row; align, round and saturate ≈ an f32 add"),
    ]

    static let horowitzMemoryRecipes: [MemoryLevel: (row: String, assumption: String?)] = [
        .l1: ("SRAM read 64-bit, 32 KB", nil),
        .l2: ("SRAM read 64-bit, 1 MB", nil),
        .l3: ("SRAM read 64-bit, 1 MB", "the table stops at 1 MB; a lower bound for a multi-MB L3"),
        .dram: ("DRAM read 64-bit", "low end of 1300–2600 pJ"),
    ]
}
