import APIC
import Foundation

/// The emulator's object tree: every managed object by DN with the properties configured on it
/// (canonical values; defaults are filled in on reads), its children and a per-class index.
/// A value type: a POST is applied to a copy and the copy replaces the tree only when the whole POST
/// succeeded, which is what makes each POST atomic.
public struct APICStore: Sendable {
    public struct Entry: Sendable, Equatable {
        public var className: String
        public var configured: [String: String]
        /// When the object was last written (seconds since 1970), and as reads show it.
        public var modified: Double
        public var modTs: String
    }

    public private(set) var entries: [String: Entry]
    private var children: [String: Set<String>] = [:]
    private var byClass: [String: Set<String>] = [:]

    public init() {
        entries = ["uni": Entry(className: "polUni", configured: [:], modified: 0, modTs: APICStore.timestamp(0))]
        byClass["polUni"] = ["uni"]
    }

    public subscript(dn: String) -> Entry? { entries[dn] }

    public var count: Int { entries.count }

    public func children(of dn: String) -> [String] { (children[dn] ?? []).sorted() }

    public func instances(of className: String) -> Set<String> { byClass[className] ?? [] }

    public func hasClass(_ className: String) -> Bool { !(byClass[className]?.isEmpty ?? true) }

    /// The DN and every descendant, parents before children.
    public func subtree(_ dn: String) -> [String] {
        guard entries[dn] != nil else { return [] }
        var result = [dn]
        var index = 0
        while index < result.count {
            result += children(of: result[index])
            index += 1
        }
        return result
    }

    /// Creates or replaces the object at `dn` (its parent must exist, except for `uni`).
    public mutating func put(_ dn: String, className: String, configured: [String: String], modified: Double) {
        if let previous = entries[dn], previous.className != className {
            byClass[previous.className]?.remove(dn)
        }
        let modTs = entries[dn].flatMap { $0.modified == modified ? $0.modTs : nil } ?? APICStore.timestamp(modified)
        entries[dn] = Entry(className: className, configured: configured, modified: modified, modTs: modTs)
        byClass[className, default: []].insert(dn)
        if let parent = DN.parent(of: dn) { children[parent, default: []].insert(dn) }
    }

    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func timestamp(_ seconds: Double) -> String {
        timestampStyle.format(Date(timeIntervalSince1970: seconds))
    }

    /// Removes the object and its subtree; returns the DNs removed (children first).
    @discardableResult
    public mutating func remove(_ dn: String) -> [String] {
        let removed = subtree(dn).reversed()
        for item in removed {
            if let entry = entries.removeValue(forKey: item) { byClass[entry.className]?.remove(item) }
            children[item] = nil
        }
        if let parent = DN.parent(of: dn) { children[parent]?.remove(dn) }
        return Array(removed)
    }
}
