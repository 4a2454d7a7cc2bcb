import ArgumentParser
import EffLanguage
import EffREPL
import Foundation

/// `eff serve --stdio`: one session driven by JSON lines (the Jupyter kernel's back end; docs/jupyter.md).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve one eff session over a JSON line protocol on standard input and output (for the Jupyter kernel).",
        discussion: "Requests: execute, complete, inspect, is_complete, interrupt, shutdown. See docs/jupyter.md.")

    @Flag(help: "Speak the protocol on standard input and output (the only transport).")
    var stdio = false

    @Option(help: "Columns for displayed values and charts.")
    var width = 80

    func validate() throws {
        guard stdio else { throw ValidationError("give --stdio (the only transport)") }
        guard (20...1000).contains(width) else { throw ValidationError("--width must be in 20…1000, got \(width)") }
    }

    func run() throws {
        let session: Session
        do {
            session = try Session(builtins: Registry.all, output: { line in print(line) },
                                  displayContext: DisplayContext(width: width, asciiOnly: false, color: false))
        } catch {
            Driver.printError("eff: \(error)")
            throw ExitCode(Driver.internalError)
        }
        Server.serveStandardIO(session: session, keywords: Session.keywords)
    }
}
