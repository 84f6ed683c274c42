import APIC
import Foundation
import KubernetesModel
import PropertyBased
import Testing
@testable import ContractCompiler

@Suite struct IncrementalCompilerTests {
    /// After every change, the incremental state equals a full compile of the same inventory with
    /// the previous plan as `lastGood`, and the diff it returns equals the trees' diff.
    @Test func incrementalEqualsFullCompile() async {
        var incrementalSteps = 0
        await propertyCheck(count: 150, input: CompilerPropertyTests.input, Gen.int(in: 0...9999).array(of: 1...6)) { values, operations in
            let random = RandomScenario(values)
            let policies = random.objects.compactMap { object -> NetworkPolicy? in
                if case .networkPolicy(let policy) = object { return policy } else { return nil }
            }
            let base = random.objects.filter { if case .networkPolicy = $0 { return false } else { return true } }
            var inventory = Inventory()
            for object in base { inventory.add(object) }
            let compiler = IncrementalCompiler(policy: CompilerPropertyTests.policy, inventory: inventory)
            var previous = compiler.plan
            for operation in operations {
                let diff: TreeDiff
                if operation % 4 == 3, let victim = compiler.inventory.sortedPolicies.first {
                    diff = compiler.remove(namespace: victim.namespace, name: victim.name)
                } else if !policies.isEmpty {
                    diff = compiler.apply(policies[operation % policies.count])
                } else {
                    continue
                }
                if !compiler.lastChangeWasFull { incrementalSteps += 1 }
                let full = ContractCompiler(policy: CompilerPropertyTests.policy).compile(compiler.inventory, lastGood: previous)
                let incremental = compiler.plan
                #expect(Scenario.imdataJSON(incremental) == Scenario.imdataJSON(full), "\(random)")
                #expect(incremental.outcomes.map { "\($0.namespace)/\($0.name) \($0.status)" } == full.outcomes.map { "\($0.namespace)/\($0.name) \($0.status)" })
                #expect(incremental.contracts == full.contracts)
                #expect(diff == full.tree.diff(from: previous.tree), "\(random)")
                previous = incremental
            }
        }
        #expect(incrementalSteps > 100, "the incremental path must be exercised, not only the full one")
    }

    @Test func oneChangedPolicyTouchesOnlyItsObjects() throws {
        let policy = try Scenario.policy(testPolicyYAML)
        var inventory = Scenario(policy: policy, objects: Scenario.objects(sampleShop)).inventory
        let original = inventory.policies["d-shop/db-from-api"]!.policy
        inventory.policies["d-shop/db-from-api"] = nil
        let compiler = IncrementalCompiler(policy: policy, inventory: inventory)
        let diff = compiler.apply(original)
        #expect(!compiler.lastChangeWasFull)
        // api's own egress policy already created the tcp/5432 contract towards db: nothing new there.
        #expect(!diff.created.contains { $0.hasPrefix("uni/tn-kube/brc-") })
        #expect(diff.modified.contains("uni/tn-kube/ap-aci-admission/epg-d-shop.db"))  // now enforced inside
        #expect(diff.deleted.contains("uni/tn-kube/ap-aci-admission/epg-d-shop.db/rsprov-kube-allow-all"))
        #expect(!diff.created.contains { $0.contains("epg-n-data") } && !diff.deleted.contains { $0.contains("epg-n-data") })
        let back = compiler.remove(namespace: "d-shop", name: "db-from-api")
        #expect(Set(back.created) == Set(diff.deleted) && Set(back.deleted) == Set(diff.created))
    }
}
