import APIC
import Crypto
import Foundation
import NIOConcurrencyHelpers
import X509
import _CryptoExtras

/// One request as the emulator sees it (what the HTTP layer hands over).
public struct APICSimRequest: Sendable {
    public var method: String
    /// The path as sent (percent-encoded), without the query.
    public var path: String
    /// The raw query string, without `?`.
    public var query: String?
    public var cookies: [String: String]
    public var body: Data

    public init(method: String, path: String, query: String? = nil, cookies: [String: String] = [:], body: Data = Data()) {
        self.method = method
        self.path = path
        self.query = query
        self.cookies = cookies
        self.body = body
    }

    /// Cookies from `Cookie:` header values.
    public static func cookies(fromHeaders values: [String]) -> [String: String] {
        var cookies: [String: String] = [:]
        for value in values {
            for pair in value.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                cookies[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return cookies
    }
}

public struct APICSimResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data
    /// Close the connection without answering (an injected fault).
    public var drop = false
    /// Wait this long before answering (an injected fault).
    public var delay: Duration = .zero
}

/// A user of the emulator: a password for `aaaLogin`, and certificates (PEM) by name for signed requests.
public struct APICSimUser: Sendable, Codable, Equatable {
    public var name: String
    public var password: String?
    public var certificates: [String: String]

    public init(name: String, password: String? = nil, certificates: [String: String] = [:]) {
        self.name = name
        self.password = password
        self.certificates = certificates
    }
}

/// Faults to inject, changeable while the emulator runs.
public struct APICSimFaults: Sendable, Equatable {
    /// The share of requests (0…1) answered by nginx's 503 page.
    public var unavailableRate: Double = 0
    /// Added to every answer.
    public var latency: Duration = .zero
    /// Tokens stop working this long after they were issued or refreshed, whatever `refreshTimeoutSeconds` says.
    public var tokenLifetime: Duration?
    /// The share of requests (0…1) whose connection is closed without an answer.
    public var dropRate: Double = 0
    /// Writes touching a DN that contains `dnContains` (and, if set, of `className`) fail with this error.
    public var rejectWrites: [WriteRejection] = []

    public struct WriteRejection: Sendable, Equatable {
        public var dnContains: String
        public var className: String?
        public var error: APICError
        public init(dnContains: String, className: String? = nil, error: APICError) {
            self.dnContains = dnContains
            self.className = className
            self.error = error
        }
    }

    public init() {}
}

/// The APIC emulator: the REST protocol of `reference/apic-rest.md` over an in-memory object tree —
/// password and signature authentication, validated atomic writes, the query API, and faults.
/// Transport-free: `APICSimServer` puts it on HTTP(S); tests may call `handle` directly.
public final class APICSimulator: Sendable {
    public struct Configuration: Sendable {
        /// `refreshTimeoutSeconds`: a token not refreshed for this long stops working.
        public var refreshTimeout: Double = 600
        /// `maximumLifetimeSeconds`: no token works longer than this after its login.
        public var maximumLifetime: Double = 86_400
        /// Logins and refreshes allowed per second (nginx's throttle, 503 beyond it); nil: no throttle.
        public var loginRate: Double? = 2
        /// Largest POST body (the APIC's 1 MB).
        public var maximumBody = 1_048_576
        /// Queries returning more objects than this fail ("result dataset is too big").
        public var maximumResult = 100_000
        public var version = "6.0(9c)"
        /// Whether the transport is TLS (cookies are marked `secure`).
        public var secure = true
        public var now: @Sendable () -> Date = { Date() }
        public init() {}
    }

    struct Session {
        var user: String
        var created: Double
        var refreshed: Double
        var id: String
    }

    struct State {
        var store = APICStore()
        var users: [String: APICSimUser] = [:]
        var sessions: [String: Session] = [:]
        var faults = APICSimFaults()
        var throttleTokens: Double = 0
        var throttleStamp: Double = 0
        var requests = 0
    }

    public let configuration: Configuration
    private let state = NIOLockedValueBox(State())

    public init(configuration: Configuration = Configuration(), users: [APICSimUser] = [], seed: Bool = true) {
        self.configuration = configuration
        state.withLockedValue { state in
            for user in users { state.users[user.name] = user }
            state.throttleTokens = configuration.loginRate ?? 0
            if seed { Self.seedDefaults(&state.store) }
        }
    }

    /// The objects every fabric has: tenant `common` with its default BD and VRF.
    static func seedDefaults(_ store: inout APICStore) {
        store.put("uni/tn-common", className: "fvTenant", configured: ["name": "common"], modified: 0)
        store.put("uni/tn-common/BD-default", className: "fvBD", configured: ["name": "default"], modified: 0)
        store.put("uni/tn-common/ctx-default", className: "fvCtx", configured: ["name": "default"], modified: 0)
    }

    // MARK: state access for tests and the CLI

    public var faults: APICSimFaults {
        get { state.withLockedValue { $0.faults } }
        set { state.withLockedValue { $0.faults = newValue } }
    }

    public func addUser(_ user: APICSimUser) { state.withLockedValue { $0.users[user.name] = user } }

    /// Sessions (logins) that have not logged out; each may hold several tokens after refreshes.
    public var sessionCount: Int { state.withLockedValue { Set($0.sessions.values.map(\.id)).count } }

    /// Reads the tree directly (no authentication, no faults).
    public func withStore<T>(_ body: (APICStore) throws -> T) rethrows -> T {
        try state.withLockedValue { try body($0.store) }
    }

    /// Changes the tree directly, without validation: an operator's hand edit, or a fixture such as
    /// a VMM domain (classes outside the table are allowed here).
    public func editStore(_ body: (inout APICStore) throws -> Void) rethrows {
        try state.withLockedValue { try body(&$0.store) }
    }

    /// Applies a tree as a validated POST to `/api/mo/uni.json` would, without authentication.
    /// Throws `APICError` as the APIC would answer.
    public func post(_ object: ManagedObject, at dn: String? = nil) throws -> [APICChange] {
        try state.withLockedValue { state throws in
            let target = try APICWriteApplier.rootDN(of: object, postedAt: dn, in: state.store)
            return try APICWriteApplier.apply(object, at: target, to: &state.store, now: configuration.now().timeIntervalSince1970)
        }
    }

    /// The whole tree as one `polUni` object (for `--state` snapshots).
    public func snapshot() -> ManagedObject {
        state.withLockedValue { state in
            let reader = APICReader(store: state.store)
            var query = APICQuery()
            query.subtree = .full
            query.propertyInclude = .configOnly
            var root = reader.render("uni", query: query) ?? ManagedObject("polUni")
            func strip(_ object: inout ManagedObject, dn: String) {
                // Keep what was configured, not the defaults a read fills in.
                let entry = state.store[dn]
                object.attributes = object.attributes.filter { $0.name == "dn" || entry?.configured[$0.name] != nil }
                for index in object.children.indices {
                    strip(&object.children[index], dn: object.children[index]["dn"] ?? "")
                }
            }
            strip(&root, dn: "uni")
            return root
        }
    }

    /// Replaces the tree with a snapshot (classes outside the table are kept as they are).
    public func restore(_ root: ManagedObject) {
        state.withLockedValue { state in
            var store = APICStore()
            func load(_ object: ManagedObject, dn: String) {
                if dn != "uni" {
                    var configured: [String: String] = [:]
                    for attribute in object.attributes where attribute.name != "dn" { configured[attribute.name] = attribute.value }
                    store.put(dn, className: object.className, configured: configured, modified: 0)
                }
                for child in object.children {
                    guard let childDN = child["dn"] ?? child.rn.map({ "\(dn)/\($0)" }) else { continue }
                    load(child, dn: childDN)
                }
            }
            load(root, dn: "uni")
            state.store = store
        }
    }

    // MARK: requests

    public func handle(_ request: APICSimRequest) -> APICSimResponse {
        let faults = state.withLockedValue { state -> APICSimFaults in
            state.requests += 1
            return state.faults
        }
        var response: APICSimResponse
        if faults.dropRate > 0, Double.random(in: 0..<1) < faults.dropRate {
            response = APICSimResponse(status: 0, headers: [], body: Data(), drop: true)
        } else if faults.unavailableRate > 0, Double.random(in: 0..<1) < faults.unavailableRate {
            response = Self.nginxPage(503, "Service Temporarily Unavailable")
        } else {
            response = respond(request)
        }
        response.delay = faults.latency
        return response
    }

    private func respond(_ request: APICSimRequest) -> APICSimResponse {
        guard request.method == request.method.uppercased() else { return Self.nginxPage(400, "Bad Request") }
        let path = request.path.removingPercentEncoding ?? request.path
        guard path.hasPrefix("/api/") else { return Self.nginxPage(404, "Not Found") }
        var route = String(path.dropFirst("/api/".count))
        if route.hasSuffix(".xml") {
            return Self.error(APICError(status: 400, code: "400", text: "Request failed, the XML format is not supported by this emulator; use .json"))
        }
        guard route.hasSuffix(".json") else { return Self.error(APICError(status: 400, code: "400", text: "Request failed, unknown format of \(path)")) }
        route.removeLast(".json".count)
        let queryItems = URLComponents(string: "?" + (request.query ?? ""))?.queryItems ?? []
        do {
            switch (request.method, route) {
            case ("POST", "aaaLogin"):
                return try login(request.body)
            case ("GET", "aaaRefresh"), ("POST", "aaaRefresh"):
                return try refresh(request)
            case ("POST", "aaaLogout"):
                try authenticate(request)
                return logout(request)
            default:
                break
            }
            try authenticate(request)
            if route.hasPrefix("node/") { route.removeFirst("node/".count) }
            if route == "mo" || route.hasPrefix("mo/") {
                let dn = route == "mo" ? nil : String(route.dropFirst("mo/".count))
                switch request.method {
                case "GET":
                    guard let dn else { throw APICError(status: 400, code: "400", text: "Request failed, no DN in \(path)") }
                    return try read(base: { $0[dn] == nil ? [] : [dn] }, queryItems: queryItems)
                case "POST": return try write(request.body, at: dn, queryItems: queryItems)
                case "DELETE":
                    guard let dn else { throw APICError(status: 400, code: "400", text: "Request failed, no DN in \(path)") }
                    return try delete(dn, queryItems: queryItems)
                default: return Self.nginxPage(405, "Not Allowed")
                }
            }
            if route.hasPrefix("class/"), request.method == "GET" {
                let rest = String(route.dropFirst("class/".count))
                let parts = DN.split(rest)
                let className = parts.last ?? rest
                let scope = parts.count > 1 ? DN.join(Array(parts.dropLast())) : nil
                return try read(className: className, base: { store in
                    let all = store.instances(of: className)
                    guard let scope else { return all.sorted() }
                    return all.filter { $0 == scope || $0.hasPrefix(scope + "/") }.sorted()
                }, queryItems: queryItems)
            }
            throw APICError(status: 400, code: "400", text: "Request failed, unknown API \(request.method) \(path)")
        } catch {
            return Self.error(error as? APICError ?? APICError(status: 500, code: "1", text: "\(error)"))
        }
    }

    // MARK: authentication

    private func login(_ body: Data) throws -> APICSimResponse {
        guard let object = try? APICBody.parse(body), object.className == "aaaUser" else {
            throw APICError(status: 400, code: "400", text: "Request failed, expected {\"aaaUser\":{\"attributes\":{\"name\":…,\"pwd\":…}}}")
        }
        let name = object["name"] ?? "", password = object["pwd"] ?? ""
        let now = configuration.now().timeIntervalSince1970
        return try state.withLockedValue { state throws -> APICSimResponse in
            if let throttled = throttle(&state, now: now) { return throttled }
            guard let user = state.users[name], let expected = user.password, expected == password else {
                throw APICError(status: 401, code: "401", text: "Username or password is incorrect - FAILED local authentication")
            }
            let token = Self.newToken()
            let session = Session(user: user.name, created: now, refreshed: now, id: Self.newToken(bytes: 12))
            state.sessions[token] = session
            return sessionResponse(token: token, session: session, now: now)
        }
    }

    private func refresh(_ request: APICSimRequest) throws -> APICSimResponse {
        let now = configuration.now().timeIntervalSince1970
        return try state.withLockedValue { state throws -> APICSimResponse in
            if let throttled = throttle(&state, now: now) { return throttled }
            guard let token = Self.cookieToken(request.cookies) else { throw Self.needToken }
            guard var session = state.sessions[token], valid(session, state: state, now: now) else { throw Self.tokenTimeout }
            // A refresh issues a new token (IBM: "The token changes each time the session is refreshed");
            // the old one keeps working until it would have expired, for requests already in flight.
            session.refreshed = now
            let fresh = Self.newToken()
            state.sessions[fresh] = session
            return sessionResponse(token: fresh, session: session, now: now)
        }
    }

    private func logout(_ request: APICSimRequest) -> APICSimResponse {
        state.withLockedValue { state in
            if let token = Self.cookieToken(request.cookies), let session = state.sessions[token] {
                state.sessions = state.sessions.filter { $0.value.id != session.id }
            }
        }
        return Self.json(APICJSON.envelope([]))
    }

    private func throttle(_ state: inout State, now: Double) -> APICSimResponse? {
        guard let rate = configuration.loginRate else { return nil }
        state.throttleTokens = min(max(rate, 1), state.throttleTokens + (now - state.throttleStamp) * rate)
        state.throttleStamp = now
        guard state.throttleTokens >= 1 else { return Self.nginxPage(503, "Service Temporarily Unavailable") }
        state.throttleTokens -= 1
        return nil
    }

    private func valid(_ session: Session, state: State, now: Double) -> Bool {
        var idle = configuration.refreshTimeout
        if let lifetime = state.faults.tokenLifetime { idle = min(idle, Double(lifetime.components.seconds) + Double(lifetime.components.attoseconds) / 1e18) }
        return now - session.refreshed < idle && now - session.created < configuration.maximumLifetime
    }

    private func sessionResponse(token: String, session: Session, now: Double) -> APICSimResponse {
        let attributes: KeyValuePairs<String, String> = [
            "token": token, "siteFingerprint": "aciadmissionsim", "refreshTimeoutSeconds": String(Int(configuration.refreshTimeout)),
            "maximumLifetimeSeconds": String(Int(configuration.maximumLifetime)), "guiIdleTimeoutSeconds": "1200", "restTimeoutSeconds": "90",
            "creationTime": String(Int(session.created)), "firstLoginTime": String(Int(session.created)), "userName": session.user,
            "remoteUser": "false", "unixUserId": "15374", "sessionId": session.id, "lastName": "", "firstName": "",
            "changePassword": "no", "version": configuration.version, "buildTime": "Mon Oct 14 00:00:00 UTC 2024", "node": "topology/pod-1/node-1",
        ]
        var response = Self.json(APICJSON.envelope([ManagedObject("aaaLogin", attributes)]))
        response.headers.append(("Set-Cookie", "APIC-cookie=\(token); path=/; HttpOnly\(configuration.secure ? "; secure" : "")"))
        return response
    }

    static let needToken = APICError(status: 403, code: "403",
                                     text: "Need a valid webtoken cookie (named APIC-Cookie) or a signed request with signature in the cookie APIC-Request-Signature for all REST API requests")
    static let tokenTimeout = APICError(status: 403, code: "403", text: "Token was invalid (Error: Token timeout)")
    static let badSignature = APICError(status: 403, code: "403", text: "Signature verification failed")

    /// `APIC-cookie` or `APIC-Cookie`: the name is matched without regard to case.
    static func cookieToken(_ cookies: [String: String]) -> String? {
        cookies.first { $0.key.lowercased() == "apic-cookie" }?.value
    }

    private func authenticate(_ request: APICSimRequest) throws {
        let now = configuration.now().timeIntervalSince1970
        if let signature = request.cookies["APIC-Request-Signature"] {
            try verifySignature(signature, request: request, now: now)
            return
        }
        guard let token = Self.cookieToken(request.cookies) else { throw Self.needToken }
        try state.withLockedValue { state throws in
            guard let session = state.sessions[token], valid(session, state: state, now: now) else { throw Self.tokenTimeout }
        }
    }

    /// RSA PKCS#1 v1.5 SHA-256 over METHOD + path with query + body, checked against the certificate
    /// registered at `APIC-Certificate-DN` (reference §1.3); the path is tried unquoted, then as sent.
    private func verifySignature(_ signature: String, request: APICSimRequest, now: Double) throws {
        guard request.cookies["APIC-Certificate-Algorithm"] == "v1.0", let dn = request.cookies["APIC-Certificate-DN"],
              let signatureBytes = Data(base64Encoded: signature) else { throw Self.badSignature }
        let rns = DN.split(dn)
        guard rns.count == 4, rns[0] == "uni", rns[1] == "userext", rns[3].hasPrefix("usercert-") else { throw Self.badSignature }
        let userName: String
        if rns[2].hasPrefix("user-") { userName = String(rns[2].dropFirst("user-".count)) }
        else if rns[2].hasPrefix("appuser-") { userName = String(rns[2].dropFirst("appuser-".count)) }
        else { throw Self.badSignature }
        let certificateName = String(rns[3].dropFirst("usercert-".count))
        guard let pem = state.withLockedValue({ $0.users[userName]?.certificates[certificateName] }),
              let certificate = try? Certificate(pemEncoded: pem),
              let key = _RSA.Signing.PublicKey(certificate.publicKey) else { throw Self.badSignature }
        let date = Date(timeIntervalSince1970: now)
        guard certificate.notValidBefore <= date, date <= certificate.notValidAfter else { throw Self.badSignature }
        let query = request.query.map { "?" + $0 } ?? ""
        let candidates = [(request.path.removingPercentEncoding ?? request.path) + ((request.query?.removingPercentEncoding).map { "?" + $0 } ?? ""),
                          request.path + query]
        let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signatureBytes)
        for path in candidates {
            let signed = Data((request.method + path).utf8) + request.body
            if key.isValidSignature(rsaSignature, for: signed, padding: .insecurePKCS1v1_5) { return }
        }
        throw Self.badSignature
    }

    static func newToken(bytes: Int = 48) -> String {
        Data((0..<bytes).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    // MARK: writes and reads

    private func write(_ body: Data, at dn: String?, queryItems: [URLQueryItem]) throws -> APICSimResponse {
        guard body.count <= configuration.maximumBody else { return Self.nginxPage(413, "Request Entity Too Large") }
        let object = try APICBody.parse(body)
        let changes: [APICChange] = try state.withLockedValue { state throws -> [APICChange] in
            let target = try APICWriteApplier.rootDN(of: object, postedAt: dn, in: state.store)
            // A rejection rule fails the POST before anything is applied.
            if !state.faults.rejectWrites.isEmpty {
                let touched = object.flattened(parentDN: DN.parent(of: target) ?? "")
                for rule in state.faults.rejectWrites
                where touched.contains(where: { $0.dn.contains(rule.dnContains) && (rule.className == nil || rule.className == $0.object.className) }) {
                    throw rule.error
                }
            }
            return try APICWriteApplier.apply(object, at: target, to: &state.store, now: configuration.now().timeIntervalSince1970)
        }
        guard queryItems.contains(where: { $0.name == "rsp-subtree" && $0.value == "modified" }) else { return Self.json(APICJSON.envelope([])) }
        let objects = changes.map { change in
            ManagedObject(className: change.className, attributes: [.init("dn", change.dn), .init("status", change.kind.rawValue)])
        }
        return Self.json(APICJSON.envelope(objects))
    }

    private func delete(_ dn: String, queryItems: [URLQueryItem]) throws -> APICSimResponse {
        let removed: [(String, String)] = try state.withLockedValue { state throws -> [(String, String)] in
            let victims = state.store.subtree(dn).map { ($0, state.store[$0]?.className ?? "") }
            for rule in state.faults.rejectWrites {
                if victims.contains(where: { $0.0.contains(rule.dnContains) && (rule.className == nil || rule.className == $0.1) }) { throw rule.error }
            }
            state.store.remove(dn)
            return victims
        }
        guard queryItems.contains(where: { $0.name == "rsp-subtree" && $0.value == "modified" }) else { return Self.json(APICJSON.envelope([])) }
        return Self.json(APICJSON.envelope(removed.reversed().map { ManagedObject(className: $0.1, attributes: [.init("dn", $0.0), .init("status", "deleted")]) }))
    }

    private func read(className: String? = nil, base: (APICStore) -> [String], queryItems: [URLQueryItem]) throws -> APICSimResponse {
        let query = try APICQuery(queryItems: queryItems)
        let (total, objects): (Int, [ManagedObject]) = try state.withLockedValue { state throws in
            if let className, APICClass.named(className) == nil, !state.store.hasClass(className) {
                throw APICError(status: 400, code: "400", text: "Request failed, unresolved class for \(className)")
            }
            let reader = APICReader(store: state.store)
            let selected = reader.select(base: base(state.store), query: query)
            if selected.count > configuration.maximumResult, query.pageSize == nil {
                throw APICError(status: 400, code: "400", text: "Unable to process the query, result dataset is too big")
            }
            return (selected.count, APICReader.page(selected, query: query).compactMap { reader.render($0, query: query) })
        }
        return APICSimResponse(status: 200, headers: Self.jsonHeaders, body: Data(APICJSON.envelopeBytes(objects, totalCount: total)))
    }

    // MARK: response shapes

    static let jsonHeaders: [(String, String)] = [("Content-Type", "application/json"), ("Server", "Cisco APIC")]

    static func json(_ value: APICJSON.Value, status: Int = 200) -> APICSimResponse {
        APICSimResponse(status: status, headers: jsonHeaders, body: Data(APICJSON.bytes(value)))
    }

    static func error(_ error: APICError) -> APICSimResponse {
        var headers = jsonHeaders
        headers += [("Access-Control-Allow-Headers", "Origin, X-Requested-With, Content-Type, Accept, DevCookie, APIC-challenge, Request-Tag"),
                    ("Access-Control-Allow-Methods", "POST,GET,OPTIONS,DELETE")]
        return APICSimResponse(status: error.status, headers: headers, body: Data(error.body.utf8))
    }

    /// nginx's own pages (throttling, busy, size limits): HTML, not the APIC's JSON.
    static func nginxPage(_ status: Int, _ reason: String) -> APICSimResponse {
        let html = "<html>\r\n<head><title>\(status) \(reason)</title></head>\r\n<body>\r\n<center><h1>\(status) \(reason)</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        return APICSimResponse(status: status, headers: [("Content-Type", "text/html"), ("Server", "nginx")], body: Data(html.utf8))
    }
}
