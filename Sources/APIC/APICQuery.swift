import Foundation

/// The APIC query options (reference §3), rendered by the client and parsed by the emulator.
public struct APICQuery: Sendable, Equatable {
    public enum Target: String, Sendable { case `self`, children, subtree }
    public enum Subtree: String, Sendable { case no, children, full }
    public enum PropertyInclude: String, Sendable {
        case all
        case namingOnly = "naming-only"
        case configOnly = "config-only"
    }
    public struct Order: Sendable, Equatable {
        public var className: String
        public var property: String
        public var ascending: Bool
        public init(_ className: String, _ property: String, ascending: Bool = true) {
            self.className = className
            self.property = property
            self.ascending = ascending
        }
    }

    public var target: Target = .self
    public var targetSubtreeClasses: [String] = []
    public var filter: APICFilter?
    public var subtree: Subtree = .no
    public var subtreeClasses: [String] = []
    public var propertyInclude: PropertyInclude = .all
    public var orderBy: [Order] = []
    /// 0-based page number; with `pageSize`.
    public var page: Int?
    public var pageSize: Int?

    public init(target: Target = .self, targetSubtreeClasses: [String] = [], filter: APICFilter? = nil, subtree: Subtree = .no,
                subtreeClasses: [String] = [], propertyInclude: PropertyInclude = .all, orderBy: [Order] = [], page: Int? = nil, pageSize: Int? = nil) {
        self.target = target
        self.targetSubtreeClasses = targetSubtreeClasses
        self.filter = filter
        self.subtree = subtree
        self.subtreeClasses = subtreeClasses
        self.propertyInclude = propertyInclude
        self.orderBy = orderBy
        self.page = page
        self.pageSize = pageSize
    }

    /// The query string items, only those that differ from the APIC's defaults.
    public var queryItems: [URLQueryItem] {
        var items: [URLQueryItem] = []
        if target != .self { items.append(.init(name: "query-target", value: target.rawValue)) }
        if !targetSubtreeClasses.isEmpty { items.append(.init(name: "target-subtree-class", value: targetSubtreeClasses.joined(separator: ","))) }
        if let filter { items.append(.init(name: "query-target-filter", value: filter.rendered)) }
        if subtree != .no { items.append(.init(name: "rsp-subtree", value: subtree.rawValue)) }
        if !subtreeClasses.isEmpty { items.append(.init(name: "rsp-subtree-class", value: subtreeClasses.joined(separator: ","))) }
        if propertyInclude != .all { items.append(.init(name: "rsp-prop-include", value: propertyInclude.rawValue)) }
        if !orderBy.isEmpty {
            items.append(.init(name: "order-by", value: orderBy.map { "\($0.className).\($0.property)|\($0.ascending ? "asc" : "desc")" }.joined(separator: ",")))
        }
        if let page { items.append(.init(name: "page", value: String(page))) }
        if let pageSize { items.append(.init(name: "page-size", value: String(pageSize))) }
        return items
    }

    /// Reads the options from a request's query items; unknown options are ignored (as the APIC
    /// ignores e.g. `challenge=`), malformed values are errors.
    public init(queryItems: [URLQueryItem]) throws(APICError) {
        func bad(_ name: String, _ value: String) -> APICError {
            APICError(status: 400, code: "400", text: "Request failed, invalid value '\(value)' for query option \(name)")
        }
        for item in queryItems {
            let value = item.value ?? ""
            switch item.name {
            case "query-target":
                guard let parsed = Target(rawValue: value) else { throw bad(item.name, value) }
                target = parsed
            case "target-subtree-class":
                targetSubtreeClasses = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            case "query-target-filter":
                do { filter = try APICFilter.parse(value) } catch { throw APICError(status: 400, code: "400", text: "Request failed, invalid filter \(value): \(error)") }
            case "rsp-subtree":
                guard let parsed = Subtree(rawValue: value) else { throw bad(item.name, value) }
                subtree = parsed
            case "rsp-subtree-class":
                subtreeClasses = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            case "rsp-prop-include":
                guard let parsed = PropertyInclude(rawValue: value) else { throw bad(item.name, value) }
                propertyInclude = parsed
            case "order-by":
                orderBy = try value.split(separator: ",").map { term throws(APICError) -> Order in
                    let parts = term.split(separator: "|")
                    let field = parts[0].split(separator: ".")
                    guard field.count == 2, parts.count <= 2, parts.count == 1 || ["asc", "desc"].contains(parts[1]) else { throw bad(item.name, value) }
                    return Order(String(field[0]), String(field[1]), ascending: parts.count == 1 || parts[1] == "asc")
                }
            case "page":
                guard let number = Int(value), number >= 0 else { throw bad(item.name, value) }
                page = number
            case "page-size":
                guard let number = Int(value), number > 0 else { throw bad(item.name, value) }
                pageSize = number
            default:
                continue
            }
        }
    }
}

/// `query-target-filter` expressions: `eq(fvTenant.name,"t")`, `and(…,…)`, `wcard(fvAEPg.dn,"epg-")`…
public indirect enum APICFilter: Sendable, Equatable, CustomStringConvertible {
    public enum Comparison: String, Sendable, CaseIterable {
        case eq, ne, lt, gt, le, ge, bw, wcard, anybit, allbits
    }

    case compare(Comparison, className: String, property: String, values: [String])
    case not(APICFilter)
    case and([APICFilter])
    case or([APICFilter])
    case xor([APICFilter])
    case constant(Bool)

    public static func eq(_ className: String, _ property: String, _ value: String) -> APICFilter {
        .compare(.eq, className: className, property: property, values: [value])
    }

    public var rendered: String {
        func quoted(_ value: String) -> String { "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        switch self {
        case .compare(let comparison, let className, let property, let values):
            return "\(comparison.rawValue)(\(className).\(property),\(values.map(quoted).joined(separator: ",")))"
        case .not(let inner): return "not(\(inner.rendered))"
        case .and(let terms): return "and(\(terms.map(\.rendered).joined(separator: ",")))"
        case .or(let terms): return "or(\(terms.map(\.rendered).joined(separator: ",")))"
        case .xor(let terms): return "xor(\(terms.map(\.rendered).joined(separator: ",")))"
        case .constant(let value): return value ? "true" : "false"
        }
    }

    public var description: String { rendered }

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func parse(_ text: String) throws -> APICFilter {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        let filter = try parser.expression()
        parser.skipSpaces()
        guard parser.index == parser.scalars.count else { throw ParseError(description: "unexpected text at offset \(parser.index)") }
        return filter
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        mutating func skipSpaces() {
            while index < scalars.count, scalars[index] == " " { index += 1 }
        }

        mutating func expect(_ scalar: Unicode.Scalar) throws {
            skipSpaces()
            guard index < scalars.count, scalars[index] == scalar else { throw ParseError(description: "expected '\(scalar)' at offset \(index)") }
            index += 1
        }

        mutating func word() -> String {
            skipSpaces()
            var result = ""
            while index < scalars.count, !"(),\" ".unicodeScalars.contains(scalars[index]) {
                result.unicodeScalars.append(scalars[index])
                index += 1
            }
            return result
        }

        mutating func string() throws -> String {
            try expect("\"")
            var result = ""
            while index < scalars.count, scalars[index] != "\"" {
                if scalars[index] == "\\", index + 1 < scalars.count { index += 1 }
                result.unicodeScalars.append(scalars[index])
                index += 1
            }
            guard index < scalars.count else { throw ParseError(description: "unterminated string") }
            index += 1
            return result
        }

        mutating func expression() throws -> APICFilter {
            let name = word()
            switch name {
            case "true": return .constant(true)
            case "false": return .constant(false)
            case "not":
                try expect("(")
                let inner = try expression()
                try expect(")")
                return .not(inner)
            case "and", "or", "xor":
                try expect("(")
                var terms = [try expression()]
                while true {
                    skipSpaces()
                    if index < scalars.count, scalars[index] == "," { index += 1; terms.append(try expression()) } else { break }
                }
                try expect(")")
                guard terms.count >= 2 else { throw ParseError(description: "\(name) takes at least two terms") }
                return name == "and" ? .and(terms) : name == "or" ? .or(terms) : .xor(terms)
            default:
                guard let comparison = Comparison(rawValue: name) else { throw ParseError(description: "unknown operator '\(name)'") }
                try expect("(")
                let field = word().split(separator: ".", maxSplits: 1)
                guard field.count == 2 else { throw ParseError(description: "expected class.property in \(name)") }
                var values: [String] = []
                while true {
                    skipSpaces()
                    guard index < scalars.count, scalars[index] == "," else { break }
                    index += 1
                    values.append(try string())
                }
                try expect(")")
                let arity = comparison == .bw ? 2 : 1
                guard values.count == arity else { throw ParseError(description: "\(name) takes \(arity) value\(arity == 1 ? "" : "s")") }
                return .compare(comparison, className: String(field[0]), property: String(field[1]), values: values)
            }
        }
    }
}
