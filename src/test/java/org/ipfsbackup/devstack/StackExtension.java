package org.ipfsbackup.devstack;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Gives tests one {@link LocalStack} per test run (JUnit's root store), started on first use in
 * {@code target/devstack-test/run-TIMESTAMP} and stopped when the run ends. With {@code -Ddevstack.attach=DIR}
 * the tests use the stack already running in DIR (from {@code bin/devstack start}) and leave it running.
 */
public final class StackExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(StackExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LocalStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("stack", k -> open(), Holder.class).stack;
    }

    private static Holder open() {
        String attach = System.getProperty("devstack.attach");
        if (attach != null && !attach.isBlank()) {
            return new Holder(LocalStack.attach(Path.of(attach)), false);
        }
        Path runs = LocalStack.projectDir().resolve("target/devstack-test");
        pruneOldRuns(runs);
        Path dir = runs.resolve("run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                        + "-" + ProcessHandle.current().pid());
        try {
            return new Holder(LocalStack.start(dir), true);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("could not start the local stack in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Keeps the state (and logs) of the last two runs only; each holds some 20 MB, mostly the seeded FerretDB. */
    private static void pruneOldRuns(Path runs) {
        if (!Files.isDirectory(runs)) {
            return;
        }
        try (Stream<Path> list = Files.list(runs)) {
            List<Path> old = list.filter(p -> p.getFileName().toString().startsWith("run-")).sorted().toList();
            for (Path run : old.subList(0, Math.max(0, old.size() - 2))) {
                if (LocalStack.attachIfPresent(run).map(s -> s.pids().isEmpty()).orElse(true)) {
                    try (Stream<Path> walk = Files.walk(run)) {
                        for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                            Files.deleteIfExists(f);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Holder(LocalStack stack, boolean owned) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            if (owned) {
                stack.close();
            }
        }
    }
}
