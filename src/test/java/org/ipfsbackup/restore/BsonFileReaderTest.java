package org.ipfsbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BsonFileReaderTest {

    @TempDir
    Path tmp;

    private static List<RawBsonDocument> sample() {
        byte[] big = new byte[10 * 1024 * 1024];
        new Random(5).nextBytes(big);
        return List.of(
                DumpFixture.raw(new BsonDocument("_id", new BsonInt32(1)).append("s", new BsonString("ü"))),
                DumpFixture.raw(new BsonDocument()),
                DumpFixture.raw(new BsonDocument("_id", new BsonInt32(3)).append("big", new BsonBinary(big))));
    }

    private static byte[] concat(List<RawBsonDocument> docs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        docs.forEach(d -> out.writeBytes(DumpFixture.bytes(d)));
        return out.toByteArray();
    }

    @Test
    void readsEveryDocumentExactlyAsStored() throws IOException {
        List<RawBsonDocument> docs = sample();
        Path file = tmp.resolve("c.bson");
        DumpFixture.writeBson(file, docs);

        List<RawBsonDocument> read = new ArrayList<>();
        try (BsonFileReader reader = new BsonFileReader(file)) {
            for (RawBsonDocument doc : reader) {
                read.add(doc);
            }
            assertThat(reader.documentsRead()).isEqualTo(3);
            assertThat(reader.bytesRead()).isEqualTo(Files.size(file));
        }
        assertThat(read).hasSize(3);
        for (int i = 0; i < docs.size(); i++) {
            assertThat(DumpFixture.bytes(read.get(i))).isEqualTo(DumpFixture.bytes(docs.get(i)));
        }
    }

    @Test
    void emptyFileHasNoDocuments() throws IOException {
        try (BsonFileReader reader = new BsonFileReader(new ByteArrayInputStream(new byte[0]), "empty")) {
            assertThat(reader.read()).isNull();
            assertThat(reader.read()).isNull();
        }
    }

    @Test
    void truncatedDocumentFailsWithItsOffset() {
        byte[] bytes = concat(sample().subList(0, 2));
        int firstLength = DumpFixture.bytes(sample().get(0)).length;
        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 1);
        assertThatThrownBy(() -> readAll(truncated))
                .isInstanceOf(EOFException.class)
                .hasMessageContaining("x.bson")
                .hasMessageContaining("truncated document at byte offset " + firstLength);
    }

    @Test
    void truncatedLengthFails() {
        byte[] bytes = concat(sample().subList(0, 1));
        byte[] withStub = Arrays.copyOf(bytes, bytes.length + 2);
        assertThatThrownBy(() -> readAll(withStub))
                .isInstanceOf(EOFException.class)
                .hasMessageContaining("truncated document length at byte offset " + bytes.length);
    }

    @Test
    void impossibleLengthsFail() {
        assertThatThrownBy(() -> readAll(new byte[] {4, 0, 0, 0, 0}))
                .hasMessageContaining("invalid document length 4 at byte offset 0");
        assertThatThrownBy(() -> readAll(new byte[] {0, 0, 0, 0x7F, 0}))
                .hasMessageContaining("invalid document length");
    }

    @Test
    void documentMustEndWithNul() {
        assertThatThrownBy(() -> readAll(new byte[] {5, 0, 0, 0, 1}))
                .hasMessageContaining("does not end with a NUL byte");
    }

    @Test
    void iterationWrapsReadErrorsAndIsSingleUse() {
        BsonFileReader reader = new BsonFileReader(new ByteArrayInputStream(new byte[] {9, 0}), "bad");
        assertThatThrownBy(() -> reader.iterator().hasNext()).isInstanceOf(UncheckedIOException.class);
        assertThatThrownBy(reader::iterator).isInstanceOf(IllegalStateException.class);
    }

    private static int readAll(byte[] bytes) throws IOException {
        int n = 0;
        try (BsonFileReader reader = new BsonFileReader(new ByteArrayInputStream(bytes), "x.bson")) {
            while (reader.read() != null) {
                n++;
            }
        }
        return n;
    }
}
