import APIC
import Foundation
import KubernetesModel
import PropertyBased
import Testing
@testable import ContractCompiler
@testable import EPGPolicy

/// Random inventories and NetworkPolicies, decoded from a list of small integers so that the
/// property library's shrinking (shorter lists, smaller numbers) yields a minimal counterexample.
struct RandomScenario: CustomStringConvertible {
    var objects: [KubeObject]
    var yaml: [String]

    var description: String { yaml.joined(separator: "\n---\n") }

    struct Cursor {
        var values: [Int]
        var index = 0
        mutating func next(_ bound: Int) -> Int {
            defer { index += 1 }
            return index < values.count ? values[index] % bound : 0
        }
        mutating func chance(_ percent: Int) -> Bool { next(100) < percent }
    }

    static let namespaceChoices = ["d-a", "d-b", "m-a", "n-a", "n-b", "c-a", "c-b", "kube-system", "x-exempt"]
    static let selectors: [String] = [
        "{}", "{matchLabels: {app: web}}", "{matchExpressions: [{key: app, operator: In, values: [web, api]}]}",
        "{matchExpressions: [{key: app, operator: NotIn, values: [db]}]}", "{matchExpressions: [{key: app, operator: Exists}]}",
        "{matchLabels: {tier: x}}", "{matchLabels: {app: db, tier: y}}", "{matchExpressions: [{key: app, operator: DoesNotExist}]}",
        "{matchLabels: {v: \"1\"}}",
    ]
    static let ports: [String?] = [nil, "[{port: 80}]", "[{protocol: UDP, port: 53}]", "[{protocol: TCP, port: 53}, {protocol: UDP, port: 53}]",
                                   "[{port: 8000, endPort: 8080}]", "[{protocol: SCTP}]", "[{protocol: TCP}]", "[{port: 80}, {protocol: UDP, port: 9000}]"]

    init(_ values: [Int]) {
        var cursor = Cursor(values: values)
        var yaml: [String] = []
        let mask = cursor.next(512) | 1
        var namespaces = RandomScenario.namespaceChoices.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)
        if namespaces.filter({ !["kube-system", "x-exempt"].contains($0) }).count < 2 { namespaces.append("n-b") }
        for namespace in namespaces {
            let team = ["", "red", "blue"][cursor.next(3)]
            yaml.append("apiVersion: v1\nkind: Namespace\nmetadata: {name: \(namespace)\(team.isEmpty ? "" : ", labels: {team: \(team)}")}")
            for index in 0..<cursor.next(4) {
                var labels: [String] = []
                let app = cursor.next(4)
                if app < 3 { labels.append("app: \(["web", "api", "db"][app])") }
                let tier = cursor.next(3)
                if tier < 2 { labels.append("tier: \(["x", "y"][tier])") }
                if cursor.chance(20) { labels.append("v: \"1\"") }
                yaml.append("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w\(index), namespace: \(namespace)}\nspec: {template: {metadata: {labels: {\(labels.joined(separator: ", "))}}}}")
            }
        }
        let managed = namespaces.filter { !["kube-system", "x-exempt"].contains($0) }
        func peers(_ cursor: inout Cursor) -> String {
            if cursor.chance(15) { return "" }
            var list: [String] = []
            for _ in 0...(cursor.next(2)) {
                switch cursor.next(8) {
                case 0: list.append("{podSelector: \(RandomScenario.selectors[cursor.next(RandomScenario.selectors.count)])}")
                case 1: list.append("{namespaceSelector: {matchLabels: {team: red}}}")
                case 2: list.append("{namespaceSelector: {}}")
                case 3: list.append("{namespaceSelector: {matchLabels: {team: blue}}, podSelector: \(RandomScenario.selectors[cursor.next(RandomScenario.selectors.count)])}")
                case 4: list.append("{ipBlock: {cidr: 10.9.0.0/16}}")
                case 5: list.append("{ipBlock: {cidr: 10.9.1.0/24}}")
                case 6: list.append("{ipBlock: {cidr: 192.0.2.0/24}}")
                default: list.append("{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}")
                }
            }
            return "[\(list.joined(separator: ", "))]"
        }
        func rules(_ key: String, _ peerKey: String, _ cursor: inout Cursor) -> String? {
            switch cursor.next(5) {
            case 0: return nil
            case 1: return "  \(key): []"
            default:
                var text = "  \(key):"
                for _ in 0..<(1 + cursor.next(2)) {
                    var parts: [String] = []
                    let peerList = peers(&cursor)
                    if !peerList.isEmpty { parts.append("\(peerKey): \(peerList)") }
                    if let ports = RandomScenario.ports[cursor.next(RandomScenario.ports.count)] { parts.append("ports: \(ports)") }
                    text += "\n    - {\(parts.joined(separator: ", "))}"
                }
                return text
            }
        }
        for index in 0..<(1 + cursor.next(3)) {
            let namespace = managed[cursor.next(managed.count)]
            var spec = ["  podSelector: \(RandomScenario.selectors[cursor.next(RandomScenario.selectors.count)])"]
            switch cursor.next(4) {
            case 1: spec.append("  policyTypes: [Ingress]")
            case 2: spec.append("  policyTypes: [Egress]")
            case 3: spec.append("  policyTypes: [Ingress, Egress]")
            default: break
            }
            if let ingress = rules("ingress", "from", &cursor) { spec.append(ingress) }
            if let egress = rules("egress", "to", &cursor) { spec.append(egress) }
            yaml.append("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p\(index), namespace: \(namespace)}\nspec:\n\(spec.joined(separator: "\n"))")
        }
        self.yaml = yaml
        objects = Scenario.objects(yaml.joined(separator: "\n---\n"))
    }
}

@Suite struct CompilerPropertyTests {
    static let policy = try! Scenario.policy(testPolicyYAML)
    static let input = Gen.int(in: 0...9999).array(of: 20...90)

    @Test func acceptedPoliciesMatchKubernetesSemantics() async {
        var accepted = 0, rejected = 0
        await propertyCheck(count: 1000, input: Self.input) { values in
            let random = RandomScenario(values)
            let scenario = Scenario(policy: Self.policy, objects: random.objects)
            let plan = scenario.compile()
            accepted += plan.outcomes.filter { $0.status == .accepted }.count
            rejected += plan.rejected.count
            let mismatches = (try? scenario.oracle(for: plan).mismatches(limit: 5)) ?? []
            #expect(mismatches.isEmpty, "\(mismatches.map(\.description).joined(separator: "\n"))\n\(random)")
        }
        // The generator must exercise both outcomes, or the property proves little.
        #expect(accepted > 300 && rejected > 300, "accepted \(accepted), rejected \(rejected)")
    }

    @Test func rejectionsCarryValidFieldPaths() async {
        await propertyCheck(count: 300, input: Self.input) { values in
            let random = RandomScenario(values)
            let scenario = Scenario(policy: Self.policy, objects: random.objects)
            let plan = scenario.compile()
            let inventory = scenario.inventory
            for outcome in plan.rejected {
                #expect(!outcome.reasons.isEmpty)
                let policy = inventory.policies["\(outcome.namespace)/\(outcome.name)"]!.policy
                for reason in outcome.reasons {
                    #expect(FieldPath.exists(reason.path, in: policy), "\(reason.path) does not exist in \(outcome.name): \(reason.message)\n\(random)")
                    #expect(!reason.message.isEmpty && !reason.fix.isEmpty)
                }
            }
        }
    }

    @Test func outputIsDeterministicUnderPermutation() async {
        await propertyCheck(count: 100, input: Self.input) { values in
            let random = RandomScenario(values)
            let first = Scenario.imdataJSON(Scenario(policy: Self.policy, objects: random.objects).compile())
            let second = Scenario.imdataJSON(Scenario(policy: Self.policy, objects: random.objects.reversed()).compile())
            #expect(first == second)
        }
    }
}

/// Resolves `spec.ingress[0].from[1].podSelector.matchLabels.app` against a NetworkPolicy.
enum FieldPath {
    static func exists(_ path: String, in policy: NetworkPolicy) -> Bool {
        guard let data = try? JSONEncoder().encode(policy), var node = try? JSONSerialization.jsonObject(with: data) else { return false }
        var rest = Substring(path)
        while !rest.isEmpty {
            if rest.hasPrefix(".") { rest = rest.dropFirst() }
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]),
                      let array = node as? [Any], index < array.count else { return false }
                node = array[index]
                rest = rest[rest.index(after: close)...]
                continue
            }
            guard let object = node as? [String: Any] else { return false }
            // Label keys may contain dots: take the longest key that matches.
            let end = rest.firstIndex { $0 == "[" } ?? rest.endIndex
            let candidate = rest[..<end]
            guard let key = object.keys.filter({ candidate == $0 || candidate.hasPrefix($0 + ".") }).max(by: { $0.count < $1.count }) else { return false }
            node = object[key]!
            rest = rest.dropFirst(key.count)
        }
        return true
    }
}
