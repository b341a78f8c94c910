package org.ipfsbackup.manifest;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.DecryptionException;
import org.ipfsbackup.crypto.WrappedKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-wraps the data key of every manifest entry under the current master key, so that backups written under a
 * retired key stay restorable once that key is removed from the keyring. Nothing is re-encrypted or re-uploaded.
 *
 * <p>Safe to interrupt and to run again: each entry is one atomic single-document update, conditional on the wrapped
 * key it replaces (a concurrent change makes the update match nothing; that entry is reported and left for the next
 * run); entries already under the current key are skipped (checked by unwrapping, not only by id, so an id reused for
 * another secret is noticed). Derived key-encryption keys are cached per salt, so N entries cost one PBKDF2 per
 * distinct (old key, salt) plus one for the current key. Data keys exist only in memory, inside {@link BackupCipher};
 * nothing but key ids and counts is logged.
 *
 * <p>Entries of backups written before format version 2 have no wrapped key (their stream key comes from the master
 * secret directly): they are counted as {@code oldFormat} and keep needing their original key. Deleted (unpinned)
 * entries are left as they are.
 */
public record ManifestRekey(ManifestStore store, BackupCipher cipher, Clock clock) {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.rekey");

    /**
     * @param rewrapped entries whose data key is now wrapped under the current key
     * @param alreadyCurrent entries that already were
     * @param oldFormat entries without a wrapped key (format version 1)
     * @param deleted deleted entries, not touched
     * @param failed cid -> why it could not be re-wrapped (e.g. its key id is not in the keyring)
     */
    public record Result(String keyId, int rewrapped, int alreadyCurrent, int oldFormat, int deleted, Map<String, String> failed,
                         boolean dryRun) {
        public String summary() {
            return (dryRun ? "dry run: would re-wrap " : "re-wrapped ") + rewrapped + " data key(s) under key id " + keyId + ", "
                    + alreadyCurrent + " already under it, " + oldFormat + " old-format (no data key; need their original key), "
                    + deleted + " deleted (skipped), " + failed.size() + " failed";
        }
    }

    public Result run(boolean dryRun) {
        String current = cipher.currentKeyId();
        int rewrapped = 0;
        int already = 0;
        int oldFormat = 0;
        int deleted = 0;
        Map<String, String> failed = new LinkedHashMap<>();
        for (ManifestEntry e : store.all()) {
            if (ManifestEntry.DELETED.equals(e.status())) {
                deleted++;
                continue;
            }
            if (e.wrappedKey() == null) {
                oldFormat++;
                continue;
            }
            WrappedKey w;
            try {
                w = WrappedKey.parse(e.wrappedKey());
            } catch (IllegalArgumentException ex) {
                failed.put(e.cid(), ex.getMessage() + " (the key in the file's header still works)");
                continue;
            }
            if (cipher.isUnderCurrentKey(w)) {
                already++;
                continue;
            }
            WrappedKey rewrappedKey;
            try {
                rewrappedKey = cipher.rewrap(w);
            } catch (DecryptionException ex) {
                failed.put(e.cid(), ex.getMessage());
                LOG.warn("step=rekey cid={} outcome=failed keyId={} error={}", e.cid(), w.keyId(), ex.getMessage());
                continue;
            }
            if (dryRun) {
                rewrapped++;
                continue;
            }
            // atomic, and only if nobody changed the entry's key meanwhile
            if (store.rewrap(e.cid(), e.wrappedKey(), rewrappedKey.encode(), rewrappedKey.keyId(), clock.instant())) {
                rewrapped++;
                LOG.info("step=rekey cid={} outcome=rewrapped from={} to={}", e.cid(), w.keyId(), rewrappedKey.keyId());
            } else {
                failed.put(e.cid(), "the entry changed while rekey ran; run rekey again");
            }
        }
        Result r = new Result(current, rewrapped, already, oldFormat, deleted, failed, dryRun);
        LOG.info("step=rekey outcome={} {}", failed.isEmpty() ? "success" : "partial", r.summary());
        return r;
    }

    /**
     * Whether the manifest copy in IPFS must be published again: something was re-wrapped now, an entry was re-wrapped
     * after the newest published manifest (an earlier run stopped before publishing), or the newest manifest was
     * written under another key.
     */
    public boolean needsPublish(Result r) {
        if (r.rewrapped() > 0 && !r.dryRun()) {
            return true;
        }
        var head = store.head();
        if (head.isEmpty()) {
            return store.rewrappedSince(null);
        }
        if (!r.keyId().equals(head.get().keyId())) {
            return true;
        }
        Instant at = head.get().updatedAt();
        return store.rewrappedSince(at == null ? Instant.EPOCH : at);
    }
}
