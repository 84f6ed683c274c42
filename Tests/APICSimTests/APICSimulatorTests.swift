import APIC
import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import APICSim

/// A simulator with a hand-driven clock, called directly (no sockets).
final class SimHarness: Sendable {
    let clock = NIOLockedValueBox(1_700_000_000.0)
    let simulator: APICSimulator

    init(loginRate: Double? = nil, refreshTimeout: Double = 600, maximumLifetime: Double = 86_400) {
        var configuration = APICSimulator.Configuration()
        configuration.loginRate = loginRate
        configuration.refreshTimeout = refreshTimeout
        configuration.maximumLifetime = maximumLifetime
        let clock = self.clock
        configuration.now = { Date(timeIntervalSince1970: clock.withLockedValue { $0 }) }
        simulator = APICSimulator(configuration: configuration, users: [APICSimUser(name: "admin", password: "s3cret")])
    }

    func advance(_ seconds: Double) { clock.withLockedValue { $0 += seconds } }

    func call(_ method: String, _ path: String, query: String? = nil, body: String = "", token: String? = nil, cookieName: String = "APIC-cookie") -> (status: Int, text: String, response: APICSimResponse) {
        var cookies: [String: String] = [:]
        if let token { cookies[cookieName] = token }
        let response = simulator.handle(APICSimRequest(method: method, path: path, query: query, cookies: cookies, body: Data(body.utf8)))
        return (response.status, String(decoding: response.body, as: UTF8.self), response)
    }

    func login() throws -> String {
        let result = call("POST", "/api/aaaLogin.json", body: #"{"aaaUser":{"attributes":{"name":"admin","pwd":"s3cret"}}}"#)
        #expect(result.status == 200)
        return try #require(try APICJSON.decodeEnvelope(Data(result.text.utf8)).first?["token"])
    }

    func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    func objects(_ text: String) throws -> [ManagedObject] { try APICJSON.decodeEnvelope(Data(text.utf8)) }
}

@Suite struct AuthenticationTests {
    @Test func loginAnswersWithTheRealAttributesAndACookie() throws {
        let sim = SimHarness()
        let result = sim.call("POST", "/api/aaaLogin.json", body: #"{"aaaUser":{"attributes":{"name":"admin","pwd":"s3cret"}}}"#)
        #expect(result.status == 200)
        let login = try #require(try sim.objects(result.text).first)
        #expect(login.className == "aaaLogin")
        for attribute in ["token", "refreshTimeoutSeconds", "maximumLifetimeSeconds", "creationTime", "userName", "version", "sessionId", "restTimeoutSeconds"] {
            #expect(login[attribute] != nil, "\(attribute)")
        }
        #expect(login["refreshTimeoutSeconds"] == "600" && login["creationTime"] == "1700000000" && login["userName"] == "admin")
        #expect(result.text.hasPrefix(#"{"totalCount":"1","imdata":[{"aaaLogin":{"attributes":{"#))
        let cookie = try #require(result.response.headers.first { $0.0 == "Set-Cookie" }?.1)
        #expect(cookie.hasPrefix("APIC-cookie=\(login["token"]!);"))
    }

    @Test func bothCookieSpellingsWork() throws {
        let sim = SimHarness()
        let token = try sim.login()
        #expect(sim.call("GET", "/api/class/fvTenant.json", token: token, cookieName: "APIC-cookie").status == 200)
        #expect(sim.call("GET", "/api/class/fvTenant.json", token: token, cookieName: "APIC-Cookie").status == 200)
    }

    @Test func recordedAuthenticationErrors() throws {
        let sim = SimHarness()
        // Exact bodies from the reference (captures of real APICs).
        let none = sim.call("GET", "/api/class/fvTenant.json")
        #expect(none.status == 403)
        #expect(none.text == #"{"totalCount":"1","imdata":[{"error":{"attributes":{"code":"403","text":"Need a valid webtoken cookie (named APIC-Cookie) or a signed request with signature in the cookie APIC-Request-Signature for all REST API requests"}}}]}"#)
        let stale = sim.call("GET", "/api/class/fvTenant.json", token: "bm90LWEtdG9rZW4=")
        #expect(stale.status == 403)
        #expect(stale.text == #"{"totalCount":"1","imdata":[{"error":{"attributes":{"code":"403","text":"Token was invalid (Error: Token timeout)"}}}]}"#)
        let wrong = sim.call("POST", "/api/aaaLogin.json", body: #"{"aaaUser":{"attributes":{"name":"admin","pwd":"nope"}}}"#)
        #expect(wrong.status == 401)
        #expect(wrong.text.contains(#""code":"401","text":"Username or password is incorrect - FAILED local authentication""#))
        let wrongRoot = sim.call("POST", "/api/aaaLogin.json", body: #"{"aaaUsers":{"attributes":{"name":"admin","pwd":"s3cret"}}}"#)
        #expect(wrongRoot.status == 400)
        #expect(stale.response.headers.contains { $0 == ("Server", "Cisco APIC") })
    }

    @Test func idleExpiryRefreshAndAbsoluteLifetime() throws {
        let sim = SimHarness(refreshTimeout: 60, maximumLifetime: 150)
        let token = try sim.login()
        sim.advance(50)
        let refreshed = sim.call("GET", "/api/aaaRefresh.json", token: token)
        #expect(refreshed.status == 200)
        let fresh = try #require(try sim.objects(refreshed.text).first?["token"])
        #expect(fresh != token)
        sim.advance(50)  // 100 s after login, 50 s after the refresh: still idle-valid.
        #expect(sim.call("GET", "/api/class/fvTenant.json", token: fresh).status == 200)
        sim.advance(15)  // 65 s since the refresh: idle timeout.
        #expect(sim.call("GET", "/api/class/fvTenant.json", token: fresh).text.contains("Token timeout"))
        // Refreshing every 40 s cannot outlive maximumLifetimeSeconds.
        var current = try sim.login()
        for _ in 0..<3 {
            sim.advance(40)
            let answer = sim.call("GET", "/api/aaaRefresh.json", token: current)
            guard answer.status == 200, let next = try sim.objects(answer.text).first?["token"] else { break }
            current = next
        }
        sim.advance(40)  // 160 s after the login
        #expect(sim.call("GET", "/api/class/fvTenant.json", token: current).status == 403)
    }

    @Test func logoutEndsTheSession() throws {
        let sim = SimHarness()
        let token = try sim.login()
        #expect(sim.call("POST", "/api/aaaLogout.json", body: #"{"aaaUser":{"attributes":{"name":"admin"}}}"#, token: token).status == 200)
        #expect(sim.call("GET", "/api/class/fvTenant.json", token: token).status == 403)
    }

    @Test func loginThrottleAnswers503WithHTML() throws {
        let sim = SimHarness(loginRate: 2)
        let body = #"{"aaaUser":{"attributes":{"name":"admin","pwd":"s3cret"}}}"#
        let statuses = (0..<3).map { _ in sim.call("POST", "/api/aaaLogin.json", body: body).status }
        #expect(statuses == [200, 200, 503])
        let throttled = sim.call("POST", "/api/aaaLogin.json", body: body)
        #expect(throttled.text.contains("<html>") && throttled.text.contains("503 Service Temporarily Unavailable"))
        sim.advance(1)
        #expect(sim.call("POST", "/api/aaaLogin.json", body: body).status == 200)
    }

    @Test func lowerCaseMethodsGetNginxsPage() {
        let sim = SimHarness()
        let result = sim.call("get", "/api/class/fvTenant.json")
        #expect(result.status == 400 && result.text.contains("400 Bad Request"))
    }
}

@Suite struct WriteTests {
    static let tenant = #"{"fvTenant":{"attributes":{"name":"Cisco","status":"created"},"children":[]}}"#

    @Test func recordedAPIInspectorWrite() throws {
        // API Inspector capture: POST at the object's own DN; the answer is an empty envelope.
        let sim = SimHarness()
        let token = try sim.login()
        let result = sim.call("POST", "/api/node/mo/uni/tn-Cisco.json", body: Self.tenant, token: token)
        #expect(result.status == 200)
        #expect(result.text == #"{"totalCount":"0","imdata":[]}"#)
        #expect(sim.simulator.withStore { $0["uni/tn-Cisco"]?.className } == "fvTenant")
    }

    @Test func postAtUniAtTheParentAndWithADN() throws {
        let sim = SimHarness()
        let token = try sim.login()
        #expect(sim.call("POST", "/api/mo/uni.json", body: #"{"fvTenant":{"attributes":{"name":"a"}}}"#, token: token).status == 200)
        #expect(sim.call("POST", "/api/mo/uni/tn-a.json", body: #"{"fvAp":{"attributes":{"name":"ap"}}}"#, token: token).status == 200)
        #expect(sim.call("POST", "/api/node/mo.json", body: #"{"fvAEPg":{"attributes":{"dn":"uni/tn-a/ap-ap/epg-web"}}}"#, token: token).status == 200)
        #expect(sim.call("POST", "/api/mo/uni.json", body: #"{"polUni":{"attributes":{},"children":[{"fvTenant":{"attributes":{"name":"b"}}}]}}"#, token: token).status == 200)
        let names = sim.simulator.withStore { $0.instances(of: "fvTenant").sorted() }
        #expect(names == ["uni/tn-a", "uni/tn-b", "uni/tn-common"])
        #expect(sim.simulator.withStore { $0["uni/tn-a/ap-ap/epg-web"]?.configured["name"] } == "web")
    }

    @Test(arguments: [
        (#"{"fvTenant":{"attributes":{"name":"common","status":"created"}}}"#, "103", ""),
        (#"{"fvTenant":{"attributes":{"name":"ghost","status":"modified"}}}"#, "102", "configured object ((Dn0)) not found Dn0=uni/tn-ghost, "),
        (#"{"fvFoobar":{"attributes":{"name":"x"}}}"#, "122", "unknown managed object class fvFoobar"),
        (#"{"fvTenant":{"attributes":{"name":"t","description":"x"}}}"#, "400", "unknown attribute 'description' in element 'fvTenant'"),
        (#"{"fvTenant":{"attributes":{"name":"t:colon"}}}"#, "801", "property name of tn-t:colon failed validation for value 't:colon'"),
        (#"{"fvTenant":{"attributes":{"name":"t","descr":"A <b> tag"}}}"#, "801", "property descr of uni/tn-t failed validation for value 'A <b> tag'"),
        (#"{"fvTenant":{"attributes":{"name":"t"},"children":[{"vzBrCP":{"attributes":{"name":"c","scope":"galaxy"}}}]}}"#, "120",
         "unknown property value galaxy, name scope, class vzBrCP [(Dn0)] Dn0=uni/tn-t/brc-c, "),
        (#"{"fvTenant":{"attributes":{"name":"t"},"children":[{"vzEntry":{"attributes":{"name":"e"}}}]}}"#, "400",
         "Invalid request. Can not contain child 'e-e' under parent 'uni/tn-t'"),
        (#"{"fvTenant":{"children":[],"attributes":{"name":"t"}}}"#, "400",
         "invalid data at line '1'. Attributes are missing, tag 'attributes' must be specified first, before any other tag"),
        (#"{"fvTenant":{"attributes":{"name":"t"}"#, "400", "JSON parsing failed"),
        (#"{"fvTenant":{"attributes":{"name":"t","status":"maybe"}}}"#, "120", "unknown property value maybe, name status, class fvTenant"),
    ])
    func recordedErrorCodesAndTexts(_ input: (String, String, String)) throws {
        let sim = SimHarness()
        let token = try sim.login()
        let result = sim.call("POST", "/api/mo/uni.json", body: input.0, token: token)
        #expect(result.status == 400, "\(result.text)")
        let error = APICError.from(status: result.status, body: Data(result.text.utf8))
        #expect(error.code == input.1, "\(result.text)")
        #expect(input.2.isEmpty || error.text.hasPrefix(input.2), "\(error.text)")
    }

    @Test func parentMustExist() throws {
        let sim = SimHarness()
        let token = try sim.login()
        let result = sim.call("POST", "/api/mo/uni/tn-nowhere/ap-x.json", body: #"{"fvAp":{"attributes":{"name":"x"}}}"#, token: token)
        #expect(APICError.from(status: result.status, body: Data(result.text.utf8)) == APICError(status: 400, code: "102", text: "configured object ((Dn0)) not found Dn0=uni/tn-nowhere, "))
    }

    @Test func aPostIsAtomic() throws {
        let sim = SimHarness()
        let token = try sim.login()
        let body = #"{"fvTenant":{"attributes":{"name":"atomic"},"children":[{"vzFilter":{"attributes":{"name":"ok"}}},{"vzFilter":{"attributes":{"name":"bad","prio":"x"}}}]}}"#
        #expect(sim.call("POST", "/api/mo/uni.json", body: body, token: token).status == 400)
        #expect(sim.simulator.withStore { $0["uni/tn-atomic"] } == nil)
        #expect(sim.simulator.withStore { $0["uni/tn-atomic/flt-ok"] } == nil)
    }

    @Test func portsAndProtocolsAreStoredByName() throws {
        let sim = SimHarness()
        let token = try sim.login()
        let body = #"{"fvTenant":{"attributes":{"name":"t"},"children":[{"vzFilter":{"attributes":{"name":"f"},"children":["#
            + #"{"vzEntry":{"attributes":{"name":"web","etherT":"ip","prot":"6","dFromPort":"80","dToPort":"8080"}}},"#
            + #"{"vzEntry":{"attributes":{"name":"sctp","etherT":"ip","prot":"132"}}}]}}]}}"#
        #expect(sim.call("POST", "/api/mo/uni.json", body: body, token: token).status == 200)
        let web = try #require(try sim.objects(sim.call("GET", "/api/mo/uni/tn-t/flt-f/e-web.json", token: token).text).first)
        #expect(web["prot"] == "tcp" && web["dFromPort"] == "http" && web["dToPort"] == "8080" && web["sFromPort"] == "unspecified")
        let sctp = try #require(try sim.objects(sim.call("GET", "/api/mo/uni/tn-t/flt-f/e-sctp.json", token: token).text).first)
        #expect(sctp["prot"] == "132")
        let tooHigh = sim.call("POST", "/api/mo/uni/tn-t/flt-f.json", body: #"{"vzEntry":{"attributes":{"name":"x","dFromPort":"70000"}}}"#, token: token)
        #expect(APICError.from(status: tooHigh.status, body: Data(tooHigh.text.utf8)).code == "120")
    }

    @Test func relationsResolveAtReadTimeAndNeverFailTheWrite() throws {
        let sim = SimHarness()
        let token = try sim.login()
        let body = #"{"fvTenant":{"attributes":{"name":"t"},"children":[{"fvAp":{"attributes":{"name":"ap"},"children":[{"fvAEPg":{"attributes":{"name":"web"},"children":["#
            + #"{"fvRsBd":{"attributes":{"tnFvBDName":"bd1"}}},{"fvRsProv":{"attributes":{"tnVzBrCPName":"c1"}}},"#
            + #"{"fvRsDomAtt":{"attributes":{"tDn":"uni/vmmp-Kubernetes/dom-kube","resImedcy":"immediate"}}}]}}]}}]}}"#
        #expect(sim.call("POST", "/api/mo/uni.json", body: body, token: token).status == 200)
        func relation(_ rn: String) throws -> ManagedObject {
            try #require(try sim.objects(sim.call("GET", "/api/mo/uni/tn-t/ap-ap/epg-web/\(rn).json", token: token).text).first)
        }
        #expect(try relation("rsbd")["state"] == "missing-target")
        #expect(try relation("rsbd")["tDn"] == "uni/tn-t/BD-bd1")
        #expect(try relation("rsdomAtt-[uni/vmmp-Kubernetes/dom-kube]")["tCl"] == "vmmDomP")
        #expect(sim.call("POST", "/api/mo/uni/tn-t.json", body: #"{"fvBD":{"attributes":{"name":"bd1"}}}"#, token: token).status == 200)
        #expect(try relation("rsbd")["state"] == "formed")
        // A contract found only in tenant common.
        #expect(sim.call("POST", "/api/mo/uni/tn-common.json", body: #"{"vzBrCP":{"attributes":{"name":"c1"}}}"#, token: token).status == 200)
        let provided = try relation("rsprov-c1")
        #expect(provided["state"] == "formed" && provided["tDn"] == "uni/tn-common/brc-c1")
    }

    @Test func deletesAreIdempotentAndTakeTheSubtree() throws {
        let sim = SimHarness()
        let token = try sim.login()
        #expect(sim.call("POST", "/api/mo/uni.json", body: #"{"fvTenant":{"attributes":{"name":"d"},"children":[{"vzFilter":{"attributes":{"name":"f"}}}]}}"#, token: token).status == 200)
        let deleted = sim.call("DELETE", "/api/mo/uni/tn-d.json", query: "rsp-subtree=modified", token: token)
        #expect(deleted.status == 200)
        #expect(try sim.objects(deleted.text).map { $0["dn"] ?? "" } == ["uni/tn-d/flt-f", "uni/tn-d"])
        #expect(sim.call("DELETE", "/api/mo/uni/tn-d.json", token: token).text == #"{"totalCount":"0","imdata":[]}"#)
        #expect(sim.call("POST", "/api/mo/uni.json", body: #"{"fvTenant":{"attributes":{"name":"e","status":"deleted"}}}"#, token: token).status == 200)
    }

    @Test func rspSubtreeModifiedListsTheChanges() throws {
        let sim = SimHarness()
        let token = try sim.login()
        let body = #"{"fvTenant":{"attributes":{"name":"m"},"children":[{"vzFilter":{"attributes":{"name":"f"}}}]}}"#
        let first = try sim.objects(sim.call("POST", "/api/mo/uni.json", query: "rsp-subtree=modified", body: body, token: token).text)
        #expect(first.map { "\($0["dn"]!) \($0["status"]!)" } == ["uni/tn-m created", "uni/tn-m/flt-f created"])
        #expect(try sim.objects(sim.call("POST", "/api/mo/uni.json", query: "rsp-subtree=modified", body: body, token: token).text).isEmpty)
        let changed = #"{"fvTenant":{"attributes":{"name":"m","descr":"now described"}}}"#
        #expect(try sim.objects(sim.call("POST", "/api/mo/uni.json", query: "rsp-subtree=modified", body: changed, token: token).text).map { $0["status"] } == ["modified"])
    }

    @Test func bodiesAboveOneMegabyteAreRefusedByNginx() throws {
        let sim = SimHarness()
        let token = try sim.login()
        let big = #"{"fvTenant":{"attributes":{"name":"big","descr":""# + String(repeating: "x", count: 1_100_000) + #""}}}"#
        let result = sim.call("POST", "/api/mo/uni.json", body: big, token: token)
        #expect(result.status == 413 && result.text.contains("<html>"))
    }
}

@Suite struct QueryTests {
    static func populated() throws -> (SimHarness, String) {
        let sim = SimHarness()
        let token = try sim.login()
        var children: [String] = []
        for index in 0..<30 {
            children.append(#"{"vzFilter":{"attributes":{"name":"f\#(String(format: "%02d", index))","descr":"\#(index % 2 == 0 ? "even" : "odd")"},"children":[{"vzEntry":{"attributes":{"name":"e","prot":"\#(index % 3 == 0 ? "udp" : "tcp")"}}}]}}"#)
        }
        let body = #"{"fvTenant":{"attributes":{"name":"q"},"children":["# + children.joined(separator: ",") + "]}}"
        #expect(sim.call("POST", "/api/mo/uni.json", body: body, token: token).status == 200)
        return (sim, token)
    }

    @Test func missingDNIsAnEmptyAnswerAndUnknownClassesAreErrors() throws {
        let (sim, token) = try Self.populated()
        let missing = sim.call("GET", "/api/mo/uni/tn-nothing.json", token: token)
        #expect(missing.status == 200 && missing.text == #"{"totalCount":"0","imdata":[]}"#)
        let unknown = sim.call("GET", "/api/class/fvTenantt.json", token: token)
        #expect(unknown.status == 400)
        #expect(APICError.from(status: 400, body: Data(unknown.text.utf8)).text == "Request failed, unresolved class for fvTenantt")
    }

    @Test func queryTargetsFiltersAndClasses() throws {
        let (sim, token) = try Self.populated()
        let children = try sim.objects(sim.call("GET", "/api/mo/uni/tn-q.json", query: "query-target=children&target-subtree-class=vzFilter", token: token).text)
        #expect(children.count == 30 && children.allSatisfy { $0.className == "vzFilter" })
        let subtree = try sim.objects(sim.call("GET", "/api/mo/uni/tn-q.json", query: "query-target=subtree&target-subtree-class=vzEntry&query-target-filter=eq(vzEntry.prot,%22udp%22)", token: token).text)
        #expect(subtree.count == 10)
        let combined = "and(wcard(vzFilter.name,%22f1%22),or(eq(vzFilter.descr,%22even%22),not(ne(vzFilter.name,%22f11%22))))"
        let filtered = try sim.objects(sim.call("GET", "/api/class/vzFilter.json", query: "query-target-filter=\(combined)", token: token).text)
        #expect(filtered.compactMap { $0["name"] }.sorted() == ["f10", "f11", "f12", "f14", "f16", "f18"])
        let numeric = try sim.objects(sim.call("GET", "/api/class/vzFilter.json", query: "query-target-filter=gt(vzFilter.name,%22f27%22)", token: token).text)
        #expect(numeric.compactMap { $0["name"] }.sorted() == ["f28", "f29"])
        let scoped = try sim.objects(sim.call("GET", "/api/node/class/uni/tn-q/flt-f03/vzEntry.json", token: token).text)
        #expect(scoped.count == 1 && scoped[0]["dn"] == "uni/tn-q/flt-f03/e-e")
        let badFilter = sim.call("GET", "/api/class/vzFilter.json", query: "query-target-filter=eq(vzFilter.name)", token: token)
        #expect(badFilter.status == 400)
    }

    @Test func subtreesPropertiesOrderAndPages() throws {
        let (sim, token) = try Self.populated()
        let full = try #require(try sim.objects(sim.call("GET", "/api/mo/uni/tn-q/flt-f01.json", query: "rsp-subtree=full", token: token).text).first)
        #expect(full.children.map(\.className) == ["vzEntry"])
        let naming = try #require(try sim.objects(sim.call("GET", "/api/mo/uni/tn-q/flt-f01.json", query: "rsp-prop-include=naming-only", token: token).text).first)
        #expect(Set(naming.attributes.map(\.name)) == ["dn", "name"])
        let config = try #require(try sim.objects(sim.call("GET", "/api/mo/uni/tn-q/flt-f01.json", query: "rsp-prop-include=config-only", token: token).text).first)
        #expect(config["modTs"] == nil && config["descr"] == "odd" && config["annotation"] == "")
        let all = try #require(try sim.objects(sim.call("GET", "/api/mo/uni/tn-q/flt-f01.json", token: token).text).first)
        #expect(all["modTs"] != nil && all["status"] == "")
        let ordered = sim.call("GET", "/api/class/vzFilter.json", query: "order-by=vzFilter.name%7Cdesc&page=1&page-size=7", token: token)
        let page = try sim.objects(ordered.text)
        #expect(sim.json(ordered.text)["totalCount"] as? String == "30")
        #expect(page.compactMap { $0["name"] } == ["f22", "f21", "f20", "f19", "f18", "f17", "f16"])
        let last = try sim.objects(sim.call("GET", "/api/class/vzFilter.json", query: "order-by=vzFilter.name%7Casc&page=4&page-size=7", token: token).text)
        #expect(last.compactMap { $0["name"] } == ["f28", "f29"])
    }
}

@Suite struct FaultAndStateTests {
    @Test func injectedFaults() throws {
        let sim = SimHarness()
        let token = try sim.login()
        var faults = APICSimFaults()
        faults.rejectWrites = [.init(dnContains: "tn-locked", error: APICError(status: 400, code: "120", text: "rejected"))]
        sim.simulator.faults = faults
        let rejected = sim.call("POST", "/api/mo/uni.json", body: #"{"fvTenant":{"attributes":{"name":"locked"}}}"#, token: token)
        #expect(APICError.from(status: rejected.status, body: Data(rejected.text.utf8)) == APICError(status: 400, code: "120", text: "rejected"))
        #expect(sim.simulator.withStore { $0["uni/tn-locked"] } == nil)
        faults.unavailableRate = 1
        sim.simulator.faults = faults
        let busy = sim.call("GET", "/api/class/fvTenant.json", token: token)
        #expect(busy.status == 503 && APICError.from(status: 503, body: Data(busy.text.utf8)).isHTML)
        faults = APICSimFaults()
        faults.dropRate = 1
        faults.latency = .milliseconds(250)
        sim.simulator.faults = faults
        let dropped = sim.call("GET", "/api/class/fvTenant.json", token: token).response
        #expect(dropped.drop && dropped.delay == .milliseconds(250))
        faults = APICSimFaults()
        faults.tokenLifetime = .seconds(30)
        sim.simulator.faults = faults
        sim.advance(31)
        #expect(sim.call("GET", "/api/class/fvTenant.json", token: token).text.contains("Token timeout"))
    }

    @Test func operatorEditsAndSnapshots() throws {
        let sim = SimHarness()
        _ = try sim.simulator.post(ManagedObject("fvTenant", ["name": "snap"], children: [ManagedObject("vzFilter", ["name": "f", "descr": "kept"])]))
        // An operator edits by hand, bypassing validation (e.g. a VMM domain the table does not model).
        sim.simulator.editStore { $0.put("uni/vmmp-Kubernetes", className: "vmmProvP", configured: ["vendor": "Kubernetes"], modified: 0) }
        let snapshot = sim.simulator.snapshot()
        let text = APICJSON.render(APICJSON.envelope([snapshot]))
        let other = SimHarness()
        other.simulator.restore(try #require(try APICJSON.decodeEnvelope(Data(text.utf8)).first))
        #expect(other.simulator.withStore { $0["uni/tn-snap/flt-f"]?.configured["descr"] } == "kept")
        #expect(other.simulator.withStore { $0["uni/vmmp-Kubernetes"]?.className } == "vmmProvP")
        #expect(other.simulator.withStore { $0.count } == sim.simulator.withStore { $0.count })
    }
}

/// Malformed, oversized and hostile input: a clear error, nothing changed, the emulator carries on.
@Suite struct HostileInputTests {
    @Test(arguments: [
        "",
        "null",
        "[]",
        #"{"fvTenant":"x"}"#,
        #"{"fvTenant":{"attributes":[]}}"#,
        #"{"fvTenant":{"attributes":{"name":{"nested":"x"}}}}"#,
        #"{"fvTenant":{"attributes":{"name":"t"},"children":{"vzFilter":{}}}}"#,
        #"{"fvTenant":{"attributes":{"name":"t"},"extra":1}}"#,
        #"{"fvTenant":{"attributes":{"name":"t"}},"fvAp":{"attributes":{"name":"a"}}}"#,
        "{\"fvTenant\":{\"attributes\":{\"name\":\"\u{FF}\"}}}",
        String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
        #"{"fvTenant":{"attributes":{"name":"t"},"children":["# + String(repeating: #"{"vzFilter":{"attributes":{"name":"f"},"children":["#, count: 600) + String(repeating: "]}}", count: 600) + "]}}",
        #"{"fvTenant":{"attributes":{"name":"../../etc"}}}"#,
        #"{"fvTenant":{"attributes":{"dn":"uni/tn-a/../tn-b","name":"a"}}}"#,
        #"{"fvTenant":{"attributes":{"dn":"topology/pod-1","name":"a"}}}"#,
    ])
    func malformedBodiesAreRefusedAndChangeNothing(_ body: String) throws {
        let sim = SimHarness()
        let token = try sim.login()
        let before = sim.simulator.withStore { $0.count }
        let result = sim.call("POST", "/api/mo/uni.json", body: body, token: token)
        #expect(result.status == 400, "\(body.prefix(80)): \(result.text.prefix(200))")
        #expect(APICError.from(status: result.status, body: Data(result.text.utf8)).code != "", "\(result.text.prefix(200))")
        #expect(sim.simulator.withStore { $0.count } == before)
        #expect(sim.call("GET", "/api/class/fvTenant.json", token: token).status == 200)
    }

    @Test(arguments: [
        "query-target=everything",
        "rsp-subtree=deep",
        "rsp-prop-include=some",
        "page=-1&page-size=10",
        "page-size=0",
        "order-by=name",
        "query-target-filter=eq(fvTenant.name,%22x",
        "query-target-filter=and(eq(fvTenant.name,%22x%22))",
        "query-target-filter=frobnicate(fvTenant.name,%22x%22)",
        "query-target-filter=" + String(repeating: "not(", count: 50) + "true" + String(repeating: ")", count: 50) + "junk",
    ])
    func malformedQueryOptionsAreRefused(_ query: String) throws {
        let sim = SimHarness()
        let token = try sim.login()
        let result = sim.call("GET", "/api/class/fvTenant.json", query: query, token: token)
        #expect(result.status == 400, "\(query): \(result.text)")
        #expect(result.text.hasPrefix(#"{"totalCount":"1","imdata":[{"error":"#))
    }

    @Test func oddPathsAndMethods() throws {
        let sim = SimHarness()
        let token = try sim.login()
        #expect(sim.call("GET", "/api/mo/uni.xml", token: token).status == 400)
        #expect(sim.call("GET", "/api/whatever.json", token: token).status == 400)
        #expect(sim.call("GET", "/elsewhere", token: token).status == 404)
        #expect(sim.call("PUT", "/api/mo/uni.json", token: token).status == 405)
        #expect(sim.call("GET", "/api/mo/uni/tn-%5Bweird%5D.json", token: token).text == #"{"totalCount":"0","imdata":[]}"#)
        #expect(sim.call("POST", "/api/aaaLogin.json", body: "garbage").status == 400)
        let longName = String(repeating: "n", count: 65)
        let tooLong = sim.call("POST", "/api/mo/uni/tn-common.json", body: #"{"vzFilter":{"attributes":{"name":"\#(longName)"}}}"#, token: token)
        #expect(APICError.from(status: tooLong.status, body: Data(tooLong.text.utf8)).code == "801")
    }

    @Test func filterParserRoundTrips() throws {
        let filters: [APICFilter] = [
            .eq("fvTenant", "name", "a \"quoted\" name"),
            .and([.eq("vzEntry", "prot", "tcp"), .or([.compare(.bw, className: "vzEntry", property: "dFromPort", values: ["1", "9"]), .not(.constant(false))])]),
            .xor([.compare(.wcard, className: "fvAEPg", property: "dn", values: ["epg-"]), .compare(.anybit, className: "l3extSubnet", property: "scope", values: ["import-security"])]),
        ]
        for filter in filters {
            #expect(try APICFilter.parse(filter.rendered) == filter, "\(filter.rendered)")
        }
    }
}
