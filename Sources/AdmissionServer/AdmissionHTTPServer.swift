import AdmissionEngine
import ContractCompiler
import EPGPolicy
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypesHTTP2
import NIOSSL
import Prometheus
import ServiceLifecycle

/// `aci-admission serve`: the admission webhook over HTTPS (TLS 1.2+, ALPN `h2` and `http/1.1`).
public struct AdmissionHTTPServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 8443
        /// Largest request body accepted (413 above).
        public var bodyLimit = 7 * 1024 * 1024
        /// How often the policy and certificate files are checked for changes.
        public var reloadInterval: Duration = .seconds(2)
        /// PEM bundle of CAs whose client certificates are required (mTLS); nil: no client certificates.
        public var clientCA: String?
        /// Admission requests handled at once; beyond it the server answers 503 at once (the apiserver
        /// then applies the webhook's failurePolicy) rather than queueing without bound.
        public var maxConcurrentRequests = 256
        /// A connection must finish its TLS handshake within this, or it is closed.
        public var handshakeTimeout: Duration = .seconds(10)
        /// A connection with no request in progress (and, over HTTP/1.1, no bytes arriving) for this
        /// long is closed; the apiserver reconnects when it next needs one.
        public var idleTimeout: Duration = .seconds(90)
        /// The whole body must arrive within this once the headers have (408 otherwise): a client that
        /// trickles its body cannot hold a request slot for longer.
        public var bodyTimeout: Duration = .seconds(10)
        public init() {}
    }

    public let configuration: Configuration
    public let policies: PolicyStore
    public let certificates: CertificateReloader
    public let sink: ChangeSink
    public let snapshot: @Sendable () -> ClusterSnapshot
    public let metrics: ServerMetrics
    public let logger: Logger
    private let inFlight = NIOLockedValueBox(0)

    public init(configuration: Configuration, policies: PolicyStore, certificates: CertificateReloader, sink: ChangeSink,
                snapshot: @escaping @Sendable () -> ClusterSnapshot, metrics: ServerMetrics = ServerMetrics(), logger: Logger) {
        self.configuration = configuration
        self.policies = policies
        self.certificates = certificates
        self.sink = sink
        self.snapshot = snapshot
        self.metrics = metrics
        self.logger = logger
    }

    /// The TLS configuration: TLS 1.2 or newer, the current serving pair on every handshake.
    public func tlsConfiguration() throws -> TLSConfiguration {
        var tls = certificates.serverTLSConfiguration()
        if let clientCA = configuration.clientCA {
            tls.trustRoots = .file(clientCA)
            tls.certificateVerification = .noHostnameVerification
        }
        return tls
    }

    /// The request context: Hummingbird's, plus the request's channel (the connection, or the HTTP/2
    /// stream), whose event loop times the body.
    public struct Context: RequestContext {
        public var coreContext: CoreRequestContextStorage
        let channel: any Channel

        public init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            channel = source.channel
        }
    }

    public func router() -> Router<Context> {
        let router = Router(context: Context.self)
        for endpoint in [AdmissionDecider.Endpoint.mutate, .validate] {
            router.post(RouterPath("/\(endpoint.rawValue)")) { request, context in try await admit(request, channel: context.channel, endpoint: endpoint) }
            for method in [HTTPRequest.Method.get, .put, .delete, .patch] {
                router.on(RouterPath("/\(endpoint.rawValue)"), method: method) { _, _ in
                    plain(.methodNotAllowed, "use POST with an AdmissionReview\n", extra: [.allow: "POST"])
                }
            }
            // A HEAD response carries no body (HTTP/2 resets a stream whose HEAD response has one).
            router.on(RouterPath("/\(endpoint.rawValue)"), method: .head) { _, _ in
                Response(status: .methodNotAllowed, headers: [.allow: "POST"])
            }
        }
        router.get("/healthz") { _, _ in plain(.ok, "ok\n") }
        router.get("/readyz") { _, _ in plain(.ok, "ready: policy \(policies.policy.hash), serving certificate valid until \(certificates.current.notAfter)\n") }
        router.get("/metrics") { _, _ in
            metrics.certificateExpiry.set(certificates.current.notAfter.timeIntervalSince1970)
            var buffer: [UInt8] = []
            metrics.registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        return router
    }

    private func plain(_ status: HTTPResponse.Status, _ text: String, extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func admit(_ request: Request, channel: any Channel, endpoint: AdmissionDecider.Endpoint) async throws -> Response {
        let start = ContinuousClock.now
        let admitted = inFlight.withLockedValue { count -> Bool in
            guard count < configuration.maxConcurrentRequests else { return false }
            count += 1
            return true
        }
        guard admitted else {
            metrics.badRequest("busy")
            return plain(.serviceUnavailable, "too many admission requests in flight; try again\n")
        }
        metrics.inFlight.increment()
        defer {
            metrics.inFlight.decrement()
            inFlight.withLockedValue { $0 -= 1 }
        }
        // The apiserver appends ?timeout=10s: answer within it, or fail fast once it has passed.
        var deadline: ContinuousClock.Instant?
        if let timeout = request.uri.queryParameters["timeout"] {
            guard let duration = AdmissionHTTPServer.parseTimeout(String(timeout)) else {
                metrics.badRequest("timeout")
                return plain(.badRequest, "timeout \"\(timeout)\" is not a duration such as 10s or 500ms\n")
            }
            deadline = start + duration
        }
        guard let contentType = request.headers[.contentType], contentType.lowercased().hasPrefix("application/json") else {
            metrics.badRequest("content-type")
            return plain(.unsupportedMediaType, "Content-Type must be application/json\n")
        }
        let body: ByteBuffer
        do {
            body = try await collectBody(request, channel: channel)
        } catch is BodyTimeout {
            metrics.badRequest("slow-body")
            // HTTP/1.1: the connection is in an unknown state, so it ends. HTTP/2 has no `Connection`
            // header (a response with one is malformed); the stream ends and the connection goes on.
            return plain(.requestTimeout, "the request body did not arrive within \(configuration.bodyTimeout)\n",
                         extra: await Self.isHTTP2Stream(channel) ? [:] : [.connection: "close"])
        } catch is NIOTooManyBytesError {
            metrics.badRequest("too-large")
            return plain(.contentTooLarge, "request body larger than \(configuration.bodyLimit) bytes\n")
        } catch {
            // The client went away mid-body, or its stream was reset: most likely no one reads this.
            metrics.badRequest("body-read")
            return plain(.badRequest, "the request body could not be read: \(error)\n")
        }
        if let deadline, ContinuousClock.now >= deadline {
            metrics.badRequest("deadline")
            return plain(.serviceUnavailable, "the request's timeout passed before it could be decided\n")
        }
        let review: AdmissionReview
        do {
            review = try AdmissionReviewDecoder.decode(Data(buffer: body))
        } catch let error as AdmissionDecodeError {
            metrics.badRequest("malformed")
            return plain(.badRequest, "malformed AdmissionReview: \(error.message)\n")
        }
        let decision = AdmissionDecider(policy: policies.policy).decide(review, endpoint: endpoint, cluster: snapshot())
        if let change = decision.change {
            do {
                try await sink.record(change)
            } catch {
                logger.error("cannot record an admitted change; failing the request", metadata: ["uid": .string(review.request.uid), "error": .string("\(error)")])
                return plain(.internalServerError, "cannot record the change: \(error)\n")
            }
        }
        let elapsed = ContinuousClock.now - start
        metrics.record(endpoint: endpoint.rawValue, decision: decision, duration: elapsed)
        logger.info("admission", metadata: [
            "uid": .string(review.request.uid), "endpoint": .string(endpoint.rawValue), "kind": .string(decision.kind),
            "object": .string("\(decision.namespace)/\(decision.name)"), "operation": .string(decision.operation),
            "verdict": .string(decision.verdict.rawValue), "epg": .string(decision.epg ?? "-"),
            "us": .stringConvertible(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000),
        ])
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(data: decision.response.reviewJSON(apiVersion: review.apiVersion))))
    }

    private struct BodyTimeout: Error {}

    /// Whether a request's channel is an HTTP/2 stream (its pipeline turns HTTP/2 frames into HTTP
    /// parts) rather than an HTTP/1.1 connection.
    static func isHTTP2Stream(_ channel: any Channel) async -> Bool {
        (try? await channel.pipeline.handler(type: HTTP2FramePayloadToHTTPServerCodec.self).get()) != nil
    }

    /// The body, up to the limit, within the body timeout. The timeout is a timer on the channel's
    /// event loop that fails the channel's inbound stream, so the read ends with an error: no task
    /// races the read (two child tasks per request on the hot path), and no timer outlives the
    /// request (a cancelled `Task.sleep` keeps its timer queued for the whole duration — at thousands
    /// of requests per second, tens of MiB of dead timers).
    private func collectBody(_ request: Request, channel: any Channel) async throws -> ByteBuffer {
        let timedOut = NIOLockedValueBox(false)
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.bodyTimeout)) {
            timedOut.withLockedValue { $0 = true }
            channel.pipeline.fireErrorCaught(BodyTimeout())
        }
        defer { timer.cancel() }
        do {
            return try await request.body.collect(upTo: configuration.bodyLimit)
        } catch where timedOut.withLockedValue({ $0 }) {
            throw BodyTimeout()
        }
    }

    /// `10s`, `500ms`, `1m` (what the apiserver sends as `?timeout=`); nil when malformed or not positive.
    static func parseTimeout(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value > 0, value.isFinite else { return nil }
            return .milliseconds(Int64(value * scale * 1000))
        }
        return nil
    }

    /// The Hummingbird application, ready to run (as a service, or with `runService()`).
    public func application(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let tls = try tlsConfiguration()
        let channel = HTTP2ChannelConfiguration(idleTimeout: configuration.idleTimeout, gracefulCloseTimeout: .seconds(5),
                                                streamConfiguration: HTTP1Channel.Configuration(idleTimeout: TimeAmount(configuration.idleTimeout)))
        let handshakeTimeout = TimeAmount(configuration.handshakeTimeout)
        let server = HTTPServerBuilder { responder in
            HandshakeDeadline(inner: try HTTP2UpgradeChannel(tlsConfiguration: tls, configuration: channel, responder: responder), timeout: handshakeTimeout)
        }
        return Application(router: router(), server: server,
                    configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "aci-admission"),
                    services: [Reloader(server: self)], onServerRunning: onServerRunning, logger: logger)
    }

    /// Polls the policy and certificate files and applies changes (ConfigMap symlink swaps and
    /// cert-manager rotations included: the files are re-read, not watched by inode).
    struct Reloader: Service {
        let server: AdmissionHTTPServer

        func run() async throws {
            server.metrics.policyHash(server.policies.policy.hash)
            // Stop polling as soon as a graceful shutdown begins, so that the server can drain and exit.
            await cancelWhenGracefulShutdown { await poll() }
        }

        private func poll() async {
            while !Task.isCancelled {
                try? await Task.sleep(for: server.configuration.reloadInterval)
                let outcome = server.policies.reload()
                if outcome.changed {
                    server.metrics.policyReloads(ok: true)
                    server.metrics.policyHash(server.policies.policy.hash)
                    server.logger.info("policy reloaded", metadata: ["policy_hash": .string(server.policies.policy.hash)])
                } else if !outcome.errors.isEmpty {
                    server.metrics.policyReloads(ok: false)
                    server.logger.error("policy file rejected; the last good policy stays active", metadata: ["errors": .string(outcome.errors.joined(separator: " | "))])
                }
                do {
                    if try server.certificates.reloadIfChanged() {
                        server.logger.info("serving certificate reloaded", metadata: ["not_after": .string("\(server.certificates.current.notAfter)")])
                    }
                } catch {
                    server.logger.error("serving certificate files rejected; the previous pair stays in use", metadata: ["error": .string("\(error)")])
                }
            }
        }
    }
}

/// Prometheus metrics, `aci_admission_` prefix, no per-object label values.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let inFlight: Gauge
    let certificateExpiry: Gauge
    private static let kinds: Set<String> = ["Namespace", "Pod", "NetworkPolicy", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                                             "ReplicationController", "Job", "CronJob"]

    public init() {
        inFlight = registry.makeGauge(name: "aci_admission_requests_in_flight", help: "Admission requests being handled")
        certificateExpiry = registry.makeGauge(name: "aci_admission_serving_certificate_expiry_timestamp_seconds", help: "When the serving certificate expires")
    }

    func record(endpoint: String, decision: AdmissionDecision, duration: Duration) {
        let kind = ServerMetrics.kinds.contains(decision.kind) ? decision.kind : "other"
        registry.makeCounter(name: "aci_admission_requests_total",
                             labels: [("endpoint", endpoint), ("kind", kind), ("operation", decision.operation), ("verdict", decision.verdict.rawValue)],
                             help: "Admission decisions").increment()
        registry.makeDurationHistogram(name: "aci_admission_request_duration_seconds", labels: [("endpoint", endpoint)],
                                       buckets: [.microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
                                                 .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100)],
                                       help: "Time from request to decision").recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    func badRequest(_ reason: String) {
        registry.makeCounter(name: "aci_admission_bad_requests_total", labels: [("reason", reason)], help: "Requests answered before any decision (4xx; 503 when busy or past their timeout), by reason").increment()
    }

    func policyReloads(ok: Bool) {
        registry.makeCounter(name: "aci_admission_policy_reloads_total", labels: [("result", ok ? "ok" : "failed")], help: "Policy file reloads").increment()
    }

    private let activeHash = NIOLockedValueBox<String?>(nil)

    /// The active policy's hash as `aci_admission_policy_info{hash=…} 1`; the previous one goes to 0.
    func policyHash(_ hash: String) {
        let previous = activeHash.withLockedValue { value -> String? in
            defer { value = hash }
            return value
        }
        if let previous, previous != hash {
            registry.makeGauge(name: "aci_admission_policy_info", labels: [("hash", previous)], help: "The active policy (value 1)").set(Double(0))
        }
        registry.makeGauge(name: "aci_admission_policy_info", labels: [("hash", hash)], help: "The active policy (value 1)").set(Double(1))
    }
}
