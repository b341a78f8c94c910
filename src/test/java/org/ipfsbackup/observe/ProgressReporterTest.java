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
}
