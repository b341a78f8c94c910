package org.ipfsbackup.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every command shares instead of declaring it again: where it prints (picocli's out and err, which tests
 * capture) and its usage errors; {@link Configured} adds the configuration options, {@link Json} also {@code --json}.
 */
abstract class CliCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** A usage error of the command (exit 2 with the message and the usage). */
    ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** A command that reads the application's configuration and routes ({@link ConfigOptions}). */
    abstract static class Configured extends CliCommand {
        @Mixin
        ConfigOptions options;
    }

    /** The {@code --json} option: the result as one line of JSON instead of text. */
    static class JsonOption {
        @Option(names = "--json", description = "print the result as one line of JSON")
        boolean on;

        void print(PrintWriter out, Object value) throws JsonProcessingException {
            out.println(BackupCommand.JSON.writeValueAsString(value));
        }
    }
}
