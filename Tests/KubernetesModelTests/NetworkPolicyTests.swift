import Foundation
import Testing
@testable import KubernetesModel

@Suite struct NetworkPolicyTests {
    private func decode(_ json: String) throws -> NetworkPolicy {
        try JSONDecoder().decode(NetworkPolicy.self, from: Data(json.utf8))
    }

    @Test func policyTypesDefaultToIngressOnly() throws {
        let policy = try decode(#"{"metadata":{"name":"p"},"spec":{"podSelector":{},"ingress":[]}}"#)
        #expect(policy.spec.effectivePolicyTypes == [.ingress])
        #expect(policy.spec.isolatesIngress && !policy.spec.isolatesEgress)
    }

    @Test func egressRulesAddEgressWhenPolicyTypesAbsent() throws {
        let policy = try decode(#"{"metadata":{"name":"p"},"spec":{"podSelector":{},"egress":[{"to":[]}]}}"#)
        #expect(policy.spec.effectivePolicyTypes == [.ingress, .egress])
    }

    @Test func emptyEgressListDoesNotAddEgress() throws {
        let policy = try decode(#"{"metadata":{"name":"p"},"spec":{"podSelector":{},"egress":[]}}"#)
        #expect(policy.spec.effectivePolicyTypes == [.ingress])
    }

    @Test func explicitPolicyTypesWin() throws {
        let policy = try decode(#"{"metadata":{"name":"p"},"spec":{"podSelector":{},"policyTypes":["Egress"],"ingress":[{}]}}"#)
        #expect(policy.spec.effectivePolicyTypes == [.egress])
    }

    @Test func portsDecodeIntNameAndEndPort() throws {
        let policy = try decode(#"""
        {"metadata":{"name":"p","namespace":"shop"},"spec":{"podSelector":{"matchLabels":{"app":"db"}},
         "ingress":[{"from":[{"ipBlock":{"cidr":"172.17.0.0/16","except":["172.17.1.0/24"]}},{"namespaceSelector":{"matchLabels":{"team":"a"}},"podSelector":{}}],
                     "ports":[{"port":5432},{"protocol":"UDP","port":"dns"},{"protocol":"TCP","port":32000,"endPort":32768},{"protocol":"SCTP"}]}]}}
        """#)
        let rule = try #require(policy.spec.ingress?.first)
        #expect(rule.ports?.map(\.port) == [.int(5432), .string("dns"), .int(32000), nil])
        #expect(rule.ports?.map(\.effectiveProtocol) == ["TCP", "UDP", "TCP", "SCTP"])
        #expect(rule.ports?[2].endPort == 32768)
        #expect(rule.from?[0].ipBlock == IPBlock(cidr: "172.17.0.0/16", except: ["172.17.1.0/24"]))
        #expect(rule.from?[1].podSelector?.isEmpty == true)
        #expect(rule.from?[1].namespaceSelector?.matchLabels == ["team": "a"])
    }

    @Test func unknownFieldsAreTolerated() throws {
        let policy = try decode(#"{"metadata":{"name":"p","managedFields":[{"manager":"kubectl"}]},"spec":{"podSelector":{},"futureField":{"x":1}},"status":{}}"#)
        #expect(policy.metadata.name == "p")
    }
}

@Suite struct KubeObjectTests {
    private func decode(_ json: String) throws -> KubeObject {
        let data = Data(json.utf8)
        let type = try JSONDecoder().decode(TypeMeta.self, from: data)
        return try KubeObject.decode(kind: type.kind) { try JSONDecoder().decode($0, from: data) }
    }

    @Test func cronJobTemplateIsTheJobTemplatesPodTemplate() throws {
        let object = try decode(#"{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c"},"spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{"metadata":{"labels":{"app":"x"}}}}}}}"#)
        guard case .workload(let workload) = object else { Issue.record("not a workload"); return }
        #expect(workload.kind == .cronJob)
        #expect(workload.podLabels == ["app": "x"])
        #expect(workload.kind.podTemplatePath == ["spec", "jobTemplate", "spec", "template"])
    }

    @Test func controllerOwnedReplicaSet() throws {
        let object = try decode(#"{"kind":"ReplicaSet","metadata":{"name":"r","ownerReferences":[{"kind":"Deployment","name":"d","controller":true}]},"spec":{"template":{}}}"#)
        guard case .workload(let workload) = object else { Issue.record("not a workload"); return }
        #expect(workload.isControllerOwned)
        #expect(workload.podTemplate?.metadata == nil)
    }

    @Test func nonControllerOwnerDoesNotCount() throws {
        let object = try decode(#"{"kind":"Job","metadata":{"name":"j","ownerReferences":[{"kind":"Thing","name":"t"}]},"spec":{}}"#)
        guard case .workload(let workload) = object else { Issue.record("not a workload"); return }
        #expect(!workload.isControllerOwned)
    }

    @Test func generateNameDisplay() throws {
        let object = try decode(#"{"kind":"Pod","metadata":{"generateName":"web-7d4b9c8f6-"}}"#)
        #expect(object.metadata?.displayName == "web-7d4b9c8f6-*")
    }

    @Test func otherKindsAreKeptUntyped() throws {
        let object = try decode(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"a":"b"}}"#)
        #expect(object.kind == "ConfigMap")
        #expect(object.metadata?.name == "cm")
    }
}
