import Foundation
import Testing
@testable import KubernetesModel

struct LabelSelectorCase: CustomTestStringConvertible, Sendable {
    var name: String
    var selector: LabelSelector
    var labels: [String: String]
    var matches: Bool
    var testDescription: String { name }
}

private func req(_ key: String, _ op: LabelSelectorRequirement.Operator, _ values: [String]? = nil) -> LabelSelectorRequirement {
    LabelSelectorRequirement(key: key, operator: op, values: values)
}

private let web = ["app": "web", "tier": "frontend"]
private let noLabels: [String: String] = [:]

let selectorCases: [LabelSelectorCase] = [
    // Empty and null forms select everything.
    .init(name: "empty selector, labelled object", selector: LabelSelector(), labels: web, matches: true),
    .init(name: "empty selector, unlabelled object", selector: LabelSelector(), labels: noLabels, matches: true),
    .init(name: "empty matchLabels map", selector: LabelSelector(matchLabels: [:]), labels: web, matches: true),
    .init(name: "empty matchExpressions list", selector: LabelSelector(matchExpressions: []), labels: noLabels, matches: true),
    .init(name: "both empty", selector: LabelSelector(matchLabels: [:], matchExpressions: []), labels: web, matches: true),
    // matchLabels.
    .init(name: "matchLabels equal", selector: LabelSelector(matchLabels: ["app": "web"]), labels: web, matches: true),
    .init(name: "matchLabels different value", selector: LabelSelector(matchLabels: ["app": "api"]), labels: web, matches: false),
    .init(name: "matchLabels key absent", selector: LabelSelector(matchLabels: ["role": "db"]), labels: web, matches: false),
    .init(name: "matchLabels two pairs both hold", selector: LabelSelector(matchLabels: ["app": "web", "tier": "frontend"]), labels: web, matches: true),
    .init(name: "matchLabels two pairs one fails", selector: LabelSelector(matchLabels: ["app": "web", "tier": "backend"]), labels: web, matches: false),
    .init(name: "matchLabels empty value matches empty label", selector: LabelSelector(matchLabels: ["canary": ""]), labels: ["canary": ""], matches: true),
    .init(name: "matchLabels empty value needs the key", selector: LabelSelector(matchLabels: ["canary": ""]), labels: noLabels, matches: false),
    .init(name: "matchLabels is case-sensitive", selector: LabelSelector(matchLabels: ["app": "Web"]), labels: web, matches: false),
    .init(name: "matchLabels prefixed key", selector: LabelSelector(matchLabels: ["app.kubernetes.io/name": "shop"]), labels: ["app.kubernetes.io/name": "shop"], matches: true),
    // In.
    .init(name: "In, value listed", selector: LabelSelector(matchExpressions: [req("app", .in, ["web", "api"])]), labels: web, matches: true),
    .init(name: "In, value not listed", selector: LabelSelector(matchExpressions: [req("app", .in, ["api", "db"])]), labels: web, matches: false),
    .init(name: "In, key absent", selector: LabelSelector(matchExpressions: [req("role", .in, ["db"])]), labels: web, matches: false),
    .init(name: "In, empty label value listed", selector: LabelSelector(matchExpressions: [req("canary", .in, [""])]), labels: ["canary": ""], matches: true),
    .init(name: "In, single value", selector: LabelSelector(matchExpressions: [req("tier", .in, ["frontend"])]), labels: web, matches: true),
    .init(name: "In, no values is invalid and selects nothing", selector: LabelSelector(matchExpressions: [req("app", .in, [])]), labels: web, matches: false),
    // NotIn.
    .init(name: "NotIn, value listed", selector: LabelSelector(matchExpressions: [req("app", .notIn, ["web"])]), labels: web, matches: false),
    .init(name: "NotIn, value not listed", selector: LabelSelector(matchExpressions: [req("app", .notIn, ["api"])]), labels: web, matches: true),
    .init(name: "NotIn, key absent matches", selector: LabelSelector(matchExpressions: [req("role", .notIn, ["db"])]), labels: web, matches: true),
    .init(name: "NotIn, unlabelled object matches", selector: LabelSelector(matchExpressions: [req("app", .notIn, ["web"])]), labels: noLabels, matches: true),
    .init(name: "NotIn, several values", selector: LabelSelector(matchExpressions: [req("tier", .notIn, ["backend", "frontend"])]), labels: web, matches: false),
    .init(name: "NotIn, no values is invalid", selector: LabelSelector(matchExpressions: [req("app", .notIn, nil)]), labels: web, matches: false),
    // Exists.
    .init(name: "Exists, key present", selector: LabelSelector(matchExpressions: [req("app", .exists)]), labels: web, matches: true),
    .init(name: "Exists, key absent", selector: LabelSelector(matchExpressions: [req("role", .exists)]), labels: web, matches: false),
    .init(name: "Exists, empty value still exists", selector: LabelSelector(matchExpressions: [req("canary", .exists)]), labels: ["canary": ""], matches: true),
    .init(name: "Exists with values is invalid", selector: LabelSelector(matchExpressions: [req("app", .exists, ["web"])]), labels: web, matches: false),
    // DoesNotExist.
    .init(name: "DoesNotExist, key absent", selector: LabelSelector(matchExpressions: [req("role", .doesNotExist)]), labels: web, matches: true),
    .init(name: "DoesNotExist, key present", selector: LabelSelector(matchExpressions: [req("app", .doesNotExist)]), labels: web, matches: false),
    .init(name: "DoesNotExist, unlabelled object", selector: LabelSelector(matchExpressions: [req("app", .doesNotExist)]), labels: noLabels, matches: true),
    .init(name: "DoesNotExist with values is invalid", selector: LabelSelector(matchExpressions: [req("role", .doesNotExist, ["x"])]), labels: web, matches: false),
    // Unknown operator: invalid, selects nothing.
    .init(name: "unknown operator", selector: LabelSelector(matchExpressions: [req("app", .init(rawValue: "Equals"), ["web"])]), labels: web, matches: false),
    .init(name: "lowercase operator is unknown", selector: LabelSelector(matchExpressions: [req("app", .init(rawValue: "in"), ["web"])]), labels: web, matches: false),
    // Combinations are ANDed.
    .init(name: "matchLabels and expression both hold", selector: LabelSelector(matchLabels: ["app": "web"], matchExpressions: [req("tier", .in, ["frontend"])]), labels: web, matches: true),
    .init(name: "matchLabels holds, expression fails", selector: LabelSelector(matchLabels: ["app": "web"], matchExpressions: [req("tier", .notIn, ["frontend"])]), labels: web, matches: false),
    .init(name: "matchLabels fails, expression holds", selector: LabelSelector(matchLabels: ["app": "api"], matchExpressions: [req("tier", .exists)]), labels: web, matches: false),
    .init(name: "two expressions on one key", selector: LabelSelector(matchExpressions: [req("app", .exists), req("app", .notIn, ["api"])]), labels: web, matches: true),
    .init(name: "contradictory expressions", selector: LabelSelector(matchExpressions: [req("app", .exists), req("app", .doesNotExist)]), labels: web, matches: false),
    .init(name: "In and NotIn on different keys", selector: LabelSelector(matchExpressions: [req("app", .in, ["web"]), req("role", .notIn, ["db"])]), labels: web, matches: true),
    .init(name: "all four operators", selector: LabelSelector(matchExpressions: [req("app", .in, ["web"]), req("tier", .notIn, ["db"]), req("tier", .exists), req("role", .doesNotExist)]), labels: web, matches: true),
    // The implicit namespace-name label.
    .init(name: "implicit namespace label", selector: LabelSelector(matchLabels: [LabelSyntax.namespaceNameLabel: "kube-system"]),
          labels: Namespace.effectiveLabels(name: "kube-system", labels: nil), matches: true),
    .init(name: "implicit namespace label, other namespace", selector: LabelSelector(matchLabels: [LabelSyntax.namespaceNameLabel: "kube-system"]),
          labels: Namespace.effectiveLabels(name: "default", labels: ["team": "a"]), matches: false),
    .init(name: "implicit label overrides a forged one", selector: LabelSelector(matchLabels: [LabelSyntax.namespaceNameLabel: "prod"]),
          labels: Namespace.effectiveLabels(name: "dev", labels: [LabelSyntax.namespaceNameLabel: "prod"]), matches: false),
]

@Suite struct LabelSelectorTests {
    @Test(arguments: selectorCases)
    func matching(_ testCase: LabelSelectorCase) {
        #expect(testCase.selector.matches(testCase.labels) == testCase.matches)
    }

    @Test func tableCoversEnoughCases() {
        #expect(selectorCases.count >= 40)
    }

    @Test func nullMatchLabelsDecodesAndSelectsAll() throws {
        let yaml = #"{"matchLabels": null}"#
        let selector = try JSONDecoder().decode(LabelSelector.self, from: Data(yaml.utf8))
        #expect(selector.matchLabels == nil)
        #expect(selector.isEmpty)
        #expect(selector.matches(["anything": "goes"]))
    }

    @Test func validationMessagesNameThePath() {
        let selector = LabelSelector(matchLabels: ["bad key!": "v"], matchExpressions: [req("app", .in, []), req("x", .exists, ["y"]), req("y", .init(rawValue: "Gt"), ["1"])])
        let errors = selector.validationErrors(path: "spec.podSelector")
        #expect(errors == [
            "spec.podSelector.matchLabels: key \"bad key!\": must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            "spec.podSelector.matchExpressions[0].values: must be non-empty when operator is In",
            "spec.podSelector.matchExpressions[1].values: must be empty when operator is Exists",
            "spec.podSelector.matchExpressions[2].operator: \"Gt\" is not one of In, NotIn, Exists, DoesNotExist",
        ])
    }

    @Test func firstUnsatisfiedNamesTheFailingRequirement() {
        let selector = LabelSelector(matchLabels: ["app": "web"], matchExpressions: [req("tier", .notIn, ["frontend"])])
        #expect(selector.firstUnsatisfied(by: web)?.description == "tier NotIn (frontend)")
        #expect(selector.firstUnsatisfied(by: ["app": "web"]) == nil)
    }
}

@Suite struct LabelSyntaxTests {
    @Test(arguments: ["app", "app.kubernetes.io/name", "k8s-app", "a", "example.com/x_y.z", String(repeating: "a", count: 63)])
    func validKeys(_ key: String) { #expect(LabelSyntax.keyProblem(key) == nil) }

    @Test(arguments: ["", "-app", "app-", "a/b/c", "/app", "Example.com/app", "app name", String(repeating: "a", count: 64)])
    func invalidKeys(_ key: String) { #expect(LabelSyntax.keyProblem(key) != nil) }

    @Test func values() {
        #expect(LabelSyntax.valueProblem("") == nil)
        #expect(LabelSyntax.valueProblem("v1.2_3-x") == nil)
        #expect(LabelSyntax.valueProblem("-v") != nil)
        #expect(LabelSyntax.valueProblem("a b") != nil)
        #expect(LabelSyntax.valueProblem(String(repeating: "v", count: 64)) == "must be no more than 63 characters")
    }
}
