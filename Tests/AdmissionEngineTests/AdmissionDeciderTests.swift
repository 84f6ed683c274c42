import EPGPolicy
import Foundation
import KubernetesModel
import Testing
import TestSupport
@testable import AdmissionEngine
@testable import ContractCompiler

enum AdmissionFixtures {
    static let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/baselines/go-webhook/fixtures")

    static func load(_ name: String) throws -> Data { try Data(contentsOf: shared.appendingPathComponent(name)) }

    static func review(_ name: String, edit: (inout [String: Any]) -> Void = { _ in }) throws -> AdmissionReview {
        try AdmissionReviewDecoder.decode(reviewBody(name, edit: edit))
    }

    static func reviewBody(_ name: String, edit: (inout [String: Any]) -> Void = { _ in }) throws -> Data {
        var json = try JSONSerialization.jsonObject(with: load(name)) as! [String: Any]
        edit(&json)
        return try JSONSerialization.data(withJSONObject: json)
    }

    static let policyYAML = """
    apiVersion: aci-admission/v1
    kind: EPGPolicy
    fabric:
      clusterName: kube
      tenant: kube
      applicationProfile: aci-admission
      bridgeDomain: pod-bd
      vmmDomain: {type: Kubernetes, name: kube}
      podCIDRs: [10.2.0.0/16]
      nodeCIDRs: [10.1.0.0/24]
    defaults:
      isolation: namespace
    namespaces:
      - name: shop
        match: {names: [shop]}
        isolation: deployment
        groupBy: [app]
      - name: payments
        match: {selector: {matchLabels: {team: payments}}}
        isolation: deployment
        groupBy: [app]
        enforcement: warn
      - name: audited
        match: {names: [audited]}
        enforcement: audit
    exempt:
      namespaces: [aci-admission]
    guard:
      labelEditors: [platform-admins]

    """

    static let policy = try! PolicyLoader.load(text: policyYAML, source: "policy.yaml").get()
    static let decider = AdmissionDecider(policy: policy)

    static var cluster: ClusterSnapshot {
        var inventory = Inventory()
        for name in ["shop", "audited"] { inventory.add(namespace: Namespace(name: name)) }
        inventory.add(namespace: Namespace(name: "pay", labels: ["team": "payments"]))
        return ClusterSnapshot(inventory: inventory)
    }

    /// Decodes the response's patch, applies it to the request object of the review `body` with
    /// Python's jsonpatch, and returns the patched object.
    static func applyPatch(_ decision: AdmissionDecision, to body: Data) throws -> [String: Any] {
        let patch = try #require(decision.response.patch.flatMap { Data(base64Encoded: $0) })
        let review = try #require(JSONSerialization.jsonObject(with: body) as? [String: Any])
        let object = try JSONSerialization.data(withJSONObject: try #require((review["request"] as? [String: Any])?["object"]))
        let script = """
        import json, sys, jsonpatch
        doc = json.loads(sys.argv[1]); patch = json.loads(sys.argv[2])
        print(json.dumps(jsonpatch.apply_patch(doc, patch)))
        """
        let python = try Subprocess.runBlocking("python3", ["-c", script, String(decoding: object, as: UTF8.self), String(decoding: patch, as: UTF8.self)])
        #expect(python.status == 0, "python jsonpatch failed (scripts/setup.sh installs it): \(python.stderr)")
        return try JSONSerialization.jsonObject(with: python.stdoutData) as! [String: Any]
    }

    static func annotations(_ object: [String: Any], _ path: [String]) -> [String: String]? {
        var node: Any? = object
        for key in path { node = (node as? [String: Any])?[key] }
        return node as? [String: String]
    }
}

@Suite struct MutationTests {
    let stamp = AdmissionFixtures.policy.hash
    let web = #"{"tenant":"kube","app-profile":"aci-admission","name":"shop.web"}"#

    @Test func deploymentCreateAnnotatesObjectAndTemplate() throws {
        let body = try AdmissionFixtures.reviewBody("deployment-create.json")
        let review = try AdmissionReviewDecoder.decode(body)
        let decision = AdmissionFixtures.decider.decide(review, endpoint: .mutate, cluster: AdmissionFixtures.cluster)
        #expect(decision.verdict == .patched)
        #expect(decision.response.patchType == "JSONPatch")
        #expect(decision.epg == "kube/aci-admission/shop.web")
        let patched = try AdmissionFixtures.applyPatch(decision, to: body)
        let objectAnnotations = try #require(AdmissionFixtures.annotations(patched, ["metadata", "annotations"]))
        #expect(objectAnnotations[EPGAnnotation.key] == web)
        #expect(objectAnnotations[EPGAnnotation.provenanceKey] == stamp)
        #expect(objectAnnotations["kubectl.kubernetes.io/last-applied-configuration"] != nil)  // kept
        let templateAnnotations = AdmissionFixtures.annotations(patched, ["spec", "template", "metadata", "annotations"])
        #expect(templateAnnotations == [EPGAnnotation.key: web, EPGAnnotation.provenanceKey: stamp])
        #expect(decision.response.auditAnnotations?["epg"] == "kube/aci-admission/shop.web")
        #expect(decision.response.auditAnnotations?["rule"] == "namespaces[0] (shop)")
        #expect(decision.change?.operation == "CREATE" && decision.change?.kind == "Deployment")
    }

    @Test func deploymentUpdateKeepsExistingTemplateAnnotations() throws {
        let body = try AdmissionFixtures.reviewBody("deployment-update.json")
        let review = try AdmissionReviewDecoder.decode(body)
        let decision = AdmissionFixtures.decider.decide(review, endpoint: .mutate, cluster: AdmissionFixtures.cluster)
        let patched = try AdmissionFixtures.applyPatch(decision, to: body)
        let template = try #require(AdmissionFixtures.annotations(patched, ["spec", "template", "metadata", "annotations"]))
        #expect(template["kubectl.kubernetes.io/restartedAt"] == "2024-05-15T14:02:11Z")
        #expect(template[EPGAnnotation.key] == web)
    }

    @Test func alreadyAnnotatedNeedsNoPatch() throws {
        let body = try AdmissionFixtures.reviewBody("deployment-create.json")
        let review = try AdmissionReviewDecoder.decode(body)
        let first = AdmissionFixtures.decider.decide(review, endpoint: .mutate, cluster: AdmissionFixtures.cluster)
        let patched = try AdmissionFixtures.applyPatch(first, to: body)
        let again = try AdmissionFixtures.review("deployment-create.json") { json in
            var request = json["request"] as! [String: Any]
            request["object"] = patched
            json["request"] = request
        }
        let second = AdmissionFixtures.decider.decide(again, endpoint: .mutate, cluster: AdmissionFixtures.cluster)
        #expect(second.verdict == .allowed)
        #expect(second.response.patch == nil && second.response.patchType == nil)
    }

    @Test func generateNamePodWithoutAnnotationIsAnnotated() throws {
        let body = try AdmissionFixtures.reviewBody("pod-create.json")
        let review = try AdmissionReviewDecoder.decode(body)
        let decision = AdmissionFixtures.decider.decide(review, endpoint: .mutate, cluster: AdmissionFixtures.cluster)
        #expect(decision.name == "web-7d9c8b6f5-*")
        let patched = try AdmissionFixtures.applyPatch(decision, to: body)
        #expect(AdmissionFixtures.annotations(patched, ["metadata", "annotations"])?[EPGAnnotation.key] == web)
        // Pods are not journaled: their workloads are.
        #expect(decision.change == nil)
    }

    @Test func namespaceCreateGetsTheNamespaceEPG() throws {
        let body = try AdmissionFixtures.reviewBody("namespace-create.json")
        let review = try AdmissionReviewDecoder.decode(body)
        let decision = AdmissionFixtures.decider.decide(review, endpoint: .mutate, cluster: ClusterSnapshot())
        let patched = try AdmissionFixtures.applyPatch(decision, to: body)
        #expect(AdmissionFixtures.annotations(patched, ["metadata", "annotations"])?[EPGAnnotation.key] == #"{"tenant":"kube","app-profile":"aci-admission","name":"shop"}"#)
    }

    @Test func v1beta1IsAnsweredInV1beta1() throws {
        let review = try AdmissionFixtures.review("namespace-create.json") { $0["apiVersion"] = "admission.k8s.io/v1beta1" }
        let decision = AdmissionFixtures.decider.decide(review, endpoint: .mutate, cluster: ClusterSnapshot())
        let body = try JSONSerialization.jsonObject(with: decision.response.reviewJSON(apiVersion: review.apiVersion)) as! [String: Any]
        #expect(body["apiVersion"] as? String == "admission.k8s.io/v1beta1")
        #expect(body["kind"] as? String == "AdmissionReview")
        #expect((body["response"] as? [String: Any])?["uid"] as? String == review.request.uid)
    }

    @Test func dryRunIsDecidedButNotJournaled() throws {
        let review = try AdmissionFixtures.review("deployment-create.json") { json in
            var request = json["request"] as! [String: Any]
            request["dryRun"] = true
            json["request"] = request
        }
        let decision = AdmissionFixtures.decider.decide(review, endpoint: .mutate, cluster: AdmissionFixtures.cluster)
        #expect(decision.verdict == .patched)
        #expect(decision.change == nil)
    }

    @Test func deleteIsAllowedUntouchedAndJournaled() throws {
        let review = try AdmissionFixtures.review("deployment-update.json") { json in
            var request = json["request"] as! [String: Any]
            request["operation"] = "DELETE"
            request["oldObject"] = request["object"]
            request["object"] = NSNull()
            json["request"] = request
        }
        let decision = AdmissionFixtures.decider.decide(review, endpoint: .mutate, cluster: AdmissionFixtures.cluster)
        #expect(decision.response.allowed && decision.response.patch == nil)
        #expect(decision.change?.operation == "DELETE" && decision.change?.object == nil && decision.change?.oldObject != nil)
    }

    @Test func exemptAndUnknownKindsAreUntouched() throws {
        let exempt = try AdmissionFixtures.review("deployment-create.json") { json in
            var request = json["request"] as! [String: Any]
            request["namespace"] = "aci-admission"
            json["request"] = request
        }
        let decision = AdmissionFixtures.decider.decide(exempt, endpoint: .mutate, cluster: AdmissionFixtures.cluster)
        #expect(decision.response.patch == nil && decision.response.auditAnnotations?["rule"] == "exempt")
        let configMap = try AdmissionFixtures.review("namespace-create.json") { json in
            var request = json["request"] as! [String: Any]
            request["kind"] = ["group": "", "version": "v1", "kind": "ConfigMap"]
            request["object"] = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c", "namespace": "shop"], "data": ["a": "b"]]
            json["request"] = request
        }
        let other = AdmissionFixtures.decider.decide(configMap, endpoint: .mutate, cluster: AdmissionFixtures.cluster)
        #expect(other.response.allowed && other.response.patch == nil && other.change == nil)
    }

    func workloadReview(_ object: [String: Any], operation: String = "CREATE", kind: String) throws -> AdmissionReview {
        try AdmissionReviewDecoder.decode(workloadReviewBody(object, operation: operation, kind: kind))
    }

    func workloadReviewBody(_ object: [String: Any], operation: String = "CREATE", kind: String) throws -> Data {
        try AdmissionFixtures.reviewBody("deployment-create.json") { json in
            var request = json["request"] as! [String: Any]
            request["operation"] = operation
            request["kind"] = ["group": "apps", "version": "v1", "kind": kind]
            request["object"] = object
            json["request"] = request
        }
    }

    @Test func templateWithoutMetadataGetsIt() throws {
        let body = try workloadReviewBody(["apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": ["name": "db", "namespace": "shop"],
                                         "spec": ["template": ["spec": ["containers": []]]]], kind: "StatefulSet")
        let review = try AdmissionReviewDecoder.decode(body)
        let decision = AdmissionFixtures.decider.decide(review, endpoint: .mutate, cluster: AdmissionFixtures.cluster)
        let patched = try AdmissionFixtures.applyPatch(decision, to: body)
        // No app label: the namespace EPG.
        #expect(AdmissionFixtures.annotations(patched, ["spec", "template", "metadata", "annotations"])?[EPGAnnotation.key] == #"{"tenant":"kube","app-profile":"aci-admission","name":"shop"}"#)
    }

    @Test func controllerOwnedAndJobUpdatesAreNotMutated() throws {
        let owned = try workloadReview(["apiVersion": "apps/v1", "kind": "ReplicaSet",
                                        "metadata": ["name": "web-1", "namespace": "shop", "ownerReferences": [["kind": "Deployment", "name": "web", "controller": true]]],
                                        "spec": ["template": ["metadata": ["labels": ["app": "web"]]]]], kind: "ReplicaSet")
        #expect(AdmissionFixtures.decider.decide(owned, endpoint: .mutate, cluster: AdmissionFixtures.cluster).response.patch == nil)
        let job = ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "j", "namespace": "shop"],
                   "spec": ["template": ["metadata": ["labels": ["app": "web"]]]]] as [String: Any]
        #expect(AdmissionFixtures.decider.decide(try workloadReview(job, kind: "Job"), endpoint: .mutate, cluster: AdmissionFixtures.cluster).response.patch != nil)
        #expect(AdmissionFixtures.decider.decide(try workloadReview(job, operation: "UPDATE", kind: "Job"), endpoint: .mutate, cluster: AdmissionFixtures.cluster).response.patch == nil)
    }

    @Test func cronJobTemplateIsTheJobTemplatesPodTemplate() throws {
        let body = try workloadReviewBody(["apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": "c", "namespace": "shop"],
                                         "spec": ["schedule": "* * * * *", "jobTemplate": ["spec": ["template": ["metadata": ["labels": ["app": "batch"]]]]]]],
                                        kind: "CronJob")
        let review = try AdmissionReviewDecoder.decode(body)
        let decision = AdmissionFixtures.decider.decide(review, endpoint: .mutate, cluster: AdmissionFixtures.cluster)
        let patched = try AdmissionFixtures.applyPatch(decision, to: body)
        #expect(AdmissionFixtures.annotations(patched, ["spec", "jobTemplate", "spec", "template", "metadata", "annotations"])?[EPGAnnotation.key]
                == #"{"tenant":"kube","app-profile":"aci-admission","name":"shop.batch"}"#)
    }
}

@Suite struct ValidationTests {
    func review(kind: String, namespace: String, object: [String: Any], old: [String: Any]? = nil, operation: String = "CREATE",
                groups: [String] = []) throws -> AdmissionReview {
        try AdmissionFixtures.review("namespace-create.json") { json in
            var request = json["request"] as! [String: Any]
            request["kind"] = ["group": "", "version": "v1", "kind": kind]
            request["namespace"] = namespace
            request["name"] = (object["metadata"] as? [String: Any])?["name"]
            request["operation"] = operation
            request["object"] = object
            request["oldObject"] = old ?? NSNull()
            request["userInfo"] = ["username": "alice", "groups": groups]
            json["request"] = request
        }
    }

    let foreign = [EPGAnnotation.key: #"{"tenant":"kube","app-profile":"aci-admission","name":"elsewhere"}"#]

    func pod(_ namespace: String, labels: [String: String] = ["app": "web"], annotations: [String: String]? = nil) -> [String: Any] {
        var metadata: [String: Any] = ["name": "p", "namespace": namespace, "labels": labels]
        if let annotations { metadata["annotations"] = annotations }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": metadata]
    }

    @Test func foreignAnnotationDeniedWithAnActionableMessage() throws {
        let decision = AdmissionFixtures.decider.decide(try review(kind: "Pod", namespace: "shop", object: pod("shop", annotations: foreign)),
                                                        endpoint: .validate, cluster: AdmissionFixtures.cluster)
        #expect(!decision.response.allowed)
        #expect(decision.response.status?.code == 403)
        #expect(decision.response.status?.reason == "Forbidden")
        #expect(decision.response.status?.message.hasPrefix("Pod shop/p: hand-written EPG kube/aci-admission/elsewhere differs from the computed kube/aci-admission/shop.web") == true)
        #expect(decision.response.status?.message.contains("Fix: remove the opflex.cisco.com/endpoint-group annotation") == true)
        #expect(decision.response.patch == nil && decision.response.patchType == nil)
        #expect(decision.change == nil)
    }

    @Test func warnEnforcementAllowsWithShortWarnings() throws {
        let decision = AdmissionFixtures.decider.decide(try review(kind: "Pod", namespace: "pay", object: pod("pay", annotations: foreign)),
                                                        endpoint: .validate, cluster: AdmissionFixtures.cluster)
        #expect(decision.response.allowed && decision.verdict == .warned)
        let warnings = try #require(decision.response.warnings)
        #expect(warnings.allSatisfy { $0.count <= 120 && !$0.contains("\n") })
        #expect(warnings.first?.hasPrefix("aci-admission (warn): Pod pay/p:") == true)
    }

    @Test func auditEnforcementOnlyRecords() throws {
        let decision = AdmissionFixtures.decider.decide(try review(kind: "Pod", namespace: "audited", object: pod("audited", annotations: foreign)),
                                                        endpoint: .validate, cluster: AdmissionFixtures.cluster)
        #expect(decision.response.allowed && decision.response.warnings == nil)
        #expect(decision.response.auditAnnotations?["finding"] == "foreign-epg-annotation")
        #expect(decision.response.auditAnnotations?["audit"]?.isEmpty == false)
    }

    @Test func inexpressibleNetworkPolicyIsDeniedWithEveryReason() throws {
        let policy: [String: Any] = ["apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": ["name": "np", "namespace": "shop"],
                                     "spec": ["podSelector": ["matchLabels": ["tier": "x"]], "ingress": [["ports": [["port": "http"]]]]]]
        let decision = AdmissionFixtures.decider.decide(try review(kind: "NetworkPolicy", namespace: "shop", object: policy),
                                                        endpoint: .validate, cluster: AdmissionFixtures.cluster)
        #expect(!decision.response.allowed)
        let message = try #require(decision.response.status?.message)
        #expect(message.contains("NetworkPolicy shop/np cannot be enforced by the ACI fabric: spec.podSelector.matchLabels.tier selects part of EPG"))
        #expect(message.contains("spec.ingress[0].ports[0].port is the named port \"http\""))
        #expect(decision.rule == "split-epg")
    }

    @Test func expressibleNetworkPolicyIsAllowedAndJournaled() throws {
        let policy: [String: Any] = ["apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": ["name": "np", "namespace": "shop"],
                                     "spec": ["podSelector": ["matchLabels": ["app": "db"]], "ingress": [["from": [["podSelector": ["matchLabels": ["app": "web"]]]], "ports": [["port": 5432]]]]]]
        let decision = AdmissionFixtures.decider.decide(try review(kind: "NetworkPolicy", namespace: "shop", object: policy),
                                                        endpoint: .validate, cluster: AdmissionFixtures.cluster)
        #expect(decision.response.allowed && decision.response.status == nil)
        #expect(decision.change?.kind == "NetworkPolicy")
    }

    @Test func guardedNamespaceLabelsNeedALabelEditor() throws {
        let old: [String: Any] = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "pay", "labels": ["team": "payments"]]]
        let new: [String: Any] = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "pay", "labels": ["team": "web"]]]
        let denied = AdmissionFixtures.decider.decide(try review(kind: "Namespace", namespace: "pay", object: new, old: old, operation: "UPDATE"),
                                                      endpoint: .validate, cluster: AdmissionFixtures.cluster)
        #expect(denied.response.status?.message.contains("label team decides which policy rule governs the namespace and may be changed only by platform-admins") == true)
        // The namespace is in warn mode before the change (team=payments) — but the new labels govern: enforce.
        #expect(!denied.response.allowed)
        let allowed = AdmissionFixtures.decider.decide(try review(kind: "Namespace", namespace: "pay", object: new, old: old, operation: "UPDATE", groups: ["platform-admins"]),
                                                       endpoint: .validate, cluster: AdmissionFixtures.cluster)
        #expect(allowed.response.allowed)
    }

    @Test func relabelThatBreaksAnAcceptedPolicyIsDenied() throws {
        // c-* namespaces share the ACI CNI's default EPG (cluster isolation).
        let yaml = AdmissionFixtures.policyYAML
            .replacingOccurrences(of: "defaults:\n  isolation: namespace\n", with: "defaults:\n  isolation: namespace\n  clusterEPG: {applicationProfile: aci-containers-kube, name: aci-containers-default}\n")
            .replacingOccurrences(of: "exempt:", with: "  - {match: {names: [\"c-*\"]}, isolation: cluster}\nexempt:")
        let decider = AdmissionDecider(policy: try PolicyLoader.load(text: yaml, source: "p.yaml").get())
        var cluster = AdmissionFixtures.cluster
        cluster.inventory.add(namespace: Namespace(name: "c-one"))
        cluster.inventory.add(namespace: Namespace(name: "c-two"))
        cluster.inventory.add(.networkPolicy(NetworkPolicy(metadata: ObjectMeta(name: "from-red", namespace: "shop"),
            spec: NetworkPolicySpec(podSelector: LabelSelector(), ingress: [NetworkPolicyIngressRule(from: [NetworkPolicyPeer(namespaceSelector: LabelSelector(matchLabels: ["color": "red"]))])]))))
        // Labelling c-one red selects half of the shared EPG.
        let relabel: [String: Any] = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "c-one", "labels": ["color": "red"]]]
        let decision = decider.decide(try review(kind: "Namespace", namespace: "c-one", object: relabel,
                                                 old: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "c-one"]], operation: "UPDATE"),
                                      endpoint: .validate, cluster: cluster)
        #expect(!decision.response.allowed)
        #expect(decision.response.status?.message.contains("this change would make NetworkPolicy shop/from-red impossible to enforce") == true)
    }

    @Test func groupByLabelOfARunningPodCannotChange() throws {
        let decision = AdmissionFixtures.decider.decide(try review(kind: "Pod", namespace: "shop", object: pod("shop", labels: ["app": "api"]),
                                                                   old: pod("shop", labels: ["app": "web"]), operation: "UPDATE"),
                                                        endpoint: .validate, cluster: AdmissionFixtures.cluster)
        #expect(!decision.response.allowed)
        #expect(decision.response.status?.message.contains("label app chooses the pod's EPG (groupBy) and cannot change on a running pod") == true)
    }
}

@Suite struct DecodeTests {
    static let valid = #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":{"kind":"Pod"}}}"#

    @Test(arguments: [
        ("", "empty body: expected an AdmissionReview"),
        ("{", "not valid JSON"),
        ("[]", "the body must be a JSON object (an AdmissionReview)"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#, "request is required"),
        (#"{"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE"}}"#, "apiVersion \"admission.k8s.io/v2\" is not supported"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"Review","request":{"uid":"u","operation":"CREATE"}}"#, "kind \"Review\" is not AdmissionReview"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}"#, "request.uid is required"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"","operation":"CREATE"}}"#, "request.uid is empty"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7,"operation":"CREATE"}}"#, "request.uid has the wrong type: expected a string"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"PATCH"}}"#, "request.operation \"PATCH\" is not one of"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":"pod"}}"#, "request.object must be an object or null"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","dryRun":"yes"}}"#, "request.dryRun has the wrong type: expected a boolean"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":{"kind":"Pod","metadata":{"labels":{"app":7}}}}}"#, "request.object.metadata.labels.app has the wrong type: expected a string"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":{"kind":"Pod","metadata":{"annotations":[]}}}}"#, "request.object.metadata.annotations has the wrong type: expected an object"),
    ])
    func malformedReviews(_ input: (String, String)) {
        #expect {
            _ = try AdmissionReviewDecoder.decode(Data(input.0.utf8))
        } throws: { error in
            (error as? AdmissionDecodeError)?.message.contains(input.1) == true || { print(error); return false }()
        }
    }

    @Test func validReviewDecodes() throws {
        let review = try AdmissionReviewDecoder.decode(Data(Self.valid.utf8))
        #expect(review.request.uid == "u")
    }

    @Test func onlyTheAnnotationsDecisionsReadAreDecoded() throws {
        let review = try AdmissionFixtures.review("deployment-create.json")
        // The fixture's object has only kubectl's last-applied-configuration: an empty map, not a missing
        // one (a missing map is patched with one `add` of a whole map, which would drop kubectl's).
        #expect(review.request.object?.metadata?.annotations == [:])
        let pinned = try AdmissionFixtures.review("deployment-create.json") { json in
            var request = json["request"] as! [String: Any], object = request["object"] as! [String: Any]
            var metadata = object["metadata"] as! [String: Any]
            metadata["annotations"] = ["other": "x", EPGAnnotation.key: "{}", EPGAnnotation.provenanceKey: "sha256:1"]
            object["metadata"] = metadata
            request["object"] = object
            json["request"] = request
        }
        #expect(pinned.request.object?.metadata?.annotations == [EPGAnnotation.key: "{}", EPGAnnotation.provenanceKey: "sha256:1"])
        // Labels are read whole (a wrongly typed one is an error with its path: `malformedReviews`).
        #expect(review.request.object?.metadata?.labels?.count == 3)
    }

    @Test func deeplyNestedObjectsDoNotCrash() {
        let nested = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let body = #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":{"x":"# + nested + "}}}"
        #expect(throws: AdmissionDecodeError.self) { _ = try AdmissionReviewDecoder.decode(Data(body.utf8)) }
    }

    @Test func invalidUTF8IsRejected() {
        var body = Data(Self.valid.utf8)
        body.insert(0xFF, at: 60)
        #expect(throws: AdmissionDecodeError.self) { _ = try AdmissionReviewDecoder.decode(body) }
    }
}
