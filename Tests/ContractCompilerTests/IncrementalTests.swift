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

    /// Found by `incrementalEqualsFullCompile`: a policy accepted by the checker and then rejected for
    /// restricting a shared EPG used to leave its `ipBlock` prefix's external EPG (and the shared
    /// contracts that follow one) in the plan; removing the policy then went the incremental way and
    /// kept them.
    @Test func aPolicyRejectedForASharedEPGLeavesNoExternalEPGBehind() {
        let random = RandomScenario([7712, 0, 0, 0, 767, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 15, 0, 0, 2, 0, 15, 0, 148])
        let policies = random.objects.compactMap { object -> NetworkPolicy? in
            if case .networkPolicy(let policy) = object { return policy } else { return nil }
        }
        var inventory = Inventory()
        for object in random.objects { if case .networkPolicy = object {} else { inventory.add(object) } }
        let compiler = IncrementalCompiler(policy: CompilerPropertyTests.policy, inventory: inventory)
        let rejected = policies[1]
        compiler.apply(rejected)
        #expect(compiler.plan.outcomes.map(\.status) == [.rejected])
        #expect(compiler.plan.outcomes.first?.reasons.contains { $0.rule == Rejection.Rule.sharedEPGIntra } == true)
        #expect(!compiler.plan.groups.contains { $0.key.hasPrefix("external:") }, "\(compiler.plan.groups.map(\.key))")
        #expect(!compiler.plan.contracts.contains { $0.name.hasSuffix("to-external") })
        let previous = compiler.plan
        compiler.remove(namespace: rejected.metadata.namespace ?? "default", name: rejected.metadata.name ?? "")
        let full = ContractCompiler(policy: CompilerPropertyTests.policy).compile(compiler.inventory, lastGood: previous)
        #expect(Scenario.imdataJSON(compiler.plan) == Scenario.imdataJSON(full))
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
