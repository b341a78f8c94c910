package org.ipfsbackup.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.bson.RawBsonDocument;
import org.bson.Document;
import org.bson.codecs.DocumentCodec;
import org.ipfsbackup.mongo.DumpLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentDigestTest {
    @TempDir
    Path tmp;

    static List<RawBsonDocument> docs(int n) {
        List<RawBsonDocument> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(new RawBsonDocument(new Document("_id", i).append("v", "value " + i).append("n", i * 7L), new DocumentCodec()));
        }
        return l;
    }

    static String digest(List<RawBsonDocument> l) {
        ContentDigest d = new ContentDigest();
        l.forEach(d::add);
        return d.hex();
    }

    @Test
    void theOrderOfTheDocumentsDoesNotMatter() {
        List<RawBsonDocument> l = docs(500);
        String sorted = digest(l);
        for (long seed : new long[] {1, 2, 3}) {
            List<RawBsonDocument> shuffled = new ArrayList<>(l);
            Collections.shuffle(shuffled, new Random(seed));
            assertThat(digest(shuffled)).isEqualTo(sorted);
        }
        assertThat(sorted).hasSize(64).isNotEqualTo("0".repeat(64));
    }

    @Test
    void aChangedMissingOrDuplicatedDocumentChangesIt() {
        List<RawBsonDocument> l = docs(50);
        String before = digest(l);
        List<RawBsonDocument> changed = new ArrayList<>(l);
        changed.set(17, new RawBsonDocument(new Document("_id", 17).append("v", "value 17!").append("n", 119L), new DocumentCodec()));
        assertThat(digest(changed)).isNotEqualTo(before);
        // the same value with another BSON type (int instead of long) is another document
        List<RawBsonDocument> retyped = new ArrayList<>(l);
        retyped.set(3, new RawBsonDocument(new Document("_id", 3).append("v", "value 3").append("n", 21), new DocumentCodec()));
        assertThat(digest(retyped)).isNotEqualTo(before);
        assertThat(digest(l.subList(0, 49))).isNotEqualTo(before);
        List<RawBsonDocument> twice = new ArrayList<>(l);
        twice.add(l.get(0));
        twice.add(l.get(0));
        assertThat(digest(twice)).as("a sum, not an XOR: a pair of equal documents does not cancel out").isNotEqualTo(before);
    }

    @Test
    void itIsTheSumModulo2To256OfTheSha256s() throws Exception {
        List<RawBsonDocument> l = docs(300);
        BigInteger sum = BigInteger.ZERO;
        for (RawBsonDocument d : l) {
            byte[] b = new byte[d.getByteBuffer().remaining()];
            d.getByteBuffer().get(b);
            sum = sum.add(new BigInteger(1, MessageDigest.getInstance("SHA-256").digest(b)));
        }
        String expected = String.format("%064x", sum.mod(BigInteger.ONE.shiftLeft(256)));
        assertThat(digest(l)).isEqualTo(expected);
    }

    @Test
    void aDumpDirectoryGivesTheSameDigestsAsTheDocumentsAndDifferencesNameTheCollection() throws Exception {
        List<RawBsonDocument> l = docs(40);
        Files.createDirectories(tmp.resolve("shop"));
        try (OutputStream out = Files.newOutputStream(tmp.resolve("shop").resolve("orders.bson"))) {
            for (RawBsonDocument d : l) {
                DumpLayout.write(out, d);
            }
        }
        Files.write(tmp.resolve(DumpLayout.OPLOG_FILE), new byte[0]);
        List<CollectionDigest> dir = ContentDigests.ofDumpDir(tmp);
        assertThat(dir).containsExactly(new CollectionDigest("shop.orders", 40, digest(l)));
        assertThat(ContentDigests.differences(dir, dir)).isEmpty();

        List<RawBsonDocument> altered = new ArrayList<>(l);
        altered.set(0, docs(41).get(40));
        CollectionDigest other = new CollectionDigest("shop.orders", 40, digest(altered));
        assertThat(ContentDigests.differences(dir, List.of(other))).singleElement().asString().startsWith("shop.orders: ").contains("digest differs");
        assertThat(ContentDigests.differences(dir, List.of(new CollectionDigest("shop.orders", 39, digest(l.subList(1, 40))))))
                .containsExactly("shop.orders: 39 documents restored, 40 backed up");
        assertThat(ContentDigests.differences(dir, List.of())).containsExactly("shop.orders: not restored");
    }
}
