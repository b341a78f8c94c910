package org.ipfsbackup.ipfs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Recomputes, in plain Java, the CID that {@code ipfs add --cid-version=1 --raw-leaves} (and
 * IPFS Cluster {@code POST /add?cid-version=1&raw-leaves=true}) gives for a file, so that a
 * downloaded backup can be checked against the CID its manifest names.
 *
 * <p>The DAG is the one Kubo/boxo builds with its defaults: fixed-size chunker
 * ({@code size-262144}), balanced layout ({@code importer/balanced}) with at most 174 links per
 * node, sha2-256, raw leaves (codec 0x55), internal nodes dag-pb (codec 0x70) carrying UnixFS
 * {@code Data{Type=File, filesize, blocksizes}}. A file of at most one chunk (including the
 * empty file) is a single raw block.
 *
 * <p>Wire format of an internal node, as boxo's merkledag + go-codec-dagpb write it: for each
 * link (in order) field 2 {@code PBLink{Hash=1 (binary CID), Name=2 (always present, ""),
 * Tsize=3}}, then field 1 {@code Data} = UnixFS protobuf {@code Type=1 (2), filesize=3,
 * blocksizes=4 (repeated, unpacked)}. Tsize of a raw leaf is its length; of an internal node,
 * its encoded length plus its links' Tsizes.
 *
 * <p>Streaming: the DAG is built bottom-up as chunks arrive; memory holds one chunk plus, per
 * tree level, the (at most 174) pending links of that level. Grouping the leaves by 174 and
 * then each level by 174 again gives exactly the tree of boxo's balanced builder (its root
 * depth is the smallest d with 174^d &ge; leaves, and every subtree but the last is full).
 */
public final class UnixfsCid {

    /** Chunk size of the default chunker, {@code size-262144}. */
    public static final int CHUNK_SIZE = 262_144;
    /** boxo {@code helpers.DefaultLinksPerBlock} = 8192 / 47. */
    public static final int MAX_LINKS = 174;

    static final int CODEC_RAW = 0x55;
    static final int CODEC_DAG_PB = 0x70;
    static final int MH_SHA2_256 = 0x12;
    private static final int SHA256_LEN = 32;
    private static final int UNIXFS_TYPE_FILE = 2;
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private UnixfsCid() {
    }

    /**
     * CIDv1 (base32, "b..." string) that {@code ipfs add --cid-version=1 --raw-leaves} gives for
     * these bytes: chunker size-262144, balanced DAG with at most 174 links per node, sha2-256,
     * dag-pb internal nodes with UnixFS Data (Type=File, filesize, blocksizes), raw leaves.
     * Reads the stream to its end; does not close it.
     */
    public static String cidV1RawLeaves(InputStream content) throws IOException {
        return cidV1RawLeaves(content, CHUNK_SIZE, MAX_LINKS);
    }

    /** As {@link #cidV1RawLeaves(InputStream)}, for the content of this file. */
    public static String cidV1RawLeaves(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return cidV1RawLeaves(in);
        }
    }

    /**
     * Same, with another chunk size ({@code --chunker size-N}) and links per node
     * ({@code Import.UnixFSFileMaxLinks}); for tests of deep trees on small inputs.
     */
    static String cidV1RawLeaves(InputStream content, int chunkSize, int maxLinks) throws IOException {
        if (chunkSize < 1 || chunkSize > 1_048_576) {
            throw new IllegalArgumentException("chunk size out of range: " + chunkSize);
        }
        if (maxLinks < 2) {
            throw new IllegalArgumentException("at least 2 links per node: " + maxLinks);
        }
        return base32Cid(new Builder(maxLinks).build(content, chunkSize));
    }

    /**
     * Whether this CID can be recomputed with the parameters above: a base32 ('b') CIDv1 whose
     * codec is raw (0x55, a single-chunk file) or dag-pb (0x70, the root of a larger file) and
     * whose multihash is a 32-byte sha2-256. (A dag-pb root made with other import parameters
     * also passes; only recomputing tells.) CIDv0 ("Qm...") and other bases give false.
     */
    public static boolean recomputable(String cid) {
        if (cid == null || cid.length() < 2 || cid.charAt(0) != 'b') {
            return false;
        }
        byte[] bytes = base32Decode(cid.substring(1));
        if (bytes == null) {
            return false;
        }
        int[] pos = {0};
        long version = readVarint(bytes, pos);
        long codec = readVarint(bytes, pos);
        long hashFn = readVarint(bytes, pos);
        long hashLen = readVarint(bytes, pos);
        return version == 1
                && (codec == CODEC_RAW || codec == CODEC_DAG_PB)
                && hashFn == MH_SHA2_256
                && hashLen == SHA256_LEN
                && pos[0] + SHA256_LEN == bytes.length
                && base32(bytes).equals(cid.substring(1)); // canonical: no stray trailing bits
    }

    /**
     * The same CID computed while the bytes pass by (a download written and decrypted in one pass): feed every byte
     * with {@link #write}, then {@link #cid()}. Memory: one chunk plus the pending links.
     */
    public static final class Streaming extends java.io.OutputStream {
        private final Builder builder = new Builder(MAX_LINKS);
        private final byte[] chunk = new byte[CHUNK_SIZE];
        private int filled;
        private String cid;

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (cid != null) {
                throw new IllegalStateException("CID already computed");
            }
            while (len > 0) {
                int n = Math.min(len, CHUNK_SIZE - filled);
                System.arraycopy(b, off, chunk, filled, n);
                filled += n;
                off += n;
                len -= n;
                if (filled == CHUNK_SIZE) {
                    builder.leaf(chunk, filled);
                    filled = 0;
                }
            }
        }

        /** The CID of everything written (ends the computation). */
        public String cid() {
            if (cid == null) {
                if (filled > 0) {
                    builder.leaf(chunk, filled);
                }
                cid = base32Cid(builder.finish());
            }
            return cid;
        }
    }

    // ---------------------------------------------------------------- DAG building

    /** A link to a finished child: its binary CID, cumulative size and file bytes under it. */
    private record Child(byte[] cid, long tsize, long fileSize) {
    }

    private static final class Builder {
        private final int maxLinks;
        private final MessageDigest sha256 = newSha256();
        /** levels.get(0) = pending leaves; levels.get(k) = pending nodes of height k. */
        private final List<List<Child>> levels = new ArrayList<>();

        Builder(int maxLinks) {
            this.maxLinks = maxLinks;
        }

        byte[] build(InputStream in, int chunkSize) throws IOException {
            byte[] chunk = new byte[chunkSize];
            int n;
            while ((n = in.readNBytes(chunk, 0, chunkSize)) > 0) {
                leaf(chunk, n);
                if (n < chunkSize) {
                    break; // end of stream
                }
            }
            return finish();
        }

        void leaf(byte[] chunk, int n) {
            sha256.update(chunk, 0, n);
            add(0, new Child(cid(CODEC_RAW, sha256.digest()), n, n));
        }

        byte[] finish() {
            if (levels.isEmpty()) { // empty file: one empty raw block
                return cid(CODEC_RAW, sha256.digest());
            }
            // Close the levels bottom-up; the root is the single child left on the top level.
            for (int k = 0; ; k++) {
                List<Child> level = levels.get(k);
                boolean top = k == levels.size() - 1;
                if (top && level.size() == 1) {
                    return level.get(0).cid();
                }
                add(k + 1, node(level));
                level.clear();
            }
        }

        /** Adds a child at this level, first closing the level into a parent if it is full. */
        private void add(int k, Child child) {
            if (levels.size() == k) {
                levels.add(new ArrayList<>(maxLinks));
            }
            List<Child> level = levels.get(k);
            if (level.size() == maxLinks) {
                add(k + 1, node(level));
                level.clear();
            }
            level.add(child);
        }

        /** Encodes a dag-pb node over these children and returns the link to it. */
        private Child node(List<Child> children) {
            ByteArrayOutputStream unixfs = new ByteArrayOutputStream(16 + 6 * children.size());
            long fileSize = 0;
            for (Child c : children) {
                fileSize += c.fileSize();
            }
            writeTag(unixfs, 1, 0);
            writeVarint(unixfs, UNIXFS_TYPE_FILE);
            writeTag(unixfs, 3, 0);
            writeVarint(unixfs, fileSize);
            for (Child c : children) {
                writeTag(unixfs, 4, 0);
                writeVarint(unixfs, c.fileSize());
            }

            ByteArrayOutputStream pb = new ByteArrayOutputStream(64 + 56 * children.size());
            ByteArrayOutputStream link = new ByteArrayOutputStream(64);
            long tsizes = 0;
            for (Child c : children) {
                link.reset();
                writeTag(link, 1, 2); // Hash
                writeVarint(link, c.cid().length);
                link.writeBytes(c.cid());
                writeTag(link, 2, 2); // Name: present and empty, as boxo's merkledag writes it
                writeVarint(link, 0);
                writeTag(link, 3, 0); // Tsize
                writeVarint(link, c.tsize());
                writeTag(pb, 2, 2); // PBNode.Links (before Data on the wire)
                writeVarint(pb, link.size());
                pb.writeBytes(link.toByteArray());
                tsizes += c.tsize();
            }
            writeTag(pb, 1, 2); // PBNode.Data
            writeVarint(pb, unixfs.size());
            pb.writeBytes(unixfs.toByteArray());

            byte[] encoded = pb.toByteArray();
            return new Child(cid(CODEC_DAG_PB, sha256.digest(encoded)), encoded.length + tsizes, fileSize);
        }

        private static void writeTag(ByteArrayOutputStream out, int field, int wireType) {
            writeVarint(out, ((long) field << 3) | wireType);
        }
    }

    // ---------------------------------------------------------------- CID / multibase helpers

    /** Binary CIDv1: version 1, codec, multihash sha2-256. */
    static byte[] cid(int codec, byte[] sha256) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4 + SHA256_LEN);
        writeVarint(out, 1);
        writeVarint(out, codec);
        writeVarint(out, MH_SHA2_256);
        writeVarint(out, sha256.length);
        out.writeBytes(sha256);
        return out.toByteArray();
    }

    static String base32Cid(byte[] binaryCid) {
        return "b" + base32(binaryCid);
    }

    static void writeVarint(ByteArrayOutputStream out, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("negative varint: " + value);
        }
        while (value >= 0x80) {
            out.write((int) (value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write((int) value);
    }

    /** Unsigned LEB128 at pos[0], advancing it; -1 if truncated or longer than 9 bytes. */
    private static long readVarint(byte[] bytes, int[] pos) {
        long value = 0;
        for (int shift = 0; shift < 63; shift += 7) {
            if (pos[0] >= bytes.length) {
                return -1;
            }
            int b = bytes[pos[0]++] & 0xff;
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        return -1;
    }

    /** RFC 4648 base32, lower case, no padding (multibase 'b'). */
    static String base32(byte[] data) {
        StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                sb.append(BASE32[(buffer >>> (bits - 5)) & 0x1f]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            sb.append(BASE32[(buffer << (5 - bits)) & 0x1f]);
        }
        return sb.toString();
    }

    /** Inverse of {@link #base32}; null if a character is not in the lower-case alphabet. */
    static byte[] base32Decode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() * 5 / 8);
        int buffer = 0;
        int bits = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int v;
            if (c >= 'a' && c <= 'z') {
                v = c - 'a';
            } else if (c >= '2' && c <= '7') {
                v = c - '2' + 26;
            } else {
                return null;
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out.write((buffer >>> (bits - 8)) & 0xff);
                bits -= 8;
            }
        }
        return out.toByteArray();
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
