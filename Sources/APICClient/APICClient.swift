import APIC
import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import _CryptoExtras

/// A client of the APIC REST API (reference §1–3): password sessions (login, refresh before
/// `refreshTimeoutSeconds` runs out, a new login before `maximumLifetimeSeconds`, one transparent
/// re-login on a 403 token error, logout) or X.509 request signatures; subtree POSTs, deletes,
/// object and class queries with every page fetched.
public actor APICClient {
    public enum Credentials: Sendable {
        case password(user: String, password: String)
        /// Signed requests with the private key of the certificate registered as `certificateName`
        /// on the local user (or, with `appUser`, the application user) `user`.
        case signature(user: String, certificateName: String, privateKeyPEM: String, appUser: Bool = false)
    }

    public struct Configuration: Sendable {
        /// `https://apic.example.com` (or `http://…` for an emulator run with `--plain`).
        public var baseURL: String
        public var credentials: Credentials
        /// PEM bundle that signs the APIC's certificate; nil: the system's roots.
        public var caFile: String?
        /// Skip certificate verification. Only when asked for explicitly.
        public var insecure = false
        public var connectTimeout: Duration = .seconds(10)
        /// nginx on the APIC gives up after 90 s; a request waits a little longer.
        public var requestTimeout: Duration = .seconds(100)
        /// Objects per page for queries that fetch every page.
        public var pageSize = 10_000
        /// Refresh once this share of `refreshTimeoutSeconds` has passed.
        public var refreshAt = 0.5

        public init(baseURL: String, credentials: Credentials) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.credentials = credentials
        }
    }

    struct Session {
        var token: String
        var refreshTimeout: Double
        var refreshed: Date
        var loginBy: Date
    }

    public nonisolated let configuration: Configuration
    private let http: HTTPClient
    private let signingKey: _RSA.Signing.PrivateKey?
    private var session: Session?
    /// Counters for tests and metrics.
    public private(set) var logins = 0
    public private(set) var refreshes = 0

    public init(configuration: Configuration) throws {
        self.configuration = configuration
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = configuration.caFile { tls.trustRoots = .file(caFile) }
        if configuration.insecure { tls.certificateVerification = .none }
        var settings = HTTPClient.Configuration(tlsConfiguration: tls)
        settings.timeout = .init(connect: TimeAmount(configuration.connectTimeout), read: TimeAmount(configuration.requestTimeout))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
        if case .signature(_, _, let pem, _) = configuration.credentials {
            signingKey = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } else {
            signingKey = nil
        }
    }

    /// Ends the session (password mode) and closes the connections.
    public func shutdown() async throws {
        if session != nil { try? await logout() }
        try await http.shutdown()
    }

    // MARK: sessions

    public func login() async throws {
        guard case .password(let user, let password) = configuration.credentials else { return }
        let body = APICJSON.render(APICJSON.value(ManagedObject("aaaUser", ["name": user, "pwd": password]), includeEmptyChildren: false))
        let (status, data) = try await send("POST", "/api/aaaLogin.json", body: Data(body.utf8), authenticated: false)
        guard status == 200 else { throw APICError.from(status: status, body: data) }
        session = try Self.session(from: data)
        logins += 1
    }

    public func logout() async throws {
        guard case .password(let user, _) = configuration.credentials, session != nil else { return }
        let body = APICJSON.render(APICJSON.value(ManagedObject("aaaUser", ["name": user]), includeEmptyChildren: false))
        _ = try? await send("POST", "/api/aaaLogout.json", body: Data(body.utf8))
        session = nil
    }

    private func refresh() async throws {
        let (status, data) = try await send("GET", "/api/aaaRefresh.json", body: Data())
        guard status == 200 else { throw APICError.from(status: status, body: data) }
        let loginBy = session?.loginBy
        session = try Self.session(from: data)
        // A refresh extends the idle timeout, not the session's absolute lifetime.
        if let loginBy { session?.loginBy = loginBy }
        refreshes += 1
    }

    /// Expiry from the answer's own durations, measured on this host's clock from the moment the
    /// answer arrived — so a clock offset between the APIC and this host does not matter.
    static func session(from data: Data) throws -> Session {
        let objects = try APICJSON.decodeEnvelope(data)
        guard let login = objects.first, let token = login["token"] else {
            throw APICError(status: 200, code: "", text: "login answer without a token")
        }
        let refresh = Double(login["refreshTimeoutSeconds"] ?? "") ?? 300
        let lifetime = Double(login["maximumLifetimeSeconds"] ?? "") ?? 86_400
        let now = Date()
        return Session(token: token, refreshTimeout: refresh, refreshed: now, loginBy: now.addingTimeInterval(lifetime))
    }

    /// A session good for the next request: logs in, refreshes or logs in again as needed.
    private func ensureSession() async throws {
        guard case .password = configuration.credentials else { return }
        guard let current = session else { return try await login() }
        let idle = Date().timeIntervalSince(current.refreshed)
        if Date().addingTimeInterval(60) >= current.loginBy || idle >= current.refreshTimeout {
            try await login()
        } else if idle >= current.refreshTimeout * configuration.refreshAt {
            do { try await refresh() } catch let error as APICError where error.isTokenError { try await login() }
        }
    }

    // MARK: requests

    /// Sends an authenticated API request; on a 403 token error, logs in again and retries once.
    func request(_ method: String, _ path: String, query: [URLQueryItem] = [], body: Data = Data()) async throws -> Data {
        try await ensureSession()
        var (status, data) = try await send(method, path, query: query, body: body)
        if status == 403, case .password = configuration.credentials, APICError.from(status: status, body: data).isTokenError {
            try await login()
            (status, data) = try await send(method, path, query: query, body: body)
        }
        guard (200..<300).contains(status) else { throw APICError.from(status: status, body: data) }
        return data
    }

    private func send(_ method: String, _ path: String, query: [URLQueryItem] = [], body: Data, authenticated: Bool = true) async throws -> (Int, Data) {
        var components = URLComponents()
        components.queryItems = query.isEmpty ? nil : query
        // `+`, `,` and quotes inside filter values must survive as themselves.
        let encodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        let encodedPath = Self.encodePath(path)
        var request = HTTPClientRequest(url: configuration.baseURL + encodedPath + (encodedQuery.map { "?" + $0 } ?? ""))
        request.method = HTTPMethod(rawValue: method)
        if !body.isEmpty || method == "POST" {
            request.body = .bytes(ByteBuffer(data: body))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        if authenticated {
            if let signingKey, case .signature(let user, let certificateName, _, let appUser) = configuration.credentials {
                let unquotedQuery = encodedQuery.flatMap { $0.removingPercentEncoding }.map { "?" + $0 } ?? ""
                let signed = Data((method + path + unquotedQuery).utf8) + body
                let signature = try signingKey.signature(for: signed, padding: .insecurePKCS1v1_5)
                let dn = "uni/userext/\(appUser ? "appuser" : "user")-\(user)/usercert-\(certificateName)"
                request.headers.add(name: "Cookie", value: "APIC-Request-Signature=\(signature.rawRepresentation.base64EncodedString()); "
                    + "APIC-Certificate-Algorithm=v1.0; APIC-Certificate-Fingerprint=fingerprint; APIC-Certificate-DN=\(dn)")
            } else if let session {
                request.headers.add(name: "Cookie", value: "APIC-cookie=\(session.token)")
            }
        }
        let response = try await http.execute(request, timeout: TimeAmount(configuration.requestTimeout))
        let data = try await response.body.collect(upTo: 512 * 1024 * 1024)
        return (Int(response.status.code), Data(buffer: data))
    }

    /// Percent-encodes what a URL path cannot carry (DN brackets, spaces), keeping `/`.
    static func encodePath(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "[]")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    // MARK: API

    /// Posts `object` at `dn` (the object's own DN, or its parent's — the APIC accepts both).
    /// Returns the objects the APIC reports changed (`rsp-subtree=modified`).
    @discardableResult
    public func post(_ object: ManagedObject, at dn: String = "uni") async throws -> [ManagedObject] {
        let body = Data(APICJSON.render(APICJSON.value(object, includeEmptyChildren: false)).utf8)
        let data = try await request("POST", "/api/mo/\(dn).json", query: [URLQueryItem(name: "rsp-subtree", value: "modified")], body: body)
        return try APICJSON.decodeEnvelope(data)
    }

    /// Deletes the object at `dn` and its subtree (no error when it does not exist).
    public func delete(_ dn: String) async throws {
        _ = try await request("DELETE", "/api/mo/\(dn).json")
    }

    /// The object at `dn`, or nil when there is none.
    public func object(_ dn: String, query: APICQuery = APICQuery()) async throws -> ManagedObject? {
        try await all("/api/mo/\(dn).json", query: query).first
    }

    /// What `/api/mo/<dn>.json` returns with `query` (e.g. `query-target=subtree`), every page.
    public func objects(under dn: String, query: APICQuery) async throws -> [ManagedObject] {
        try await all("/api/mo/\(dn).json", query: query)
    }

    /// Every instance of `className` (under `dn` when given), every page.
    public func instances(of className: String, under dn: String? = nil, query: APICQuery = APICQuery()) async throws -> [ManagedObject] {
        try await all(dn.map { "/api/node/class/\($0)/\(className).json" } ?? "/api/class/\(className).json", query: query)
    }

    /// Fetches page after page (`page-size`, 0-based `page`) until `totalCount` objects arrived.
    private func all(_ path: String, query: APICQuery) async throws -> [ManagedObject] {
        var paged = query
        paged.pageSize = query.pageSize ?? configuration.pageSize
        paged.page = query.page ?? 0
        var result: [ManagedObject] = []
        while true {
            let data = try await request("GET", path, query: paged.queryItems)
            guard let top = try JSONSerialization.jsonObject(with: data) as? [String: Any], let imdata = top["imdata"] as? [Any] else {
                throw APICError(status: 200, code: "", text: "answer without imdata")
            }
            let total = Int(top["totalCount"] as? String ?? "") ?? imdata.count
            result += try imdata.map(APICJSON.decodeObject)
            if query.page != nil || imdata.isEmpty || result.count >= total { return result }
            paged.page! += 1
        }
    }
}
