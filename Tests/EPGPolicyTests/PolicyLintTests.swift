import Foundation
import KubernetesModel
import Testing
@testable import EPGPolicy

@Suite struct PolicyLintTests {
    private func diagnostics(_ body: String) -> [String] {
        PolicyFixtures.load(body).diagnostics.map(\.description)
    }

    @Test func examplePolicyIsCleanAndValid() throws {
        let result = PolicyLoader.load(file: PolicyFixtures.examplesDirectory.appendingPathComponent("policy.yaml").path)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let policy = try result.get()
        #expect(policy.namespaceRules.map(\.settings.isolation) == [.deployment, .deployment, .cluster])
        #expect(policy.hash.hasPrefix("sha256:") && policy.hash.count == 23)
    }

    @Test func workloadTemplateMustUseExactlyGroupBy() {
        let found = diagnostics("defaults:\n  isolation: deployment\n  groupBy: [app, tier]\n  workloadEPG: \"{namespace}.{label:app}:{label:role}\"\n")
        #expect(found == ["""
            p.yaml:14:16: error: defaults.workloadEPG "{namespace}.{label:app}:{label:role}" does not use groupBy key(s) tier and uses label(s) role that are not in groupBy (groupBy: [app, tier])
              hint: a workload template must use exactly its groupBy keys, e.g. workloadEPG: "{namespace}.{label:app}:{label:tier}"
            """])
    }

    @Test func ruleInheritingAMismatchedTemplateIsReportedAtTheRule() {
        let found = diagnostics("defaults:\n  workloadEPG: \"{namespace}.{label:app}\"\nnamespaces:\n  - match: {names: [pay]}\n    isolation: deployment\n    groupBy: [app.kubernetes.io/name]\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("p.yaml:16:14: error: namespaces[0].workloadEPG \"{namespace}.{label:app}\" does not use groupBy key(s) app.kubernetes.io/name") == true)
    }

    @Test func workloadTemplateDerivedFromGroupByWhenUnset() throws {
        let policy = try PolicyFixtures.policy("defaults:\n  isolation: deployment\n  groupBy: [app, tier]\n")
        #expect(policy.defaults.workloadEPG.source == "{namespace}.{label:app}:{label:tier}")
        #expect(policy.defaults.workloadEPG.isInjective)
    }

    @Test func rulesThatCanCollideOnANameAcrossRules() {
        let found = diagnostics("""
            namespaces:
              - match: {names: [lab-*]}
                namespaceEPG: "{namespace}-ns"
              - match: {names: [shop]}
                isolation: deployment
                workloadEPG: "{namespace}-{label:app}"

            """)
        #expect(found.contains("""
            p.yaml:16:18: error: EPG names can collide: namespaces[0].namespaceEPG "{namespace}-ns" and namespaces[1].workloadEPG "{namespace}-{label:app}" can both render "0-ns"
              hint: start every template with {namespace} followed by '.', which namespace names cannot contain, and keep the parts after it distinct
            """), "\(found)")
    }

    @Test func namespaceAndWorkloadTemplatesOfOneRuleCanCollideAcrossNamespaces() {
        // Namespace "a-b" gets EPG "a-b"; a pod labelled app=b in namespace "a" renders "a-b" too.
        let found = diagnostics("defaults:\n  isolation: deployment\n  workloadEPG: \"{namespace}-{label:app}\"\n")
        #expect(found.contains { $0.contains("EPG names can collide: defaults.namespaceEPG \"{namespace}\" and defaults.workloadEPG \"{namespace}-{label:app}\"") })
    }

    @Test func defaultTemplatesNeverCollide() throws {
        let policy = try PolicyFixtures.policy("""
            defaults:
              isolation: deployment
            namespaces:
              - match: {names: [pay]}
                groupBy: [app.kubernetes.io/name]
                workloadEPG: "{namespace}.{label:app.kubernetes.io/name}"
                isolation: deployment
              - match: {names: [web]}
                isolation: namespace

            """)
        #expect(policy.namespaceRules.count == 2)
    }

    @Test func ambiguousMultiKeyTemplate() {
        let found = diagnostics("defaults:\n  isolation: deployment\n  groupBy: [a, b]\n  workloadEPG: \"{namespace}.{label:a}.{label:b}\"\n")
        #expect(found == ["""
            p.yaml:14:16: error: defaults.workloadEPG "{namespace}.{label:a}.{label:b}" is ambiguous: different label values can render the same name
              hint: separate placeholders with ':', which label values cannot contain, e.g. "{namespace}.{label:a}:{label:b}"
            """])
    }

    @Test func templateThatCanRenderEmptyAndIsShared() {
        let found = diagnostics("defaults:\n  isolation: deployment\n  workloadEPG: \"{label:app}\"\n")
        #expect(found.contains { $0.hasPrefix("p.yaml:13:16: error: defaults.workloadEPG \"{label:app}\" can render an empty EPG name") })
        #expect(found.contains { $0.hasPrefix("p.yaml:13:16: warning: defaults.workloadEPG \"{label:app}\" has no {namespace}") })
    }

    @Test func sharedTemplateIsAWarningOnly() throws {
        let result = PolicyFixtures.load("defaults:\n  namespaceEPG: \"shared-pods\"\n")
        #expect(result.policy != nil)
        #expect(result.diagnostics.map(\.description).first?.hasPrefix("p.yaml:12:17: warning: defaults.namespaceEPG \"shared-pods\" has no {namespace}: every namespace defaults matches shares its EPGs") == true)
    }

    @Test func namespaceTemplateMayNotUseLabels() {
        let found = diagnostics("defaults:\n  namespaceEPG: \"{namespace}.{label:app}\"\n")
        #expect(found.first?.hasPrefix("p.yaml:12:17: error: defaults.namespaceEPG \"{namespace}.{label:app}\" uses pod labels") == true)
    }

    @Test func clusterIsolationNeedsClusterEPG() {
        let found = diagnostics("namespaces:\n  - match: {names: [old]}\n    isolation: cluster\n")
        #expect(found.first?.hasPrefix("p.yaml:13:16: error: namespaces[0] uses cluster isolation but no clusterEPG is set") == true)
    }

    @Test func tenantWithColonInAPeerEPG() {
        let found = diagnostics("peers:\n  - match: {names: [kube-system]}\n    epg: {tenant: \"a:b\", applicationProfile: ap, name: sys}\n")
        #expect(found == ["p.yaml:13:19: error: peers[0].epg.tenant: a tenant name may contain only letters, digits, '_', '.' and '-' (no ':'); \"a:b\" contains ':'"])
    }

    @Test func allowGlobMatchingASystemEPG() {
        let found = diagnostics("annotations:\n  allow:\n    - namespaces: [lab-*]\n      epgs: [\"kube/*/aci-containers-*\"]\n")
        #expect(found == ["""
            p.yaml:13:7: error: annotations.allow[0] pattern "kube/*/aci-containers-*" matches the ACI CNI system EPG name "aci-containers-system"
              hint: narrow the EPG part of the pattern, e.g. "kube/*/lab-*"
            """])
    }

    @Test func allowGlobMatchingAPeerEPG() {
        let found = diagnostics(PolicyFixtures.peers + "annotations:\n  allow:\n    - namespaces: [\"*\"]\n      epgs: [\"kube/aci-containers-kube/*\"]\n")
        #expect(found.first?.hasPrefix("p.yaml:21:7: error: annotations.allow[0] pattern \"kube/aci-containers-kube/*\" matches kube/aci-containers-kube/aci-containers-system, the EPG of peers[0]") == true)
    }

    @Test func narrowAllowGlobIsFine() throws {
        _ = try PolicyFixtures.policy(PolicyFixtures.peers + "annotations:\n  allow:\n    - namespaces: [lab-*]\n      epgs: [\"kube/aci-admission/lab-*\"]\n")
    }

    @Test func generatedNameCanHitAPeerEPGInOurProfile() {
        let found = diagnostics("peers:\n  - match: {names: [kube-system]}\n    epg: {name: infra}\n")
        #expect(found.first?.hasPrefix("p.yaml:1:1: error: defaults.namespaceEPG \"{namespace}\" can render \"infra\", which is the EPG of peers[0] in the same application profile") == true)
    }

    @Test func ruleAfterACatchAllIsUnreachable() throws {
        let result = PolicyFixtures.load("namespaces:\n  - match: {names: [\"*\"]}\n  - match: {names: [shop]}\n    isolation: deployment\n")
        #expect(result.policy != nil)
        #expect(result.diagnostics.map(\.description) == ["""
            p.yaml:13:5: warning: namespaces[1] is never used: namespaces[0] matches every namespace first
              hint: rules are tried in order and the first match wins; move this rule above namespaces[0]
            """])
    }
}

@Suite struct NameTemplateTests {
    @Test(arguments: [
        ("{namespace}", true), ("{namespace}.{label:app}", true), ("{namespace}.{label:a}:{label:b}", true),
        ("{namespace}-{label:app}", false), ("{label:a}{label:b}", false), ("{namespace}.{label:a}.{label:b}", false),
        ("{label:a}:x.{label:b}", true), ("pre-{namespace}", true),
    ])
    func injectivity(_ input: (String, Bool)) throws {
        let template = try NameTemplate(parsing: input.0)
        // Single-placeholder templates are injective; the rest depend on their delimiters.
        if template.segments.filter({ if case .literal = $0 { return false } else { return true } }).count > 1 {
            #expect(template.isInjective == input.1)
        } else {
            #expect(template.isInjective)
        }
    }

    @Test func renderAndMissingLabels() throws {
        let template = try NameTemplate(parsing: "{namespace}.{label:app}")
        #expect(template.render(namespace: "shop", labels: ["app": "web"]) == "shop.web")
        #expect(template.render(namespace: "shop", labels: [:]) == nil)
        #expect(template.labelKeys == ["app"])
    }

    @Test(arguments: ["{namespace", "x}", "{label:}", "{label:-bad}", "{pod}", "a b"])
    func rejectsMalformed(_ text: String) {
        #expect(throws: NameTemplate.ParseError.self) { try NameTemplate(parsing: text) }
    }

    @Test func commonWordIsAShortestWitness() throws {
        let a = NameLanguage(template: try NameTemplate(parsing: "{namespace}-ns"))
        let b = NameLanguage(template: try NameTemplate(parsing: "{namespace}-{label:app}"))
        #expect(NameLanguage.commonWord(a, b) == "0-ns")
        let c = NameLanguage(template: try NameTemplate(parsing: "{namespace}.{label:app}"))
        #expect(NameLanguage.commonWord(a, c) == nil)
        #expect(NameLanguage.commonWord(NameLanguage(literal: "kube-system"), NameLanguage(template: try NameTemplate(parsing: "{namespace}"))) == "kube-system")
    }
}

@Suite struct PrimitiveTests {
    @Test func cidrParsingAndRelations() throws {
        let pods = try CIDR(parsing: "10.2.0.0/16")
        #expect(pods.description == "10.2.0.0/16")
        #expect(pods.contains(try CIDR(parsing: "10.2.3.0/24")))
        #expect(!pods.contains(try CIDR(parsing: "10.0.0.0/8")))
        #expect(pods.overlaps(try CIDR(parsing: "10.0.0.0/8")))
        #expect(!pods.overlaps(try CIDR(parsing: "fd00::/8")))
        #expect(try CIDR(parsing: "FD00:0::/16").description == "fd00::/16")
        #expect(throws: CIDR.ParseError.hostBitsSet("10.2.0.1/16", canonical: "10.2.0.0/16")) { try CIDR(parsing: "10.2.0.1/16") }
        #expect(throws: CIDR.ParseError.badPrefix("+8", max: 32)) { try CIDR(parsing: "10.0.0.0/+8") }
    }

    @Test func globs() {
        #expect(Glob("lab-*").matches("lab-alice"))
        #expect(Glob("lab-*").matches("lab-"))
        #expect(!Glob("lab-*").matches("lab"))
        #expect(Glob("?a*b").matches("xaab"))
        #expect(!Glob("?a*b").matches("xaabc"))
        #expect(Glob("*").matches(""))
        #expect(Glob("a*b*c").matches("aXbYbZc"))
        #expect(EPGGlob("kube/aci-admission/lab-*")?.matches(EPGRef(tenant: "kube", applicationProfile: "aci-admission", name: "lab-x")) == true)
        #expect(EPGGlob("kube/lab-*") == nil)
    }

    @Test func trafficSpecs() throws {
        #expect(try TrafficSpec(parsing: "udp/53") == TrafficSpec(.udp, ports: 53...53))
        #expect(try TrafficSpec(parsing: "TCP/8000-8080").description == "tcp/8000-8080")
        #expect(try TrafficSpec(parsing: "tcp/all") == TrafficSpec(.tcp))
        #expect(try TrafficSpec(parsing: "all") == TrafficSpec(.any))
        #expect(throws: TrafficSpec.ParseError.self) { try TrafficSpec(parsing: "tcp/9-8") }
        #expect(throws: TrafficSpec.ParseError.self) { try TrafficSpec(parsing: "icmp/8") }
    }

    @Test func apicNameRules() {
        #expect(APICName.problem("kube", kind: .tenant) == nil)
        #expect(APICName.problem(String(repeating: "t", count: 64), kind: .tenant) != nil)
        #expect(APICName.problem(String(repeating: "e", count: 64), kind: .epg) == nil)
        #expect(APICName.problem("a:b", kind: .epg) == nil)
        #expect(APICName.problem("a b", kind: .contract)?.contains("contains ' '") == true)
        #expect(APICName.problem("", kind: .epg) == "an EPG name must not be empty")
    }
}
