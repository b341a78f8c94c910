package org.ipfsbackup.dump;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.ipfsbackup.mongo.MongoToolRunner;
import org.junit.jupiter.api.Test;

/** The check of a mongodump run: what each way of ending says. */
class MongodumpExecTest {
    static final MongodumpExec.Call CALL = new MongodumpExec.Call(Path.of("/usr/bin/mongodump"), Path.of("/tmp/c.yaml"),
            List.of("--config=/tmp/c.yaml", "--oplog"), 60_000, "dump with --oplog", "PT1H", s -> s.replace("s3cret", "***"));

    @Test
    void aRunWithoutAnExitCodeSaysItsWaitWasInterruptedNotAnExitCodeNumber() {
        // commons-exec reports 0xDEADBEEF when its wait for the process was interrupted
        MongoToolRunner.Outcome o = new MongoToolRunner.Outcome(org.apache.commons.exec.Executor.INVALID_EXITVALUE,
                "x\twriting shop.orders", "x\twriting shop.orders", false, null, null);
        assertThatThrownBy(() -> MongodumpExec.check(CALL, o)).isInstanceOf(DumpException.class)
                .hasMessageContaining("dump with --oplog").hasMessageContaining("ended without an exit code")
                .hasMessageContaining("interrupted").hasMessageContaining("writing shop.orders")
                .hasMessageNotContaining("-559038737");
    }

    @Test
    void aNonZeroExitCodeIsNamed() {
        MongoToolRunner.Outcome o = new MongoToolRunner.Outcome(3, "Failed: s3cret", "Failed: ***", false, null, null);
        assertThatThrownBy(() -> MongodumpExec.check(CALL, o)).isInstanceOf(DumpException.class)
                .hasMessageContaining("failed with exit code 3").hasMessageContaining("Failed: ***");
    }
}
