package org.ipfsbackup.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ipfsbackup.config.ConfigException;
import org.ipfsbackup.testing.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupCacheTest {
    @TempDir
    Path tmp;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T02:00:00Z"));

    @Test
    void keepsByCidAndServesOnlyWhatMatchesTheSha256() throws Exception {
        BackupCache cache = new BackupCache(tmp.resolve("cache"), 1 << 20, clock);
        Path work = Files.createDirectories(tmp.resolve("work"));
        byte[] data = bytes(1, 5000);
        Path enc = Files.write(work.resolve("full.tar.gz.enc"), data);

        BackupCache.Put put = cache.put(cid(1), enc);
        assertThat(put.kept()).isTrue();
        assertThat(put.bytes()).isEqualTo(5000);
        assertThat(Files.readAllBytes(tmp.resolve("cache").resolve(cid(1)))).isEqualTo(data);

        Path target = tmp.resolve("restore.enc");
        assertThat(cache.readInto(cid(1), sha256(data).toUpperCase(), target)).contains(5000L);
        assertThat(Files.readAllBytes(target)).isEqualTo(data);
        assertThat(cache.readInto(cid(2), sha256(data), tmp.resolve("other.enc"))).as("not cached").isEmpty();
        assertThat(cache.readInto(cid(1), null, tmp.resolve("other.enc"))).as("nothing to check against").isEmpty();
        assertThat(tmp.resolve("other.enc")).doesNotExist();
    }

    @Test
    void aCorruptOrTruncatedFileIsIgnoredAndRemoved() throws Exception {
        BackupCache cache = new BackupCache(tmp.resolve("cache"), 1 << 20, clock);
        byte[] data = bytes(2, 9000);
        cache.put(cid(1), Files.write(tmp.resolve("a.enc"), data));
        cache.put(cid(2), Files.write(tmp.resolve("b.enc"), data));
        Path cached1 = tmp.resolve("cache").resolve(cid(1));
        Path cached2 = tmp.resolve("cache").resolve(cid(2));
        // truncated and flipped in place (the hard-linked work file is the same inode: write a new file instead)
        Files.delete(cached1);
        Files.write(cached1, java.util.Arrays.copyOf(data, 4000));
        byte[] flipped = data.clone();
        flipped[100] ^= 1;
        Files.delete(cached2);
        Files.write(cached2, flipped);

        Path target = tmp.resolve("restore.enc");
        Files.writeString(target, "untouched");
        assertThat(cache.readInto(cid(1), sha256(data), target)).isEmpty();
        assertThat(cache.readInto(cid(2), sha256(data), target)).isEmpty();
        assertThat(cached1).doesNotExist();
        assertThat(cached2).doesNotExist();
        assertThat(Files.readString(target)).isEqualTo("untouched");
        try (var s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cached")).toList()).isEmpty();
        }
    }

    @Test
    void evictsOldestFirstWithinTheCap() throws Exception {
        BackupCache cache = new BackupCache(tmp.resolve("cache"), 10_000, clock);
        for (int i = 1; i <= 3; i++) {
            assertThat(cache.put(cid(i), Files.write(tmp.resolve(i + ".enc"), bytes(i, 3000))).evicted()).isEmpty();
            clock.advance(Duration.ofHours(1));
        }
        // 4 x 3000 > 10,000: the oldest (1) goes
        assertThat(cache.put(cid(4), Files.write(tmp.resolve("4.enc"), bytes(4, 3000))).evicted()).containsExactly(cid(1));
        clock.advance(Duration.ofHours(1));
        // a large newest one pushes out as many of the oldest as it must
        assertThat(cache.put(cid(5), Files.write(tmp.resolve("5.enc"), bytes(5, 6000))).evicted()).containsExactly(cid(2), cid(3));
        assertThat(cache.list()).extracting(BackupCache.Cached::cid).containsExactly(cid(4), cid(5));
        assertThat(cache.bytes()).isEqualTo(9000).isLessThanOrEqualTo(cache.maxBytes());

        // larger than the whole cap: not kept, nothing evicted for it
        BackupCache.Put huge = cache.put(cid(6), Files.write(tmp.resolve("6.enc"), bytes(6, 10_001)));
        assertThat(huge.kept()).isFalse();
        assertThat(huge.evicted()).isEmpty();
        assertThat(cache.list()).extracting(BackupCache.Cached::cid).containsExactly(cid(4), cid(5));
    }

    @Test
    void removeDeletesTheCachedFileOfADeletedBackup() throws Exception {
        BackupCache cache = new BackupCache(tmp.resolve("cache"), 1 << 20, clock);
        cache.put(cid(1), Files.write(tmp.resolve("1.enc"), bytes(1, 100)));
        assertThat(cache.remove(cid(1))).isTrue();
        assertThat(cache.remove(cid(1))).isFalse();
        assertThat(cache.list()).isEmpty();
        assertThat(cache.remove("../../etc")).isFalse();
        assertThatThrownBy(() -> cache.put("../x", tmp.resolve("1.enc"))).hasMessageContaining("not a CID");
    }

    @Test
    void concurrentPutsStayWithinTheCapAndEveryKeptFileIsWhole() throws Exception {
        long cap = 50_000;
        BackupCache cache = new BackupCache(tmp.resolve("cache"), cap, java.time.Clock.systemUTC());
        Map<String, byte[]> written = new java.util.concurrent.ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 1; i <= 40; i++) {
                int n = i;
                fs.add(pool.submit(() -> {
                    byte[] b = bytes(n, 4000 + n * 10);
                    Path f = Files.write(tmp.resolve(n + ".enc"), b);
                    written.put(cid(n), b);
                    // the same CID put twice at once: one file, whole
                    cache.put(cid(n), f);
                    cache.put(cid(n), f);
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        List<BackupCache.Cached> kept = cache.list();
        assertThat(kept).isNotEmpty();
        assertThat(cache.bytes()).isLessThanOrEqualTo(cap);
        for (BackupCache.Cached c : kept) {
            Path target = tmp.resolve("check-" + c.cid());
            Optional<Long> hit = cache.readInto(c.cid(), sha256(written.get(c.cid())), target);
            assertThat(hit).as(c.cid()).contains((long) written.get(c.cid()).length);
        }
        try (var s = Files.list(tmp.resolve("cache"))) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList()).as("no temp files left").isEmpty();
        }
    }

    @Test
    void settingsAreOffByDefaultAndBadValuesNameTheSetting() throws Exception {
        assertThat(CacheSettings.load(k -> Optional.empty(), clock)).isEmpty();
        Path dir = tmp.resolve("c");
        BackupCache c = CacheSettings.load(props(dir.toString(), "2MiB"), clock).orElseThrow();
        assertThat(c.maxBytes()).isEqualTo(2L << 20);
        assertThat(dir).isDirectory();
        assertThat(CacheSettings.load(props(dir.toString(), null), clock).orElseThrow().maxBytes()).isEqualTo(1L << 30);

        assertThatThrownBy(() -> CacheSettings.load(props(dir.toString(), "-1GiB"), clock)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("BACKUP_CACHE_MAX");
        assertThatThrownBy(() -> CacheSettings.load(props(dir.toString(), "lots"), clock)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("BACKUP_CACHE_MAX");
        assertThatThrownBy(() -> CacheSettings.load(props(dir.toString(), "0"), clock)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("BACKUP_CACHE_MAX");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertThatThrownBy(() -> CacheSettings.load(props(file.resolve("sub").toString(), "1GiB"), clock))
                .isInstanceOf(ConfigException.class).hasMessageContaining("BACKUP_CACHE_DIR").hasMessageContaining("not a writable directory");
        Path readOnly = Files.createDirectories(tmp.resolve("ro"));
        readOnly.toFile().setWritable(false);
        try {
            if (!Files.isWritable(readOnly)) { // root may write anywhere
                assertThatThrownBy(() -> CacheSettings.load(props(readOnly.toString(), "1GiB"), clock))
                        .isInstanceOf(ConfigException.class).hasMessageContaining("BACKUP_CACHE_DIR");
            }
        } finally {
            readOnly.toFile().setWritable(true);
        }
    }

    private static org.ipfsbackup.config.PropertySource props(String dir, String max) {
        Map<String, String> m = new java.util.HashMap<>();
        m.put("backup.cache.dir", dir);
        if (max != null) {
            m.put("backup.cache.max", max);
        }
        return k -> Optional.ofNullable(m.get(k));
    }

    static String cid(int n) {
        return "bafkreicache" + String.format("%06d", n);
    }

    static byte[] bytes(int seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
