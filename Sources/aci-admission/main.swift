import ACIAdmissionCLI
import NIOCore
import NIOPosix

// Run Swift Concurrency's tasks on NIO's event-loop threads: the server's handlers then run
// where their connections' I/O does, instead of hopping to Dispatch's pool and back on every request.
let onEventLoops = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

await ACIAdmissionCommand.mainWithProjectExitCodes()
