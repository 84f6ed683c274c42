import KubernetesModel

/// An EPG name template: literal text with `{namespace}` and `{label:KEY}` placeholders,
/// e.g. `{namespace}.{label:app}`.
public struct NameTemplate: Hashable, Sendable, CustomStringConvertible, Codable {
    public enum Segment: Hashable, Sendable {
        case literal(String)
        case namespace
        case label(String)
    }

    public let source: String
    public let segments: [Segment]

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var hint: String?
        public var description: String { message }
    }

    public init(parsing source: String) throws {
        var segments: [Segment] = []
        var literal = ""
        var rest = Substring(source)
        while let first = rest.first {
            if first == "}" {
                throw ParseError(message: "unmatched '}' in template \"\(source)\"", hint: "placeholders are written {namespace} or {label:KEY}")
            }
            guard first == "{" else {
                if !first.unicodeScalars.allSatisfy({ APICName.isNameCharacter($0) }) {
                    throw ParseError(message: "template \"\(source)\" contains '\(first)', which an EPG name cannot contain",
                                     hint: "EPG names may contain only letters, digits, '_', '.', ':' and '-'")
                }
                literal.append(first)
                rest = rest.dropFirst()
                continue
            }
            guard let close = rest.firstIndex(of: "}") else {
                throw ParseError(message: "unterminated placeholder in template \"\(source)\"", hint: "close it with '}'")
            }
            let body = String(rest[rest.index(after: rest.startIndex)..<close])
            if !literal.isEmpty { segments.append(.literal(literal)); literal = "" }
            if body == "namespace" {
                segments.append(.namespace)
            } else if body.hasPrefix("label:") {
                let key = String(body.dropFirst("label:".count))
                if let problem = LabelSyntax.keyProblem(key) {
                    throw ParseError(message: "template \"\(source)\": label key \"\(key)\" \(problem)", hint: nil)
                }
                segments.append(.label(key))
            } else {
                throw ParseError(message: "unknown placeholder {\(body)} in template \"\(source)\"",
                                 hint: "the placeholders are {namespace} and {label:KEY}")
            }
            rest = rest[rest.index(after: close)...]
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        self.source = source
        self.segments = segments
    }

    public var description: String { source }
    public var usesNamespace: Bool { segments.contains(.namespace) }

    /// Label keys in order of appearance.
    public var labelKeys: [String] {
        segments.compactMap { if case .label(let key) = $0 { return key } else { return nil } }
    }

    /// The rendered name (before APIC shortening); nil when a label the template names is missing.
    public func render(namespace: String, labels: [String: String]) -> String? {
        var result = ""
        for segment in segments {
            switch segment {
            case .literal(let text): result += text
            case .namespace: result += namespace
            case .label(let key):
                guard let value = labels[key] else { return nil }
                result += value
            }
        }
        return result
    }

    // MARK: Proofs used by lint

    /// Whether distinct inputs always render distinct names. Proven constructively: reading left to
    /// right (or right to left), every placeholder is ended by a literal character its values cannot
    /// contain, so a rendered name can be split back into its inputs in exactly one way.
    public var isInjective: Bool {
        let indexed = Array(segments.enumerated())
        let placeholders = indexed.filter { if case .literal = $0.element { return false } else { return true } }
        guard placeholders.count > 1 else { return true }
        func boundaryDelimited(_ literalIndex: Int, by placeholder: Segment) -> Bool {
            guard literalIndex >= 0, literalIndex < segments.count, case .literal(let text) = segments[literalIndex] else { return false }
            let alphabet = NameLanguage.alphabet(of: placeholder)
            return text.utf8.contains { !alphabet.contains($0) }
        }
        let leftToRight = placeholders.dropLast().allSatisfy { boundaryDelimited($0.offset + 1, by: $0.element) }
        let rightToLeft = placeholders.dropFirst().allSatisfy { boundaryDelimited($0.offset - 1, by: $0.element) }
        return leftToRight || rightToLeft
    }

    /// Whether the namespace is recoverable from any rendered name the same way for every template
    /// of this form: the template starts with `{namespace}`, followed by nothing or by a literal whose
    /// first character a namespace name cannot contain. Two such templates can only render the same
    /// name for the same namespace.
    public var isNamespacePrefixed: Bool {
        guard segments.first == .namespace else { return false }
        guard segments.count > 1 else { return true }
        guard case .literal(let text) = segments[1], let first = text.utf8.first else { return false }
        return !NameLanguage.namespaceAlphabet.contains(first)
    }

    /// Whether some input renders an empty name.
    public var canRenderEmpty: Bool {
        segments.allSatisfy { if case .label = $0 { return true } else { return false } }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(source)
    }

    public init(from decoder: Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }
}

/// The set of names a template can render, as a small NFA over the APIC name alphabet: namespace
/// names and label values with their exact character rules, but without their length limits, so
/// the language is a superset of the real one and disjointness proven here holds for real names.
struct NameLanguage {
    /// A set of byte values (the alphabet is ASCII).
    struct ByteSet: Hashable {
        var low: UInt64 = 0, high: UInt64 = 0
        init() {}
        init<S: Sequence>(_ bytes: S) where S.Element == UInt8 { for byte in bytes { insert(byte) } }
        mutating func insert(_ byte: UInt8) {
            if byte < 64 { low |= 1 << UInt64(byte) } else if byte < 128 { high |= 1 << UInt64(byte - 64) }
        }
        func contains(_ byte: UInt8) -> Bool {
            byte < 64 ? low & (1 << UInt64(byte)) != 0 : byte < 128 && high & (1 << UInt64(byte - 64)) != 0
        }
        func intersection(_ other: ByteSet) -> ByteSet {
            var result = ByteSet(); result.low = low & other.low; result.high = high & other.high; return result
        }
        var first: UInt8? {
            if low != 0 { return UInt8(low.trailingZeroBitCount) }
            if high != 0 { return UInt8(64 + high.trailingZeroBitCount) }
            return nil
        }
    }

    static let lowerAlnum = ByteSet(Array(UInt8(ascii: "a")...UInt8(ascii: "z")) + Array(UInt8(ascii: "0")...UInt8(ascii: "9")))
    static let alnum = ByteSet(Array(UInt8(ascii: "a")...UInt8(ascii: "z")) + Array(UInt8(ascii: "A")...UInt8(ascii: "Z")) + Array(UInt8(ascii: "0")...UInt8(ascii: "9")))
    static let namespaceAlphabet = ByteSet(Array(UInt8(ascii: "a")...UInt8(ascii: "z")) + Array(UInt8(ascii: "0")...UInt8(ascii: "9")) + [UInt8(ascii: "-")])
    static let labelValueAlphabet = ByteSet(Array(UInt8(ascii: "a")...UInt8(ascii: "z")) + Array(UInt8(ascii: "A")...UInt8(ascii: "Z"))
                                            + Array(UInt8(ascii: "0")...UInt8(ascii: "9")) + Array("-_.".utf8))

    static func alphabet(of segment: NameTemplate.Segment) -> ByteSet {
        switch segment {
        case .namespace: return namespaceAlphabet
        case .label: return labelValueAlphabet
        case .literal(let text): return ByteSet(text.utf8)
        }
    }

    struct Edge { var on: ByteSet; var to: Int }
    var edges: [[Edge]] = []
    var epsilon: [[Int]] = []
    var accepting = 0

    private mutating func newState() -> Int {
        edges.append([]); epsilon.append([]); return edges.count - 1
    }

    /// States for one placeholder value that starts and ends with a character of `edge` and has
    /// characters of `inner` between; returns the state after it.
    private mutating func value(from start: Int, edge: ByteSet, inner: ByteSet, optional: Bool) -> Int {
        let last = newState(), middle = newState(), end = newState()
        edges[start].append(Edge(on: edge, to: last))
        edges[last].append(Edge(on: edge, to: last))
        edges[last].append(Edge(on: inner, to: middle))
        edges[middle].append(Edge(on: inner, to: middle))
        edges[middle].append(Edge(on: edge, to: last))
        epsilon[last].append(end)
        if optional { epsilon[start].append(end) }
        return end
    }

    init(template: NameTemplate) {
        var current = newState()
        for segment in template.segments {
            switch segment {
            case .literal(let text):
                for byte in text.utf8 {
                    let next = newState()
                    edges[current].append(Edge(on: ByteSet([byte]), to: next))
                    current = next
                }
            case .namespace:
                // [a-z0-9]([a-z0-9-]*[a-z0-9])?
                current = value(from: current, edge: NameLanguage.lowerAlnum, inner: NameLanguage.namespaceAlphabet, optional: false)
            case .label:
                // empty, or [A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?
                current = value(from: current, edge: NameLanguage.alnum, inner: NameLanguage.labelValueAlphabet, optional: true)
            }
        }
        accepting = current
    }

    init(literal: String) {
        self.init(template: NameTemplate(literalName: literal))
    }

    func closure(_ state: Int) -> [Int] {
        var seen: Set<Int> = [state], stack = [state]
        while let next = stack.popLast() {
            for target in epsilon[next] where seen.insert(target).inserted { stack.append(target) }
        }
        return Array(seen)
    }

    /// A name both languages contain, found by breadth-first search of the product automaton
    /// (so it is a shortest one), or nil when the languages are disjoint.
    static func commonWord(_ a: NameLanguage, _ b: NameLanguage) -> String? {
        struct Pair: Hashable { var a: Int; var b: Int }
        var parent: [Pair: (Pair, UInt8)] = [:]
        var queue: [Pair] = []
        var seen: Set<Pair> = []
        for x in a.closure(0) { for y in b.closure(0) { let p = Pair(a: x, b: y); if seen.insert(p).inserted { queue.append(p) } } }
        var head = 0
        while head < queue.count {
            let pair = queue[head]; head += 1
            if pair.a == a.accepting && pair.b == b.accepting {
                var bytes: [UInt8] = [], cursor = pair
                while let (previous, byte) = parent[cursor] { bytes.append(byte); cursor = previous }
                return String(decoding: bytes.reversed(), as: UTF8.self)
            }
            for edgeA in a.edges[pair.a] {
                for edgeB in b.edges[pair.b] {
                    guard let byte = edgeA.on.intersection(edgeB.on).first else { continue }
                    for x in a.closure(edgeA.to) {
                        for y in b.closure(edgeB.to) {
                            let next = Pair(a: x, b: y)
                            if seen.insert(next).inserted {
                                parent[next] = (pair, byte)
                                queue.append(next)
                            }
                        }
                    }
                }
            }
        }
        return nil
    }
}

extension NameTemplate {
    /// A template that renders exactly `name` (used to compare templates with fixed EPG names).
    init(literalName name: String) {
        source = name
        segments = name.isEmpty ? [] : [.literal(name)]
    }
}
