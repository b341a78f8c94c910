package org.ipfsbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The class-data sharing archive's training run: each part really runs, and the run leaves nothing behind. */
class StartupTrainingTest {

    @Test
    void eachPartOfTheTrainingRuns(@TempDir Path dir) throws Exception {
        assertThatCode(() -> StartupTraining.run(dir)).doesNotThrowAnyException();
        assertThatCode(StartupTraining::commandLine).doesNotThrowAnyException();
        // served on the loopback address by the training itself: the download goes through KuboClient for real
        assertThatCode(StartupTraining::download).doesNotThrowAnyException();
        // port 9 refuses: the read fails, after the driver has gone through an operation and server selection
        assertThatThrownBy(StartupTraining::mongoOperation).isInstanceOf(com.mongodb.MongoException.class);
    }

    @Test
    void theWholeRunRemovesItsTemporaryDirectory() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long before = countTrainingDirs(tmp);
        StartupTraining.main(new String[0]);
        assertThat(countTrainingDirs(tmp)).isEqualTo(before);
    }

    private static long countTrainingDirs(Path tmp) throws Exception {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> p.getFileName().toString().startsWith("ipfs-backup-cds")).count();
        }
    }
}
