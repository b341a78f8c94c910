package org.ipfsbackup.ipfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link UnixfsCid} against CIDs made by real IPFS implementations: the shared vectors (js-ipfs
 * 0.66.1, also reproduced with Kubo 0.43.1 {@code ipfs add --only-hash --cid-version=1
 * --raw-leaves}) and deep-tree vectors made with Kubo 0.43.1 using a small chunker and
 * {@code Import.UnixFSFileMaxLinks}. All content is generated while streaming, never held.
 */
class UnixfsCidTest {

    /** Shared vectors: sizes 0 .. 45,613,057 bytes, from {@code ipfs/cid-vectors.json}. */
    static Stream<Arguments> sharedVectors() throws IOException {
        JsonNode root;
        try (InputStream in = UnixfsCidTest.class.getResourceAsStream("/ipfs/cid-vectors.json")) {
            assertThat(in).as("test resource ipfs/cid-vectors.json").isNotNull();
            root = new ObjectMapper().readTree(in);
        }
        assertThat(root.path("content").asText())
                .isEqualTo("first SIZE bytes of the concatenation of sha256(i as 8-byte big-endian) for i = 0, 1, 2, ...");
        List<Arguments> out = new ArrayList<>();
        for (JsonNode v : root.path("vectors")) {
            out.add(Arguments.of(v.path("size").asLong(), v.path("sha256").asText(), v.path("cidv1_raw_leaves").asText()));
        }
        assertThat(out).hasSize(9);
        return out.stream();
    }

    @ParameterizedTest(name = "{0} bytes")
    @MethodSource("sharedVectors")
    void reproducesSharedVectorStreaming(long size, String sha256, String cid) throws IOException {
        MessageDigest md = sha256();
        GeneratedContent content = new GeneratedContent(size);
        try (DigestInputStream in = new DigestInputStream(content, md)) {
            assertThat(UnixfsCid.cidV1RawLeaves(in)).isEqualTo(cid);
        }
        assertThat(content.produced()).isEqualTo(size);
        assertThat(HexFormat.of().formatHex(md.digest())).isEqualTo(sha256);
        assertThat(UnixfsCid.recomputable(cid)).isTrue();
    }

    @ParameterizedTest(name = "{0} bytes, written in random slices")
    @MethodSource("sharedVectors")
    void streamingOutputGivesTheSameCid(long size, String sha256, String cid) throws IOException {
        UnixfsCid.Streaming out = new UnixfsCid.Streaming();
        Random random = new Random(size);
        byte[] buf = new byte[300_000];
        try (GeneratedContent content = new GeneratedContent(size)) {
            int n;
            while ((n = content.read(buf, 0, 1 + random.nextInt(buf.length))) > 0) {
                out.write(buf, 0, n);
            }
        }
        assertThat(out.cid()).isEqualTo(cid);
    }

    @Test
    void helloWorld() throws IOException {
        InputStream in = new ByteArrayInputStream("hello world\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(UnixfsCid.cidV1RawLeaves(in)).isEqualTo("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");
    }

    @Test
    void shortReadsChunkTheSame() throws IOException {
        // 4 full chunks delivered in random slices of 1..70000 bytes: chunks must still be 262144 bytes.
        InputStream stingy = new StingyStream(new GeneratedContent(1_048_576), new Random(7));
        assertThat(UnixfsCid.cidV1RawLeaves(stingy)).isEqualTo("bafybeifsyv5ykyj2c3sb4lnaravxx6tzmpc6wuv3g3p5xqoh5rhlhshcc4");
        InputStream stingyOdd = new StingyStream(new GeneratedContent(45_613_057), new Random(11));
        assertThat(UnixfsCid.cidV1RawLeaves(stingyOdd)).isEqualTo("bafybeibwfjx4gjco2cvbbqlhbtazzttn73bsxnan2t4zmxrjmolwknbe7y");
    }

    @Test
    void fileOverloadReadsTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("backup.enc");
        try (OutputStream out = Files.newOutputStream(file); InputStream in = new GeneratedContent(262_145)) {
            in.transferTo(out);
        }
        assertThat(UnixfsCid.cidV1RawLeaves(file)).isEqualTo("bafybeiavfl3mrv5rig3iqfle6aheyo3crcdzseal3jfwykhuwtmc4vtyjy");
        Files.write(file, new byte[0]);
        assertThat(UnixfsCid.cidV1RawLeaves(file)).isEqualTo("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
    }

    @Test
    void oneByteChangedGivesAnotherCid() throws IOException {
        InputStream flipped = new InputStream() {
            final GeneratedContent g = new GeneratedContent(1_048_576);
            long pos;

            @Override
            public int read() throws IOException {
                int b = g.read();
                if (b >= 0 && pos++ == 700_000) {
                    b ^= 1;
                }
                return b;
            }
        };
        String cid = UnixfsCid.cidV1RawLeaves(flipped);
        assertThat(cid).startsWith("bafybei").isNotEqualTo("bafybeifsyv5ykyj2c3sb4lnaravxx6tzmpc6wuv3g3p5xqoh5rhlhshcc4");
    }

    /**
     * Deep trees on small inputs, made with Kubo 0.43.1: {@code ipfs config --json
     * Import.UnixFSFileMaxLinks N} and {@code ipfs add --only-hash --cid-version=1 --raw-leaves
     * --chunker=size-1024 -Q}, on the same generated content. With 3 links per node, 250000
     * bytes = 245 leaves is a tree of depth 6 with partly filled subtrees at every level.
     */
    @ParameterizedTest(name = "{0} links, {1} bytes")
    @CsvSource({
        "3, 0, bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
        "3, 1024, bafkreibwtnn27yokl5lhdpxjlbzz5vvq66l44pkyvnc5xn5dbdb62rskyi",
        "3, 1025, bafybeih6bxjgtt54evznemw4umjylmnaoo6ifqnud3n6pwmhukm3khtbbu",
        "3, 3072, bafybeifcclxmzmkmdxl23o5dq73g4w2mgnlo4prwolgnlhzvzjgm63miie",
        "3, 3073, bafybeihswu7va7uxtatykfigm4aug2nsrenwxnuvys6zb4c6mqa6p3k6nu",
        "3, 9216, bafybeiaeeb6uggnruxveravdvg3zb4ucewkxqoucknrn75wpx2wq3iyasm",
        "3, 9217, bafybeibeh6yzw6wve2fpr72b4peoopzf6basmqmuigq3tisy7ww742wm44",
        "3, 27648, bafybeietrbx2tgksaiw54xtsiefxlpzrybhhdid6aeyhguheeeq6gttqou",
        "3, 27649, bafybeig6yyr7igtlmtplze5wbqqicdymwu4a4nx2ybqv64vk2ge7s3hwha",
        "3, 100000, bafybeihivr57hyylieggdby6ouhri3vdfpcjl2dd233wajs327me7lhowu",
        "3, 250000, bafybeihvlsyp7u4uba2mujuwqzezpzjmayeknmjsxghnsqy7d6ye4yorve",
        "2, 2048, bafybeicprssorwyylvhvlayjn5lhhqsns2wiyqghowd7zh7u45jr7dhvdm",
        "2, 2049, bafybeid5j4xpotey6gksyzya72owap6dmoj67cdbocksod2wfclbqvbnbq",
        "2, 5000, bafybeicd2rria5ojgsb2dvnztn7fhq2jhyg5ixqul2ru3dzw7xsddb3vdu",
        "2, 70000, bafybeiez4u6atwpbs6zv4fwf3c2b4oxgvjemuxvexs27tn3plaiqi3gzmm",
    })
    void reproducesKuboDeepTrees(int maxLinks, long size, String cid) throws IOException {
        assertThat(UnixfsCid.cidV1RawLeaves(new GeneratedContent(size), 1024, maxLinks)).isEqualTo(cid);
    }

    @Test
    void recomputableAcceptsOnlyBase32CidV1RawOrDagPbSha256() {
        assertThat(UnixfsCid.recomputable("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4")).isTrue(); // raw
        assertThat(UnixfsCid.recomputable("bafybeibwfjx4gjco2cvbbqlhbtazzttn73bsxnan2t4zmxrjmolwknbe7y")).isTrue(); // dag-pb

        assertThat(UnixfsCid.recomputable(null)).isFalse();
        assertThat(UnixfsCid.recomputable("")).isFalse();
        assertThat(UnixfsCid.recomputable("b")).isFalse();
        // CIDv0 (base58btc dag-pb, i.e. dag-pb leaves: other parameters)
        assertThat(UnixfsCid.recomputable("QmcaQBZ1c9A8Dm3Wx7juuUCUPMXCMsCryKhztFFeK6xML6")).isFalse();
        // base32 upper ('B') and base58 ('z') multibase: not the string form we compare
        assertThat(UnixfsCid.recomputable("BAFKREIFJJCIE6LYPI6NY7AMXNFFTAGCLBUXNDQONFIPMB64F2KM2DEVEI4")).isFalse();
        assertThat(UnixfsCid.recomputable("zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA")).isFalse();
        // dag-cbor (0x71) codec
        assertThat(UnixfsCid.recomputable(b32(cidBytes(1, 0x71, 0x12, 32)))).isFalse();
        // blake2b-256 (0xb220) and identity (0x00) multihashes
        assertThat(UnixfsCid.recomputable(b32(cidBytes(1, 0x55, 0xb220, 32)))).isFalse();
        assertThat(UnixfsCid.recomputable(b32(cidBytes(1, 0x55, 0x00, 32)))).isFalse();
        // sha2-256 with a wrong digest length, CID version 2, truncated, trailing bytes, bad characters
        assertThat(UnixfsCid.recomputable(b32(cidBytes(1, 0x55, 0x12, 20)))).isFalse();
        assertThat(UnixfsCid.recomputable(b32(cidBytes(2, 0x55, 0x12, 32)))).isFalse();
        assertThat(UnixfsCid.recomputable("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2dev")).isFalse();
        assertThat(UnixfsCid.recomputable("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4aaaa")).isFalse();
        assertThat(UnixfsCid.recomputable("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei1")).isFalse();
        assertThat(UnixfsCid.recomputable("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei5")).isFalse(); // non-zero pad bits
        // control: the helper builds an accepted CID when the fields are right
        assertThat(UnixfsCid.recomputable(b32(cidBytes(1, 0x70, 0x12, 32)))).isTrue();
    }

    @Test
    void rejectsNonsenseParameters() {
        assertThatThrownBy(() -> UnixfsCid.cidV1RawLeaves(InputStream.nullInputStream(), 0, 174))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UnixfsCid.cidV1RawLeaves(InputStream.nullInputStream(), 1024, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void base32MatchesRfc4648() {
        // RFC 4648 section 10 test vectors, lower case, no padding
        String[][] cases = {{"", ""}, {"f", "my"}, {"fo", "mzxq"}, {"foo", "mzxw6"}, {"foob", "mzxw6yq"},
            {"fooba", "mzxw6ytb"}, {"foobar", "mzxw6ytboi"}};
        for (String[] c : cases) {
            byte[] raw = c[0].getBytes(StandardCharsets.US_ASCII);
            assertThat(UnixfsCid.base32(raw)).isEqualTo(c[1]);
            assertThat(UnixfsCid.base32Decode(c[1])).isEqualTo(raw);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static byte[] cidBytes(int version, int codec, int hashFn, int digestLen) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        UnixfsCid.writeVarint(out, version);
        UnixfsCid.writeVarint(out, codec);
        UnixfsCid.writeVarint(out, hashFn);
        UnixfsCid.writeVarint(out, digestLen);
        out.writeBytes(new byte[digestLen]);
        return out.toByteArray();
    }

    private static String b32(byte[] b) {
        return "b" + UnixfsCid.base32(b);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first {@code size} bytes of sha256(0) || sha256(1) || ... (i as 8-byte big-endian), generated on demand. */
    static final class GeneratedContent extends InputStream {
        private final long size;
        private final MessageDigest md = sha256();
        private final byte[] counter = new byte[8];
        private byte[] block = new byte[0];
        private int blockPos;
        private long next;
        private long produced;

        GeneratedContent(long size) {
            this.size = size;
        }

        long produced() {
            return produced;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (produced >= size) {
                return -1;
            }
            int n = 0;
            while (n < len && produced < size) {
                if (blockPos == block.length) {
                    for (int k = 0; k < 8; k++) {
                        counter[k] = (byte) (next >>> (56 - 8 * k));
                    }
                    next++;
                    block = md.digest(counter);
                    blockPos = 0;
                }
                int take = (int) Math.min(Math.min(len - n, block.length - blockPos), size - produced);
                System.arraycopy(block, blockPos, b, off + n, take);
                blockPos += take;
                n += take;
                produced += take;
            }
            return n;
        }
    }

    /** Hands out the bytes of another stream in random short slices, like a slow network. */
    static final class StingyStream extends InputStream {
        private final InputStream in;
        private final Random random;

        StingyStream(InputStream in, Random random) {
            this.in = in;
            this.random = random;
        }

        @Override
        public int read() throws IOException {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, Math.min(len, 1 + random.nextInt(70_000)));
        }
    }
}
