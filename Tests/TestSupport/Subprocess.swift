import Foundation

/// What a finished tool printed.
public struct SubprocessOutput: Sendable {
    public var status: Int32
    public var stdoutData: Data
    public var stderrData: Data
    public var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    public var stderr: String { String(decoding: stderrData, as: UTF8.self) }
}

/// Runs the real tools the tests talk to (curl, openssl, h2load, python3).
public enum Subprocess {
    /// Runs a tool to completion on a thread of its own. Waiting for a child process must not hold one
    /// of Swift Concurrency's pool threads (there are as many as cores): the in-process servers the
    /// tool is talking to need those threads to answer it.
    public static func run(_ tool: String, _ arguments: [String], stdin: Data? = nil) async throws -> SubprocessOutput {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                do {
                    continuation.resume(returning: try runBlocking(tool, arguments, stdin: stdin))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }

    /// The same, blocking the calling thread (for synchronous tests that talk to other processes only).
    public static func runBlocking(_ tool: String, _ arguments: [String], stdin: Data? = nil) throws -> SubprocessOutput {
        try runBlocking(executable: URL(fileURLWithPath: "/usr/bin/env"), [tool] + arguments, stdin: stdin)
    }

    /// Runs `executable` itself (not looked up on PATH), optionally in `directory`.
    public static func runBlocking(executable: URL, _ arguments: [String], stdin: Data? = nil, directory: URL? = nil) throws -> SubprocessOutput {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Both pipes at once, so that a large output on one cannot block the other.
        nonisolated(unsafe) var errors = Data()
        let reader = Thread { errors = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return SubprocessOutput(status: process.terminationStatus, stdoutData: output, stderrData: errors)
    }
}
