import AdmissionEngine
import ContractCompiler
import EPGPolicy
import Foundation
import KubernetesModel
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import NIOSSL

// A measuring stick, not a server to run: the same admission decision (decode → decide → record →
// log → encode) behind a bare SwiftNIO pipeline (TLS, HTTP/1.1, one handler deciding on the event
// loop), without Hummingbird, Swift Concurrency, timeouts, limits or metrics. bench/transport.sh
// compares it with `aci-admission serve` to tell how much of the server's CPU per request its
// transport costs.
//
// usage: bare-nio-webhook PORT CERT KEY POLICY

let arguments = CommandLine.arguments
guard arguments.count == 5, let port = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: bare-nio-webhook PORT CERT KEY POLICY\n".utf8))
    exit(2)
}
let policyPath = arguments[4]
let policy = try PolicyLoader.load(text: String(contentsOfFile: policyPath, encoding: .utf8), source: policyPath).get()
var inventory = Inventory()
inventory.add(namespace: Namespace(name: "shop"))
let cluster = ClusterSnapshot(inventory: inventory)
// What the server's in-memory sink does per change: a bounded record under a lock.
let recent = NIOLockedValueBox([AdmittedChange]())
LoggingSystem.bootstrap { StreamLogHandler.standardOutput(label: $0) }
let logger = Logger(label: "bare-nio-webhook")

final class AdmissionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private var body = ByteBuffer()
    private var head: HTTPRequestHead?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head, head.method == .POST, head.uri.hasPrefix("/mutate") else {
                return respond(context, .methodNotAllowed, Data("POST /mutate only\n".utf8))
            }
            let start = ContinuousClock.now
            let review: AdmissionReview
            do {
                review = try AdmissionReviewDecoder.decode(Data(buffer: body))
            } catch {
                return respond(context, .badRequest, Data("malformed AdmissionReview: \(error)\n".utf8))
            }
            let decision = AdmissionDecider(policy: policy).decide(review, endpoint: .mutate, cluster: cluster)
            if let change = decision.change {
                recent.withLockedValue { if $0.count == 1_000 { $0.removeFirst(500) }; $0.append(change) }
            }
            let elapsed = ContinuousClock.now - start
            logger.info("admission", metadata: [
                "uid": .string(review.request.uid), "endpoint": "mutate", "kind": .string(decision.kind),
                "object": .string("\(decision.namespace)/\(decision.name)"), "operation": .string(decision.operation),
                "verdict": .string(decision.verdict.rawValue), "epg": .string(decision.epg ?? "-"),
                "us": .stringConvertible(elapsed.components.attoseconds / 1_000_000_000_000),
            ])
            respond(context, .ok, decision.response.reviewJSON(apiVersion: review.apiVersion), json: true)
        }
    }

    private func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ payload: Data, json: Bool = false) {
        var headers = HTTPHeaders([("content-type", json ? "application/json" : "text/plain"), ("content-length", "\(payload.count)")])
        if head?.isKeepAlive == false { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(data: payload)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

var tls = TLSConfiguration.makeServerConfiguration(
    certificateChain: try NIOSSLCertificate.fromPEMFile(arguments[2]).map { .certificate($0) },
    privateKey: .privateKey(try NIOSSLPrivateKey(file: arguments[3], format: .pem)))
tls.minimumTLSVersion = .tlsv12
tls.applicationProtocols = ["http/1.1"]
let sslContext = try NIOSSLContext(configuration: tls)
let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            try channel.pipeline.syncOperations.addHandler(AdmissionHandler())
        }
    }
    .bind(host: "127.0.0.1", port: port).get()
try await server.closeFuture.get()
