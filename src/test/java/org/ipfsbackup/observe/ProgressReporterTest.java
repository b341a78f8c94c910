package org.ipfsbackup.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The rhythm and the words of progress lines, with a fake clock. */
class ProgressReporterTest {
    final AtomicLong clock = new AtomicLong(1_000_000_000L);
    final List<String> lines = new ArrayList<>();

    void advanceSeconds(double s) {
        clock.addAndGet((long) (s * 1e9));
    }

    @Test
    void notOnATerminalOneLineEveryTenSecondsWithTotalRateAndEta() {
        ProgressReporter p = new ProgressReporter("download bafyX", ProgressReporter.Unit.BYTES, 100L * 1024 * 1024, false, clock::get, lines::add);
        for (int i = 1; i <= 25; i++) { // 1 MiB per second for 25 s
            advanceSeconds(1);
            p.update(i * 1024L * 1024);
        }
        assertThat(lines).containsExactly("download bafyX: 10 MiB of 100 MiB (10%), 1.0 MiB/s, ETA 1m30s\n",
                "download bafyX: 20 MiB of 100 MiB (20%), 1.0 MiB/s, ETA 1m20s\n");
        p.finish();
        assertThat(lines.get(2)).isEqualTo("download bafyX: 25 MiB of 100 MiB (25%), 1.0 MiB/s, ETA 1m15s\n");
    }

    @Test
    void onATerminalTheLineIsRewrittenAtMostOnceASecondAndEndedAtTheEnd() {
        ProgressReporter p = new ProgressReporter("restore: documents inserted", ProgressReporter.Unit.COUNT, 1000, true, clock::get, lines::add);
        for (int i = 1; i <= 30; i++) { // 100 documents every 0.1 s... capped at the total
            advanceSeconds(0.1);
            p.add(i <= 10 ? 100 : 0);
        }
        assertThat(lines).hasSize(3).allMatch(l -> l.startsWith("\r")).noneMatch(l -> l.endsWith("\n"));
        assertThat(lines.get(0)).isEqualTo("\rrestore: documents inserted: 1000 of 1000 (100%), 1000/s");
        p.finish();
        assertThat(lines.get(lines.size() - 1)).isEqualTo("\n");
    }

    @Test
    void anUnknownTotalShowsWhatIsDoneAndTheRate() {
        ProgressReporter p = new ProgressReporter("upload", ProgressReporter.Unit.BYTES, -1, false, clock::get, lines::add);
        advanceSeconds(10);
        p.update(5L * 1024 * 1024 * 1024);
        assertThat(lines).containsExactly("upload: 5.0 GiB, 512 MiB/s\n");
        assertThat(ProgressReporter.duration(3725)).isEqualTo("1h02m");
    }

    @Test
    void theIntervalIsInjectedAndTheDetailIsAppended() {
        long[] collections = {0};
        ProgressReporter p = new ProgressReporter("dump: documents", ProgressReporter.Unit.COUNT, 300, false, 2_000_000_000L, clock::get, lines::add)
                .detail(() -> ", " + collections[0] + " of 3 collections");
        for (int i = 1; i <= 3; i++) { // one collection of 100 documents per second
            advanceSeconds(1);
            collections[0] = i;
            p.update(i * 100L);
        }
        assertThat(lines).containsExactly("dump: documents: 200 of 300 (66%), 100/s, 2 of 3 collections\n");
        p.finish();
        assertThat(lines.get(1)).isEqualTo("dump: documents: 300 of 300 (100%), 100/s, 3 of 3 collections\n");
    }

    @Test
    void nothingDoneZeroTotalAndNoTimeElapsedDivideByNothing() {
        ProgressReporter empty = new ProgressReporter("restore", ProgressReporter.Unit.BYTES, 0, false, clock::get, lines::add);
        empty.finish(); // no time has passed, nothing to do
        ProgressReporter unknown = new ProgressReporter("oplog", ProgressReporter.Unit.COUNT, -1, false, clock::get, lines::add);
        unknown.finish();
        ProgressReporter stalled = new ProgressReporter("upload", ProgressReporter.Unit.BYTES, 1024, false, clock::get, lines::add);
        advanceSeconds(20);
        stalled.finish(); // rate 0: no ETA rather than an infinite one
        assertThat(lines).containsExactly("restore: 0 B of 0 B, 0 B/s\n", "oplog: 0, 0/s\n", "upload: 0 B of 1.0 KiB (0%), 0 B/s\n");
        assertThat(String.join("", lines)).doesNotContain("NaN").doesNotContain("Infinity");
    }

    @Test
    void aCountingStreamReportsTheBytesThatPassAndStepsPrintWhereTheProcessSaid() throws Exception {
        java.io.StringWriter err = new java.io.StringWriter();
        try {
            ProgressReporter.useStream(new java.io.PrintWriter(err), false, java.time.Duration.ZERO);
            ProgressReporter p = ProgressReporter.start("uploading x.enc", ProgressReporter.Unit.BYTES, 3000);
            java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
            try (java.io.OutputStream out = p.counting(sink)) {
                out.write(new byte[2000]);
                out.write(7);
                out.write(new byte[999], 0, 999);
            }
            p.finish();
            assertThat(sink.size()).isEqualTo(3000);
            assertThat(err.toString()).startsWith("uploading x.enc: 2.0 KiB of 2.9 KiB (66%)")
                    .contains("\nuploading x.enc: 2.9 KiB of 2.9 KiB (100%)").endsWith("\n");
            assertThat(err.toString().lines()).hasSize(4); // interval zero: one line per write, and the last again

            ProgressReporter.useStream(new java.io.PrintWriter(err), true, java.time.Duration.ZERO);
            ProgressReporter.start("t", ProgressReporter.Unit.COUNT, 1).finish();
            assertThat(err.toString()).endsWith("\rt: 0 of 1 (0%), 0/s\n"); // a terminal: the line rewritten, ended at the end

            ProgressReporter.useNone();
            int before = err.toString().length();
            ProgressReporter.start("quiet", ProgressReporter.Unit.COUNT, 1).finish();
            assertThat(err.toString()).hasSize(before);
        } finally {
            ProgressReporter.useLog();
        }
    }

    @Test
    void theServiceLogsAtInfoAtMostOnceInTenSecondsAndNothingForAShortStep() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ProgressReporter.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log = new ch.qos.logback.core.read.ListAppender<>();
        log.start();
        logger.addAppender(log);
        ch.qos.logback.classic.Level level = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        try {
            ProgressReporter.useLog();
            ProgressReporter shortStep = ProgressReporter.start("uploading a.enc", ProgressReporter.Unit.BYTES, 100, clock::get);
            advanceSeconds(3);
            shortStep.update(100);
            shortStep.finish();
            assertThat(log.list).isEmpty(); // its step line says what it did

            ProgressReporter dump = ProgressReporter.start("dump: documents", ProgressReporter.Unit.COUNT, 3000, clock::get);
            for (int i = 1; i <= 25; i++) {
                advanceSeconds(1);
                dump.update(i * 100L);
            }
            dump.finish();
            assertThat(log.list).extracting(e -> e.getLevel().toString() + " " + e.getFormattedMessage()).containsExactly(
                    "INFO dump: documents: 1000 of 3000 (33%), 100/s",
                    "INFO dump: documents: 2000 of 3000 (66%), 100/s",
                    "INFO dump: documents: 2500 of 3000 (83%), 100/s");
        } finally {
            logger.detachAppender(log);
            logger.setLevel(level);
        }
    }
}
