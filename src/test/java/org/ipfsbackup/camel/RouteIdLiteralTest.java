package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.ipfsbackup.testing.Project;
import org.junit.jupiter.api.Test;

/**
 * Java never names a step route: operators rename, add and remove step routes in routes/*.camel.yaml, so no string
 * literal in src/main/java may equal a route id (or {@code direct:<id>}). Only the entry points the CLI, JMX and the
 * alert senders call are API and may be named.
 */
class RouteIdLiteralTest {
    /** The entry points Java sends to (CLI commands, JMX operations, the alert senders). */
    static final Set<String> API = Set.of("backup-full", "backup-incremental", "backup-slice", "retention", "rekey", "startup-recovery", "verification",
            "watchdog", "alert-mail", "alert-webhook", "restore-drill");
    static final Pattern ROUTE_ID = Pattern.compile("(?m)^- route:\\s*\\n(?:\\s+#.*\\n)*\\s+id:\\s*\"?([A-Za-z0-9_.-]+)\"?\\s*$");
    static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"");

    static Set<String> routeIds(Path routes) throws Exception {
        Set<String> ids = new TreeSet<>();
        try (Stream<Path> s = Files.list(routes)) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".camel.yaml")).toList()) {
                Matcher m = ROUTE_ID.matcher(Files.readString(p));
                while (m.find()) {
                    ids.add(m.group(1));
                }
            }
        }
        return ids;
    }

    /** Every string literal of the Java files under {@code dir}, as "file: literal" when it names a route in {@code ids}. */
    static List<String> literalsNaming(Path dir, Set<String> ids) throws Exception {
        List<String> found = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = LITERAL.matcher(Files.readString(p));
                while (m.find()) {
                    String lit = m.group(1);
                    String id = lit.startsWith("direct:") ? lit.substring("direct:".length()) : lit;
                    if (ids.contains(id)) {
                        found.add(dir.relativize(p) + ": \"" + lit + "\"");
                    }
                }
            }
        }
        return found;
    }

    @Test
    void noJavaStringLiteralNamesAStepRoute() throws Exception {
        Set<String> ids = routeIds(Project.routes());
        assertThat(ids).as("route ids read from routes/").contains("backup-pipeline", "backup-dump", "backup-upload", "ipfs-add",
                "manifest-publish", "retention-unpin", "backup-full");
        Set<String> steps = new TreeSet<>(ids);
        steps.removeAll(API);
        assertThat(literalsNaming(Project.dir().resolve("src/main/java"), steps)).isEmpty();
    }

    @Test
    void theScanFindsALiteralNamingARoute(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("X.java"), "class X { String a = \"backup-dump\"; String b = \"direct:ipfs-add\"; String c = \"ok\"; }");
        assertThat(literalsNaming(dir, Set.of("backup-dump", "ipfs-add"))).containsExactly("X.java: \"backup-dump\"", "X.java: \"direct:ipfs-add\"");
    }
}
