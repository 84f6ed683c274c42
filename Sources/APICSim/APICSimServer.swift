import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// The emulator on HTTP(S): every request under `/api/` goes to `APICSimulator.handle`.
public struct APICSimServer: Sendable {
    public let simulator: APICSimulator
    public let host: String
    public let port: Int
    /// nil: plain HTTP.
    public let tls: TLSConfiguration?
    public let logger: Logger

    public init(simulator: APICSimulator, host: String = "127.0.0.1", port: Int = 8444, tls: TLSConfiguration?, logger: Logger) {
        self.simulator = simulator
        self.host = host
        self.port = port
        self.tls = tls
        self.logger = logger
    }

    /// A request context that keeps the connection, so that an injected fault can drop it.
    public struct Context: RequestContext {
        public var coreContext: CoreRequestContextStorage
        let channel: any Channel

        public init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            channel = source.channel
        }

        /// The APIC takes up to 1 MB per POST; bodies above it are answered by the emulator, so let them through.
        public var maxUploadSize: Int { 16 * 1024 * 1024 }
    }

    func router() -> Router<Context> {
        let router = Router(context: Context.self)
        let simulator = self.simulator
        let handler: @Sendable (Request, Context) async throws -> Response = { request, context in
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            let cookies = APICSimRequest.cookies(fromHeaders: request.headers[values: .cookie])
            let path = request.uri.path
            let query = request.uri.query
            let response = simulator.handle(APICSimRequest(method: request.method.rawValue, path: path, query: query, cookies: cookies, body: Data(buffer: body)))
            if response.delay > .zero { try await Task.sleep(for: response.delay) }
            if response.drop {
                try? await context.channel.close()
                throw HTTPError(.internalServerError)
            }
            var headers = HTTPFields()
            for (name, value) in response.headers {
                if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
            }
            return Response(status: .init(code: response.status), headers: headers, body: .init(byteBuffer: ByteBuffer(data: response.body)))
        }
        for method in [HTTPRequest.Method.get, .post, .delete, .put, .patch] {
            router.on("/api/**", method: method, use: handler)
        }
        return router
    }

    public func application(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let server: HTTPServerBuilder = try tls.map { try .tls(tlsConfiguration: $0) } ?? .http1()
        return Application(router: router(), server: server,
                           configuration: .init(address: .hostname(host, port: port), serverName: "Cisco APIC"),
                           onServerRunning: onServerRunning, logger: logger)
    }
}
