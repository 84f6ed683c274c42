import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOHTTP2
import NIOSSL
import NIOTLS

/// Hummingbird's TLS + ALPN (`h2`, `http/1.1`) child channel, with what the admission server adds to
/// every connection: a TLS handshake deadline, and on HTTP/2 a larger connection receive window
/// (`HTTP2ConnectionWindow`; its `Returner` goes into the stream configuration).
struct AdmissionChildChannel: ServerChildChannel {
    typealias Value = HTTP2UpgradeChannel.Value
    let inner: HTTP2UpgradeChannel
    let handshakeTimeout: TimeAmount
    let http2ConnectionWindow: Int

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let tls = try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
            let handshake = HandshakeDeadlineHandler(timeout: handshakeTimeout) { pipeline in
                // ALPN has chosen the protocol and the pipeline for it is in place: an HTTP/2
                // connection has NIOHTTP2's handler now.
                guard let http2 = try? pipeline.syncOperations.handler(type: NIOHTTP2Handler.self) else { return }
                try? pipeline.syncOperations.addHandler(HTTP2ConnectionWindow.Opener(size: http2ConnectionWindow), position: .after(http2))
            }
            try channel.pipeline.syncOperations.addHandler(handshake, position: .after(tls))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// Closes connections that have not completed their TLS handshake in time (Hummingbird's idle
/// timeouts start only once HTTP is negotiated, so without this a client that connects and never
/// finishes, or never starts, the handshake would hold its connection for ever). Sits right after
/// the TLS handler until the handshake completes, then runs `negotiated` and removes itself.
final class HandshakeDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let timeout: TimeAmount
    private let negotiated: (ChannelPipeline) -> Void
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, negotiated: @escaping (ChannelPipeline) -> Void = { _ in }) {
        self.timeout = timeout
        self.negotiated = negotiated
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) { bound.value.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        let completed: Bool
        if case TLSUserEvent.handshakeCompleted? = event as? TLSUserEvent { completed = true } else { completed = false }
        // The ALPN handler further on configures the protocol's pipeline as this event passes it.
        context.fireUserInboundEventTriggered(event)
        if completed {
            deadline?.cancel()
            negotiated(context.pipeline)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}
