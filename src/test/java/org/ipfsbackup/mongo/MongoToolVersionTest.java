package org.ipfsbackup.mongo;

import org.ipfsbackup.dump.DumpEngines;
import org.ipfsbackup.dump.DumpSettings;

import org.ipfsbackup.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The start-up check of the mongodump version, with stand-ins that print what real builds print. */
class MongoToolVersionTest {

    @TempDir
    Path tmp;

    private Path tool(String name, String script) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + script + "\n");
        assertThat(p.toFile().setExecutable(true, true)).isTrue();
        return p;
    }

    @Test
    void parsesAndOrdersVersions() {
        assertThat(MongoToolVersion.parse("100.10.0")).contains(new MongoToolVersion(100, 10, 0));
        assertThat(MongoToolVersion.parse("built-without-version-string")).isEmpty();
        assertThat(MongoToolVersion.parse("r4.2.1-rc")).isEmpty();
        assertThat(new MongoToolVersion(100, 10, 0).supported()).isTrue();
        assertThat(new MongoToolVersion(100, 12, 2).supported()).isTrue();
        assertThat(new MongoToolVersion(100, 9, 5).supported()).isFalse();
        assertThat(new MongoToolVersion(4, 2, 25).supported()).isFalse();
        assertThat(new MongoToolVersion(101, 0, 0).supported()).isFalse();
        assertThat(MongoToolVersion.reported("mongodump", "mongodump version: 100.10.0\ngit version: abc\n"))
                .isEqualTo("100.10.0");
        assertThat(MongoToolVersion.reported("mongodump", "mongorestore version: 100.10.0\n")).isNull();
    }

    @Test
    void aSupportedMongodumpPasses() throws Exception {
        Path ok = tool("mongodump", "echo 'mongodump version: 100.10.0'; echo 'git version: 6d4f001be3fc'");
        assertThat(MongoToolVersion.require("mongodump", ok, "MONGODUMP_PATH")).hasToString("100.10.0");
    }

    @Test
    void anOldMongodumpIsAConfigurationErrorNamingBothVersions() throws Exception {
        Path old = tool("mongodump", "echo 'mongodump version: 100.5.1'; echo 'git version: 1234'");
        assertThatThrownBy(() -> MongoToolVersion.require("mongodump", old, "MONGODUMP_PATH, dump.mongodump-path"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mongodump at " + old)
                .hasMessageContaining("MONGODUMP_PATH, dump.mongodump-path")
                .hasMessageContaining("is version 100.5.1")
                .hasMessageContaining("needs mongodump 100.10.0 or a later 100.x");

        Path legacy = tool("mongodump-4.2", "echo 'mongodump version: r4.2.24'");
        assertThatThrownBy(() -> MongoToolVersion.require("mongodump", legacy, "MONGODUMP_PATH"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is version r4.2.24");
    }

    @Test
    void aBuildWithoutVersionOrSomethingElseIsNamedAsSuch() throws Exception {
        Path unversioned = tool("mongodump", "echo 'mongodump version: built-without-version-string'");
        assertThatThrownBy(() -> MongoToolVersion.require("mongodump", unversioned, "MONGODUMP_PATH"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is version built-without-version-string")
                .hasMessageContaining("100.10.0");

        Path other = tool("mongodump", "echo 'usage: cat [file]'");
        assertThatThrownBy(() -> MongoToolVersion.require("mongodump", other, "MONGODUMP_PATH"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("reports no version")
                .hasMessageContaining("usage: cat [file]");

        Path failing = tool("mongodump", "echo 'boom' >&2; exit 2");
        assertThatThrownBy(() -> MongoToolVersion.require("mongodump", failing, "MONGODUMP_PATH"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("failed with exit code 2").hasMessageContaining("boom");
    }

    @Test
    void autoAndExplicitEngineBothCheckTheVersion() throws Exception {
        Path old = tool("mongodump", "echo 'mongodump version: 100.9.4'");
        DumpSettings s = DumpSettings.of("mongodb://127.0.0.1:1/").withMongodumpPath(old.toString());
        assertThatThrownBy(() -> DumpEngines.create(s, tmp)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("100.9.4").hasMessageContaining("100.10.0");
        assertThatThrownBy(() -> DumpEngines.create(s.withEngine("mongodump"), tmp)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("100.9.4");
        // the driver engine never runs it
        assertThat(DumpEngines.create(s.withEngine("driver"), tmp).name()).isEqualTo("driver");
    }
}
