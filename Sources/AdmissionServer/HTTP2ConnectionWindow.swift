import HTTPTypes
import NIOCore
import NIOHTTP2
import NIOHTTPTypes
import NIOHTTPTypesHTTP2

/// Makes an HTTP/2 connection's receive window `size` bytes instead of the protocol's 64 KiB.
///
/// NIOHTTP2 gives window back to the client only as streams read their data, towards a 64 KiB target
/// that Hummingbird (2.28) does not let a server raise. 16 concurrent 6 KB reviews waiting for their
/// turn to be decided use it up, and the client's other streams stall until window comes back: with
/// 16 streams on one connection the slowest requests took 60 ms (8 streams: 7 ms; 16 streams with a
/// 1 MiB window: 13 ms). Two handlers fix it from outside NIOHTTP2's handler:
/// - `Opener`, after `NIOHTTP2Handler` in the connection's pipeline, grants the extra `size − 64 KiB`
///   once, as a WINDOW_UPDATE that the handler sends and accounts for;
/// - `Returner`, in each stream's pipeline, gives the connection back every body byte the stream
///   reads. The window then stays near `size`, and NIOHTTP2's own top-ups (which start below half of
///   64 KiB) never do. What is given back never exceeds what was received, so the window cannot grow
///   past `size`; each stream keeps its own 64 KiB window, so one stream cannot take more than that.
enum HTTP2ConnectionWindow {
    static let protocolDefault = 65_535

    /// Whether a request channel is an HTTP/2 stream (its pipeline turns HTTP/2 frames into HTTP parts)
    /// rather than an HTTP/1.1 connection. On the channel's event loop.
    static func isHTTP2Stream(_ pipeline: ChannelPipeline) -> Bool {
        (try? pipeline.syncOperations.handler(type: HTTP2FramePayloadToHTTPServerCodec.self)) != nil
    }

    final class Opener: ChannelOutboundHandler, RemovableChannelHandler {
        typealias OutboundIn = HTTP2Frame
        typealias OutboundOut = HTTP2Frame
        private let extra: Int

        init(size: Int) { extra = size - HTTP2ConnectionWindow.protocolDefault }

        func handlerAdded(context: ChannelHandlerContext) {
            if extra > 0 {
                let frame = HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: extra))
                context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    /// Added to every request channel Hummingbird makes; on an HTTP/1.1 connection it removes itself.
    final class Returner: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart

        func handlerAdded(context: ChannelHandlerContext) {
            if !HTTP2ConnectionWindow.isHTTP2Stream(context.pipeline) {
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .body(let chunk) = unwrapInboundIn(data), chunk.readableBytes > 0, let connection = context.channel.parent {
                // Sent with the connection's next flush (the response's, at the latest).
                let frame = HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: chunk.readableBytes))
                connection.write(frame, promise: nil)
            }
            context.fireChannelRead(data)
        }
    }
}
