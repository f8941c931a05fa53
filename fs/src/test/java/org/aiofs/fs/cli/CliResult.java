package org.aiofs.fs.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

import picocli.CommandLine;

/** What a command printed and returned, for the command-line tests. */
record CliResult(int exit, String out, String err) {

    /** The aiofs command line, run in-process with its output captured. */
    static CliResult aiofs(String... args) {
        CommandLine cl = AiofsCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new CliResult(exit, out.toString(), err.toString());
    }
}
