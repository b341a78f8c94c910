package org.ipfsbackup.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReadAheadInputStreamTest {

    @AfterEach
    void noThreadIsLeft() {
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith(ReadAheadInputStream.THREAD_PREFIX) && t.isAlive()));
    }

    @Test
    void deliversEveryByteInOrder() throws IOException {
        byte[] data = new byte[5 * ReadAheadInputStream.CHUNK + 123];
        new Random(3).nextBytes(data);
        try (InputStream in = ReadAheadInputStream.start(new ByteArrayInputStream(data))) {
            assertThat(in.read()).isEqualTo(data[0] & 0xff);
            byte[] rest = in.readAllBytes();
            assertThat(rest).hasSize(data.length - 1);
            assertThat(java.util.Arrays.equals(rest, 0, rest.length, data, 1, data.length)).isTrue();
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void theSourcesExceptionReachesTheReaderAfterTheDataBeforeIt() throws IOException {
        InputStream failing = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new java.io.EOFException("truncated segment");
            }
        };
        byte[] head = new byte[1000];
        try (InputStream in = ReadAheadInputStream.start(new SequenceInputStream(new ByteArrayInputStream(head), failing))) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(java.io.EOFException.class).hasMessage("truncated segment");
        }
    }

    @Test
    void closeStopsTheThreadWhileTheQueueIsFullAndLeavesTheSourceOpen() throws Exception {
        boolean[] closed = {false};
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 7;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Arrays.fill(b, off, off + len, (byte) 7);
                return len;
            }

            @Override
            public void close() {
                closed[0] = true;
            }
        };
        InputStream in = ReadAheadInputStream.start(endless);
        assertThat(in.read()).isEqualTo(7);
        await().atMost(Duration.ofSeconds(10)).until(() -> in.available() > 0); // the producer is ahead, then blocked
        in.close();
        assertThat(closed[0]).isFalse();
    }
}
